import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { generate, type GenerateResult } from "../../src/generate.js";
import { defaultLibrary, libraryDir } from "../../src/overrides/index.js";
import type { NixSystem } from "../../src/resolve/target.js";
import { CORPUS, NIX_SKIP_REASON, tempDir, SHARED_SKIP_REASON } from "../helpers.js";

const gen = (path: string, extra: { overrides?: string[]; systems?: NixSystem[] } = {}) =>
  generate({ path, offline: true, cacheDir: tempDir(), output: join(tempDir(), "lock.nix"), ...extra });

/** Nix text for an attribute set holding exactly these paths; each node is `{ __name = "a.b"; … }`. */
function attrTree(paths: string[]): string {
  type Node = Map<string, Node>;
  const root: Node = new Map();
  for (const p of paths) {
    let n = root;
    for (const seg of p.split(".")) n = n.get(seg) ?? (n.set(seg, new Map()), n.get(seg) as Node);
  }
  const render = (n: Node, prefix: string): string =>
    // outPath: the library's `{out:attr}`/`toString pkgs.x` env values need a store path, as a real package has.
    `{ ${[...n].map(([k, c]) => `"${k}" = { __name = "${prefix}${k}"; outPath = "/nix/store/${prefix}${k}"; } // ${render(c, `${prefix}${k}.`)};`).join(" ")} }`;
  return render(root, "");
}

/**
 * A pkgs for evaluating generated files without building: only the attributes of
 * overrides/nixpkgs-attributes.txt exist (so evaluation fails on any other name), and
 * buildPythonPackage returns its arguments.
 */
function evalPkgsFile(): string {
  const pkgs: string[] = [];
  const python: string[] = [];
  for (const raw of readFileSync(join(libraryDir(), "nixpkgs-attributes.txt"), "utf8").split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    if (line.startsWith("pkgs.")) pkgs.push(line.slice(5));
    else if (line.startsWith("python3Packages.")) python.push(line.slice(16));
  }
  const file = join(tempDir(), "eval-pkgs.nix");
  writeFileSync(
    file,
    `{ system, pythonVersion }:
let
  lib = { fix = f: let x = f x; in x; extends = o: f: final: let prev = f final; in prev // o final prev; optionals = c: xs: if c then xs else [ ]; elem = builtins.elem; };
  python = { inherit pythonVersion; pkgs = ${attrTree(python)} // { buildPythonPackage = args: args; setuptools = { __name = "setuptools"; }; wheel = { __name = "wheel"; }; }; withPackages = f: { }; };
in ${attrTree(pkgs)} // {
  inherit lib;
  stdenv.hostPlatform.system = system;
  fetchurl = args: { fetchurl = args; };
  fetchgit = args: { fetchgit = args; };
  autoPatchelfHook = { __name = "autoPatchelfHook"; };
  python311 = python // { pythonVersion = "3.11"; };
  python312 = python // { pythonVersion = "3.12"; }; python313 = python // { pythonVersion = "3.13"; };
  python314 = python // { pythonVersion = "3.14"; }; python315 = python // { pythonVersion = "3.15"; };
}
`,
  );
  return file;
}

interface Seen {
  bs: string[];
  nbi: string[];
  bi: string[];
  env: Record<string, string>;
  cargoRoot: string | null;
}

/** What the generated derivations pass, for these packages on one system. */
function evalDerivations(nixFile: string, names: string[], system: string, python: string): Record<string, Seen> {
  const pkgsFile = evalPkgsFile();
  const get = (n: string) => `(let d = set.packages.${JSON.stringify(n)}; names = l: map (x: x.__name) l; in {
    bs = names (d.build-system or [ ]); nbi = names (d.nativeBuildInputs or [ ]); bi = names (d.buildInputs or [ ]);
    env = builtins.mapAttrs (k: v: if builtins.isString v then v else "<drv>") (d.env or { }); cargoRoot = d.cargoRoot or null; })`;
  const expr = `let pkgs = import ${pkgsFile} { system = "${system}"; pythonVersion = "${python}"; }; set = import ${nixFile} { inherit pkgs; }; in { ${names
    .map((n) => `${JSON.stringify(n)} = ${get(n)};`)
    .join(" ")} }`;
  return JSON.parse(execFileSync("nix-instantiate", ["--eval", "--strict", "--json", "--expr", expr], { encoding: "utf8", maxBuffer: 1 << 26 }));
}

