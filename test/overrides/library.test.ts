import { execFileSync } from "node:child_process";
import { cpSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EMITTER_ATTRIBUTES } from "../../src/emit/index.js";
import { FALLBACK_BUILD_SYSTEM } from "../../src/emit/build-system.js";
import { KNOWN_BUILD_ATTRS } from "../../src/inspect/index.js";
import { compileLibrary, libraryDir, loadLibrary, readCompiledLibrary, type OverrideEntry } from "../../src/overrides/index.js";
import { NIX_SKIP_REASON, tempDir } from "../helpers.js";

const ROOT = join(import.meta.dirname, "..", "..");
const library = loadLibrary();

/** `pkgs.x` and `python3Packages.x` lines of overrides/nixpkgs-attributes.txt. */
function checkedAttributes(): { pkgs: Set<string>; python: Set<string> } {
  const pkgs = new Set<string>();
  const python = new Set<string>();
  for (const raw of readFileSync(join(libraryDir(), "nixpkgs-attributes.txt"), "utf8").split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    if (line === "") continue;
    const m = /^(pkgs|python3Packages)\.(\S+)$/.exec(line);
    if (!m) throw new Error(`nixpkgs-attributes.txt: cannot read ${JSON.stringify(raw)}`);
    (m[1] === "pkgs" ? pkgs : python).add(m[2] as string);
  }
  return { pkgs, python };
}

/** Every name an entry uses, wherever it says it (base, system blocks, when blocks). */
function namesOf(e: OverrideEntry): { pkgs: string[]; python: string[] } {
  const fragments = [e, ...Object.values(e.systems), ...e.when, ...e.when.flatMap((w) => Object.values(w.systems))];
  const pkgs: string[] = [];
  const python: string[] = [];
  for (const f of fragments) {
    for (const lists of [f.lists, f.append]) {
      python.push(...(lists["build-system"] ?? []).map((i) => i.value));
      for (const k of ["nativeBuildInputs", "buildInputs", "patches"] as const) pkgs.push(...(lists[k] ?? []).map((i) => i.value));
    }
    for (const v of Object.values(f.env ?? {})) if ("attr" in v) pkgs.push(v.attr);
    for (const s of f.substitutions ?? []) for (const p of s.with) if ("attr" in p) pkgs.push(p.attr);
  }
  return { pkgs, python };
}

/** The packages issue 6 names (psycopg[c] is the psycopg-c distribution). */
const NAMED = [
  "lxml", "psycopg2", "psycopg-c", "mysqlclient", "cryptography", "bcrypt", "orjson", "pydantic-core", "rpds-py", "jiter",
  "tiktoken", "tokenizers", "numpy", "scipy", "pandas", "pillow", "matplotlib", "h5py", "pyzmq", "grpcio", "gevent",
  "greenlet", "uvloop", "shapely", "pyproj", "gdal", "pycairo", "pygobject", "python-ldap", "pycurl", "pyyaml",
  "ruamel-yaml-clib", "cffi", "msgpack", "regex", "markupsafe", "kiwisolver", "psutil",
];

/**
 * Packages of ../shared/corpus/ locks that publish platform wheels and an sdist (lock2nix builds the
 * sdist by default). Left out: wheel-only packages (nvidia-*, torch, triton, cuda-bindings, pywin32,
 * psycopg-binary) and four that nixpkgs does not package and whose builds could not be checked
 * offline (burner-redis, data-tree, pyfreerdp, sspilib).
 */
const CORPUS_NATIVE = [
  "aiohttp", "ast-serialize", "asyncpg", "audioop-lts", "autobahn", "bcrypt", "black", "blis", "brotli", "brotlicffi",
  "caio", "cbor2", "cffi", "charset-normalizer", "cmake", "coverage", "cryptography", "cymem", "duckdb", "dulwich",
  "ephem", "fastavro", "frozenlist", "greenlet", "grpcio", "hf-xet", "httptools", "jiter", "librt", "lxml", "markupsafe",
  "maxminddb", "msgpack", "multidict", "multiprocess", "murmurhash", "mypy", "mysqlclient", "netifaces", "numpy",
  "oracledb", "orjson", "pandas", "pendulum", "pillow", "preshed", "primp", "propcache", "protobuf", "psutil",
  "psycopg2-binary", "pyarrow", "pycryptodome", "pycryptodomex", "pydantic", "pydantic-core", "pymongo", "pymssql",
  "pynacl", "pytokens", "pyyaml", "rapidfuzz", "regex", "rpds-py", "ruamel-yaml-clib", "ruff", "safetensors",
  "scikit-learn", "scipy", "simplejson", "sounddevice", "spacy", "sqlalchemy", "srsly", "subprocess32", "temporalio",
  "thinc", "tiktoken", "tokenizers", "tomli", "tornado", "ujson", "uuid-utils", "uv", "uvloop", "watchdog", "watchfiles",
  "websockets", "whenever", "wrapt", "xattr", "xmlsec", "xxhash", "yarl", "zensical", "zope-interface", "zstandard",
];

