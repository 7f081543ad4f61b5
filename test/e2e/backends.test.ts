import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBackendFixtures, type BuiltFixture } from "../support/backend-fixtures.js";
import { startIndexServer, type IndexServer } from "../support/index-server.js";
import { NIX_SKIP_REASON, tempDir } from "../helpers.js";
import { generateInto, nixBuild, runPython } from "./nix-build.js";

/**
 * One sdist per build backend the stand-in has for real (Debian's), each built by nix-build in
 * the sandbox with pypa build's dependency check on, as nixpkgs' pypaBuildHook runs it, then
 * imported by pythonImportsCheck and from the environment. The special cases: a backend pin no
 * nixpkgs meets, a .zip sdist, a C extension and a ctypes user that need libxml2 through an
 * override, and a manylinux wheel that needs libstdc++ from autoPatchelfHook.
 */

/** What a user writes for the two that need libxml2 (lock2nix's --overrides format). */
const USER_OVERRIDES = `xml-fx:
  reason: C extension against libxml2, found with pkg-config
  nativeBuildInputs: [pkg-config]
  buildInputs: [libxml2]
ctypes-fx:
  reason: loads libxml2 with ctypes from a path the packager fills in
  substitutions:
    - file: ctypes_fx/__init__.py
      replace: "@libxml2@"
      with: "{lib:libxml2}/lib/libxml2.so.2"
`;

let index: IndexServer;
let fixtures: BuiltFixture[];

function poetryProject(files: BuiltFixture[]): string {
  const dir = tempDir("lock2nix-e2e-backends-");
  const packages = files.map((f) =>
    `[[package]]\nname = "${f.name}"\nversion = "${f.version}"\ndescription = ""\noptional = false\npython-versions = "*"\nfiles = [\n    {file = "${f.filename}", hash = "sha256:${f.sha256}"},\n]\n\n[package.source]\ntype = "legacy"\nurl = "${index.simpleUrl}"\nreference = "loopback"\n`,
  );
  writeFileSync(join(dir, "poetry.lock"), `${packages.join("\n")}\n[metadata]\nlock-version = "2.0"\npython-versions = "^3.11"\ncontent-hash = "0"\n`);
  const deps = files.map((f) => `${f.name} = "*"`).join("\n");
  writeFileSync(join(dir, "pyproject.toml"), `[tool.poetry]\nname = "app"\nversion = "0"\n[tool.poetry.dependencies]\npython = "^3.11"\n${deps}\n`);
  writeFileSync(join(dir, "overrides.yaml"), USER_OVERRIDES);
  return dir;
}

