import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LockError } from "../../src/errors.js";
import { generate } from "../../src/generate.js";
import { poetryProject, uvWorkspace } from "../support/project-fixtures.js";
import { NIX_SKIP_REASON, tempDir } from "../helpers.js";

const generateIn = async (dir: string, options: { checks?: boolean; project?: boolean } = {}) =>
  (await generate({ path: dir, output: join(dir, "lock.nix"), python: "3.11", systems: ["x86_64-linux"], cacheDir: tempDir(), offline: true, ...options })).nix;

describe("the project's outputs in the generated file", () => {
  it("adds the root package, app, devShell and devShells per group; checks only when asked", async () => {
    const dir = tempDir();
    poetryProject(dir);
    const nix = await generateIn(dir);
    expect(nix).toContain('    hello-poetry = buildPythonPackage {\n      pname = "hello-poetry";\n      version = "1.2.0";');
    expect(nix).toContain('src = localSource "hello-poetry" (./. + "/");');
    expect(nix).toContain('app = pkgs.runCommand "${packages.hello-poetry.pname}-${packages.hello-poetry.version}" { meta.mainProgram = "hello-poetry"; }');
    expect(nix).toContain('devShells = lib.genAttrs [ "dev" "main" ] devShellFor;');
    expect(nix).toContain('devShell = devShellFor "dev";');
    // The dev shells' environments leave the project's own trees out: they are imported from the working tree.
    expect(nix).toContain('  devEnvs = {\n    dev = withPackages [ "pytest" ];\n    main = withPackages [ ];\n  };');
    expect(nix).not.toContain("checks =");
    expect(await generateIn(dir, { checks: true })).toContain('  checks = pkgs.runCommand "${project.name}-checks" {');
  });

  it("leaves the project out with --no-project, and where no pyproject.toml describes a package", async () => {
    const dir = tempDir();
    poetryProject(dir);
    const without = await generateIn(dir, { project: false });
    for (const text of ["app =", "devShell", "hello-poetry = buildPythonPackage"]) expect(without).not.toContain(text);
    const reqs = tempDir();
    writeFileSync(join(reqs, "requirements.txt"), `six @ https://files.pythonhosted.org/packages/py2.py3/s/six/six-1.16.0-py2.py3-none-any.whl --hash=sha256:${"1".repeat(64)}\n`);
    const plain = await generateIn(reqs);
    expect(plain).not.toContain("app =");
    expect(plain).not.toContain("localSource");
  });

  it("refuses --checks without pytest in a test, tests or dev group, naming the lock", async () => {
    const dir = tempDir();
    uvWorkspace(dir);
    const run = generateIn(dir, { checks: true });
    await expect(run).rejects.toThrow(LockError);
    await expect(generateIn(dir, { checks: true })).rejects.toThrow(/--checks runs the project's tests with pytest from its test, tests, dev group, but the lock has none of them/);
  });

  it.skipIf(NIX_SKIP_REASON)("keeps a member path with quotes, ${ and $( in strings, so it parses and stays data", async () => {
    const dir = tempDir();
    uvWorkspace(dir);
    const odd = 'packages/we"ird ${x} $(touch pwned)';
    mkdirSync(join(dir, odd, "lib_two"), { recursive: true });
    writeFileSync(join(dir, odd, "pyproject.toml"), '[build-system]\nrequires = ["flit_core"]\nbuild-backend = "flit_core.buildapi"\n[project]\nname = "lib-two"\nversion = "0.2.0"\ndescription = "two"\n');
    writeFileSync(join(dir, "uv.lock"), (await import("node:fs")).readFileSync(join(dir, "uv.lock"), "utf8").replace('editable = "packages/lib-two"', `editable = ${JSON.stringify(odd)}`));
    const file = join(dir, "lock.nix");
    writeFileSync(file, await generateIn(dir));
    const parsed = execFileSync("nix-instantiate", ["--parse", file], { encoding: "utf8" });
    expect(parsed).toContain('"/packages/we\\"ird \\${x} \\$(touch pwned)"');
  });

  it("builds a PEP 751 directory package as the project, with its version from its tree", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "pyproject.toml"), '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n[project]\nname = "hello-pylock"\nversion = "0.9.0"\n[project.scripts]\nhello-pylock = "hello_pylock:main"\n');
    writeFileSync(join(dir, "pylock.toml"), 'lock-version = "1.0"\ncreated-by = "lock2nix-test"\nrequires-python = ">=3.8"\n\n[[packages]]\nname = "hello-pylock"\ndirectory = { path = ".", editable = true }\n');
    const nix = await generateIn(dir);
    expect(nix).toContain('    hello-pylock = buildPythonPackage {\n      pname = "hello-pylock";\n      version = "0.9.0";');
    expect(nix).toContain('meta.mainProgram = "hello-pylock";');
  });

  it("takes a uv virtual root's members as the project: no root package, every member's scripts in app", async () => {
    const dir = tempDir();
    uvWorkspace(dir);
    writeFileSync(join(dir, "pyproject.toml"), '[project]\nname = "ws"\nversion = "0"\nrequires-python = ">=3.8"\n[tool.uv.workspace]\nmembers = ["packages/*"]\n');
    writeFileSync(join(dir, "packages", "lib-two", "pyproject.toml"), '[build-system]\nrequires = ["flit_core>=3.2,<4"]\nbuild-backend = "flit_core.buildapi"\n[project]\nname = "lib-two"\nversion = "0.2.0"\ndescription = "two"\n[project.scripts]\ntwo = "lib_two:two"\n');
    writeFileSync(join(dir, "uv.lock"), 'version = 1\nrevision = 3\nrequires-python = ">=3.8"\n\n[manifest]\nmembers = ["lib-one", "lib-two", "ws"]\n\n[[package]]\nname = "lib-one"\nversion = "0.1.0"\nsource = { editable = "packages/lib-one" }\n\n[[package]]\nname = "lib-two"\nversion = "0.2.0"\nsource = { editable = "packages/lib-two" }\n\n[[package]]\nname = "ws"\nversion = "0"\nsource = { virtual = "." }\ndependencies = [\n    { name = "lib-one" },\n    { name = "lib-two" },\n]\n');
    const nix = await generateIn(dir);
    expect(nix).not.toContain("    ws = buildPythonPackage");
    expect(nix).toContain("  appEnv = envs.main;");
    expect(nix).toContain('app = pkgs.runCommand "workspace-app" { meta.mainProgram = "two"; }');
    expect(nix).toContain('    editable = [\n      "/packages/lib-one/src"\n      "/packages/lib-two"\n    ];');
  });
});