describe("the override library", () => {
  it("loads and validates every file", () => {
    const files = readdirSync(libraryDir()).filter((f) => f.endsWith(".yaml"));
    expect(library.names()).toEqual(files.map((f) => f.replace(/\.yaml$/, "")).sort());
    expect(library.names().length).toBeGreaterThanOrEqual(120);
    for (const e of library.entries()) expect(e.reason, e.file).toMatch(/\S/);
  });

  it("covers every package issue 6 names and every native package of the corpus", () => {
    expect(NAMED.filter((n) => !library.has(n))).toEqual([]);
    expect(CORPUS_NATIVE.filter((n) => !library.has(n))).toEqual([]);
  });

  it("names only nixpkgs attributes from the checked list", () => {
    const checked = checkedAttributes();
    const unknown: string[] = [];
    for (const e of library.entries()) {
      const { pkgs, python } = namesOf(e);
      for (const n of pkgs) if (!checked.pkgs.has(n)) unknown.push(`${e.file}: pkgs.${n}`);
      for (const n of python) if (!checked.python.has(n)) unknown.push(`${e.file}: python3Packages.${n}`);
    }
    for (const n of EMITTER_ATTRIBUTES) if (!checked.pkgs.has(n)) unknown.push(`src/emit: pkgs.${n}`);
    expect(unknown).toEqual([]);
  });

  it("lists no attribute nothing uses", () => {
    const checked = checkedAttributes();
    const used = { pkgs: new Set<string>(EMITTER_ATTRIBUTES), python: new Set<string>() };
    for (const e of library.entries()) {
      const { pkgs, python } = namesOf(e);
      pkgs.forEach((n) => used.pkgs.add(n));
      python.forEach((n) => used.python.add(n));
    }
    expect([...checked.pkgs].filter((n) => !used.pkgs.has(n))).toEqual([]);
    expect([...checked.python].filter((n) => !used.python.has(n))).toEqual([]);
  });

  it("builds Rust without maturin only with setuptools-rust", () => {
    for (const e of library.entries()) {
      for (const block of [e, ...e.when]) {
        if (!block.cargo || block.cargo.maturin) continue;
        const bs = [...(e.lists["build-system"] ?? []), ...(block.lists["build-system"] ?? [])].map((i) => i.value);
        expect(bs, e.file).toContain("setuptools-rust");
      }
    }
  });

  it.skipIf(NIX_SKIP_REASON)("has a stand-in stub for every top-level attribute it names", () => {
    const names = [...checkedAttributes().pkgs];
    const expr = `let p = import ${join(ROOT, "test", "nix", "nixpkgs")} { system = "x86_64-linux"; }; in builtins.filter (n: !(p ? \${n}) && !(builtins.length (builtins.filter (x: x != "") (builtins.split "[.]" n)) > 1)) ${JSON.stringify(names).replace(/,/g, " ")}`;
    const missing = JSON.parse(execFileSync("nix-instantiate", ["--eval", "--strict", "--json", "--expr", expr], { encoding: "utf8" }));
    expect(missing).toEqual([]);
    const nested = names.filter((n) => n.includes("."));
    const select = nested.map((n) => `(builtins.typeOf p.${n})`).join(" ");
    const out = JSON.parse(
      execFileSync("nix-instantiate", ["--eval", "--strict", "--json", "--expr", `let p = import ${join(ROOT, "test", "nix", "nixpkgs")} { system = "x86_64-linux"; }; in [ ${select} ]`], { encoding: "utf8" }),
    );
    expect(out).toHaveLength(nested.length);
  });
});

describe("the stand-in nixpkgs' python set (test/nix/nixpkgs/python)", () => {
  // Everything the generator can write as `pythonPackages.<name>`: the override library's, the
  // build-backend table's and the fallback set's names.
  it.skipIf(NIX_SKIP_REASON)("has every python attribute the generator can emit", () => {
    const names = new Set<string>([...checkedAttributes().python, ...KNOWN_BUILD_ATTRS, ...FALLBACK_BUILD_SYSTEM]);
    for (const e of library.entries()) namesOf(e).python.forEach((n) => names.add(n));
    const expr = `let p = import ${join(ROOT, "test", "nix", "nixpkgs")} { system = "x86_64-linux"; }; in builtins.filter (n: !(p.python311.pkgs ? \${n})) ${JSON.stringify([...names].sort()).replace(/,/g, " ")}`;
    const missing = JSON.parse(execFileSync("nix-instantiate", ["--eval", "--strict", "--json", "--expr", expr], { encoding: "utf8" }));
    expect(missing).toEqual([]);
    expect(names.size).toBeGreaterThan(50);
  });
});

describe("the compiled library (dist/overrides.json, written by npm run build)", () => {
  it("holds what the YAML files say, and applies the same", () => {
    const file = join(tempDir(), "overrides.json");
    writeFileSync(file, compileLibrary());
    const compiled = readCompiledLibrary(file);
    expect(compiled).toBeDefined();
    expect(compiled?.entries()).toEqual(library.entries());
    for (const name of library.names()) {
      for (const system of ["x86_64-linux", "aarch64-darwin"] as const) {
        expect(compiled?.match(name, "1.0", system), `${name} ${system}`).toEqual(library.match(name, "1.0", system));
      }
    }
  });

  it("is not used once a YAML file changed since it was compiled", () => {
    const dir = tempDir();
    cpSync(libraryDir(), dir, { recursive: true });
    const file = join(tempDir(), "overrides.json");
    writeFileSync(file, compileLibrary(dir));
    expect(readCompiledLibrary(file, dir)).toBeDefined();
    const edited = tempDir();
    cpSync(libraryDir(), edited, { recursive: true });
    writeFileSync(join(edited, "lxml.yaml"), `${readFileSync(join(edited, "lxml.yaml"), "utf8")}# edited\n`);
    expect(readCompiledLibrary(file, edited)).toBeUndefined();
    writeFileSync(file, "{ not json");
    expect(readCompiledLibrary(file, dir)).toBeUndefined();
  });
});