/** Packages built from an sdist on `system` that the library has an entry for. */
function describedSourceBuilds(result: GenerateResult, system: NixSystem): Array<{ name: string; version: string }> {
  const out = [];
  for (const [name, builds] of result.resolution.packages) {
    const b = builds.get(system);
    if (b?.source.kind === "artifact" && b.source.artifact.kind === "sdist" && defaultLibrary().has(name)) out.push({ name, version: b.version });
  }
  return out;
}

const RUST = ["cargo", "rustPlatform.cargoSetupHook", "rustc"];

describe.skipIf(NIX_SKIP_REASON ?? SHARED_SKIP_REASON)("generated derivations carry what the override library says", () => {
  it.each([
    ["poetry-jumpserver", ["lxml", "psycopg2-binary", "cryptography", "pyyaml", "cffi", "bcrypt", "grpcio", "pillow", "pymssql", "pynacl", "xmlsec"]],
    ["uv-pydantic-ai", ["pydantic-core", "jiter", "tiktoken", "rpds-py", "watchfiles", "cryptography", "lxml", "pyyaml", "cffi"]],
    ["poetry-poetry", ["cffi", "msgpack", "psutil", "pyyaml", "rapidfuzz", "zstandard"]],
  ] as const)("%s (offline)", async (name, expectedNative) => {
    const out = join(tempDir(), "lock.nix");
    const result = await generate({ path: join(CORPUS, name), offline: true, cacheDir: tempDir(), output: out });
    writeFileSync(out, result.nix);
    for (const system of ["x86_64-linux", "aarch64-darwin"] as const) {
      const described = describedSourceBuilds(result, system);
      expect(described.map((d) => d.name)).toEqual(expect.arrayContaining([...expectedNative]));
      const seen = evalDerivations(out, described.map((d) => d.name), system, result.resolution.python);
      for (const { name: pkg, version } of described) {
        const m = defaultLibrary().match(pkg, version, system);
        if (!m) continue; // an entry limited to other versions
        const d = seen[pkg] as Seen;
        const rust = m.cargo ? [...RUST, ...(m.cargo.maturin ? ["rustPlatform.maturinBuildHook"] : [])] : [];
        expect(d.bs.sort(), `${pkg} ${version} build-system`).toEqual([...new Set([...(m.buildSystem ?? ["setuptools"]), ...m.buildSystemAppend])].sort());
        expect(d.nbi.sort(), `${pkg} ${version} nativeBuildInputs`).toEqual([...new Set([...m.nativeBuildInputs, ...rust])].sort());
        expect(d.bi.sort(), `${pkg} ${version} buildInputs`).toEqual([...m.buildInputs].sort());
        expect(Object.keys(d.env).sort(), `${pkg} env`).toEqual(Object.keys(m.env).sort());
        expect(d.cargoRoot, `${pkg} cargoRoot`).toBe(m.cargo?.root ?? null);
      }
      if (name === "poetry-jumpserver") {
        const s = evalDerivations(out, ["lxml", "psycopg2-binary", "cryptography", "pyyaml", "cffi"], system, result.resolution.python);
        expect(s["lxml"]?.bi).toEqual(expect.arrayContaining(["libxml2", "libxslt"]));
        expect(s["lxml"]?.nbi).toEqual(expect.arrayContaining(["libxml2.dev", "libxslt.dev"]));
        expect(s["psycopg2-binary"]).toMatchObject({ nbi: ["libpq.pg_config"], bi: expect.arrayContaining(["libpq"]) });
        expect(s["cryptography"]?.bi).toEqual(expect.arrayContaining(["openssl"]));
        expect(s["cryptography"]?.nbi).toEqual(expect.arrayContaining(["rustPlatform.cargoSetupHook", "cargo", "rustc"]));
        expect(s["cryptography"]?.bs).toEqual(expect.arrayContaining(["setuptools-rust"]));
        expect(s["cryptography"]?.cargoRoot).toBe("src/rust");
        expect(s["pyyaml"]?.bi).toEqual(["libyaml"]);
        expect(s["cffi"]?.bi).toEqual(["libffi"]);
        if (system === "aarch64-darwin") expect(s["cryptography"]?.bi).toContain("libiconv");
        else expect(s["cryptography"]?.bi).not.toContain("libiconv");
      }
    }
  }, 120_000);

  it("says Rust packages need their Cargo.lock, in the output and the warnings", async () => {
    const result = await gen(join(CORPUS, "poetry-jumpserver"), { systems: ["x86_64-linux"] });
    expect(result.nix).toContain(
      'cargoDeps = throw "lock2nix: cryptography 41.0.7 builds Rust code, and the Cargo.lock of its sdist was not read when this file was generated (offline, nothing cached); run lock2nix online, or generate with --prefer-wheels";',
    );
    expect(result.warnings).toContain(
      "cryptography 41.0.7 builds Rust code, and the Cargo.lock of its sdist was not read (offline, nothing cached): its build will fail with a message; run lock2nix online, or generate with --prefer-wheels",
    );
    // The header counts what the run reports, not only the resolver's share of it.
    expect(result.warnings.length).toBeGreaterThan(1);
    expect(result.nix).toContain(`# ${result.warnings.length} warning(s) were reported when this was generated (lock2nix generate -v lists each).\n`);
  });

  it("applies --overrides files after the library, warns for network-at-build, and records them", async () => {
    const dir = tempDir();
    const first = join(dir, "first.yaml");
    const second = join(dir, "second.yaml");
    writeFileSync(first, 'lxml:\n  buildInputs: [zlib]\n  env: {LXML_NOTE: "first ${x}"}\npyyaml:\n  +buildInputs: [zlib]\n');
    writeFileSync(second, "lxml:\n  +buildInputs: [libxml2]\ncffi:\n  network-at-build: true\n");
    const out = join(dir, "lock.nix");
    const result = await gen(join(CORPUS, "poetry-jumpserver"), { overrides: [first, second], systems: ["x86_64-linux"] });
    writeFileSync(out, result.nix);
    const s = evalDerivations(out, ["lxml", "pyyaml", "cffi"], "x86_64-linux", result.resolution.python);
    expect(s["lxml"]).toMatchObject({ bi: ["libxml2", "zlib"], nbi: expect.arrayContaining(["libxml2.dev"]), env: { LXML_NOTE: "first ${x}" } });
    expect(s["pyyaml"]?.bi.sort()).toEqual(["libyaml", "zlib"]);
    expect(result.warnings).toContain(
      "cffi 1.17.1: its build downloads files, which Nix's sandbox forbids (the override library says network-at-build); generate with --prefer-wheels to use a wheel instead",
    );
    expect(result.nix).toMatch(/^# option overrides: first\.yaml@sha256:[0-9a-f]{16} second\.yaml@sha256:[0-9a-f]{16}$/m);
  });

  it("takes --overrides on the command line, and reports a bad file by file, line and field", async () => {
    const dir = tempDir();
    const good = join(dir, "good.yaml");
    writeFileSync(good, "pyyaml:\n  buildInputs: [zlib]\n");
    let stdout = "";
    let stderr = "";
    const io = { stdout: (t: string) => (stdout += t), stderr: (t: string) => (stderr += t) };
    const env = process.env;
    process.env = { ...env, XDG_CACHE_HOME: tempDir() };
    try {
      expect(await main(["generate", join(CORPUS, "poetry-jumpserver"), "--offline", "--system", "x86_64-linux", "--overrides", good], io)).toBe(0);
      expect(stdout).toMatch(/pyyaml = buildPythonPackage \{[^}]*\n(?:.*\n)*?\s+buildInputs = \[ pkgs\.zlib \];/);
      const bad = join(dir, "bad.yaml");
      writeFileSync(bad, "pyyaml:\n  buildInputs: zlib\n");
      stderr = "";
      expect(await main(["generate", join(CORPUS, "poetry-jumpserver"), "--offline", "--overrides", bad], io)).toBe(1);
      expect(stderr).toBe(`lock2nix: error: ${bad}:2: pyyaml.buildInputs: expected a list, got the string "zlib"\n`);
    } finally {
      process.env = env;
    }
  });
});