describe.skipIf(NIX_SKIP_REASON)("real build backends in the Nix sandbox (stand-in nixpkgs)", () => {
  let dir: string;
  let file: string;

  beforeAll(async () => {
    const built = await buildBackendFixtures(tempDir("lock2nix-backend-fixtures-"));
    fixtures = built.fixtures;
    index = await startIndexServer({ files: built.indexFiles });
    dir = poetryProject(fixtures);
    file = await generateInto(dir, [join(dir, "overrides.yaml")]);
  }, 300_000);

  afterAll(async () => {
    await index?.close();
  });

  it("writes what each build needs: its backend, the relaxed pin, the import check, the manylinux libraries", () => {
    const text = readFileSync(file, "utf8");
    const drv = (name: string) => text.slice(text.indexOf(`${name} = buildPythonPackage {`), text.indexOf("passthru", text.indexOf(`${name} = buildPythonPackage {`)));
    expect(drv("flit-fx")).toContain("build-system = [ pythonPackages.flit-core ];");
    expect(drv("poetry-fx")).toContain("build-system = [ pythonPackages.poetry-core ];");
    expect(drv("meson-fx")).toContain("pythonPackages.meson-python");
    expect(drv("vcs-fx")).toMatch(/pythonPackages\.hatch-vcs\s+pythonPackages\.hatchling/);
    expect(drv("pinned-fx")).toContain('pypaBuildFlags = [ "--skip-dependency-check" ];');
    expect(drv("hatch-fx")).not.toContain("--skip-dependency-check");
    expect(drv("hatch-fx")).toContain('pythonImportsCheck = [ "hatch_fx" ];');
    expect(drv("ctypes-fx")).toContain("substituteInPlace");
    expect(drv("cxx-fx")).toContain("buildInputs = pkgs.pythonManylinuxPackages.manylinux2014;");
  });

  it("builds every fixture with its backend and imports each", async () => {
    const built = await nixBuild(file, "env", { outLink: join(dir, "result") });
    expect(built.ok, built.log.slice(-6000)).toBe(true);
    const modules = fixtures.map((f) => f.module);
    const printed = runPython(built.out, `import ${modules.join(", ")}; print(" ".join(m.VALUE for m in [${modules.join(", ")}]))`);
    expect(printed.output.trim()).toBe("flit hatch poetry scm vcs meson cython pinned zip xml 2.9.14 ctypes cxx");
    // Versions from PKG-INFO reached the metadata of the dynamic-version backends.
    expect(runPython(built.out, "import importlib.metadata as m; print(m.version('scm-fx'), m.version('vcs-fx'))").output.trim()).toBe("1.0.0 1.0.0");
  }, 900_000);

  it("fails on a wrong backend, as pypa build does in nixpkgs", async () => {
    const wrong = join(dir, "wrong.yaml");
    writeFileSync(wrong, "hatch-fx:\n  build-system: [setuptools]\n");
    const out = await generateInto(dir, [join(dir, "overrides.yaml"), wrong]);
    const built = await nixBuild(out, "packages.hatch-fx", { outLink: join(dir, "result-wrong") });
    expect(built.ok).toBe(false);
    expect(built.log).toContain("Backend 'hatchling.build' is not available");
  }, 600_000);

  it("fails without the overrides: no libxml2 for the C extension, and the import check catches the ctypes path", async () => {
    const out = await generateInto(dir, []);
    const xml = await nixBuild(out, "packages.xml-fx", { outLink: join(dir, "result-xml") });
    expect(xml.ok).toBe(false);
    expect(xml.log).toMatch(/Package libxml-2\.0 was not found/);
    const ctypes = await nixBuild(out, "packages.ctypes-fx", { outLink: join(dir, "result-ctypes") });
    expect(ctypes.ok).toBe(false);
    expect(ctypes.log).toContain("pythonImportsCheckPhase");
    expect(ctypes.log).toMatch(/OSError: @libxml2@/);
  }, 600_000);

  it("fails on an unmet DT_NEEDED, as autoPatchelfHook does, when the manylinux libraries are taken away", async () => {
    const built = await nixBuild(file, "packages.cxx-fx", {
      outLink: join(dir, "result-cxx"),
      overrides: "final: prev: { cxx-fx = prev.cxx-fx.overridePythonAttrs { buildInputs = [ ]; }; }",
    });
    expect(built.ok).toBe(false);
    expect(built.log).toMatch(/auto-patchelf could not satisfy dependency libstdc\+\+\.so\.6/);

    // An override's `wheel` block reaches the wheel's derivation: here, to let the library be missing.
    const ignore = join(dir, "ignore.yaml");
    writeFileSync(ignore, 'cxx-fx:\n  wheel:\n    ignore-missing-libs: ["libstdc++.so.6", "libgcc_s.so.1"]\n');
    const out = await generateInto(dir, [join(dir, "overrides.yaml"), ignore]);
    const text = readFileSync(out, "utf8");
    const cxx = text.slice(text.indexOf("cxx-fx = buildPythonPackage {"), text.indexOf("passthru", text.indexOf("cxx-fx = buildPythonPackage {")));
    expect(cxx).toMatch(/autoPatchelfIgnoreMissingDeps = \[\s+"libstdc\+\+\.so\.6"\s+"libgcc_s\.so\.1"\s+\];/);
    const ignored = await nixBuild(out, "packages.cxx-fx", {
      outLink: join(dir, "result-cxx-ignored"),
      overrides: "final: prev: { cxx-fx = prev.cxx-fx.overridePythonAttrs { buildInputs = [ ]; }; }",
    });
    expect(ignored.ok, ignored.log.slice(-3000)).toBe(true);
    expect(ignored.log).toMatch(/auto-patchelf ignoring missing libstdc\+\+\.so\.6/);
  }, 600_000);
});
