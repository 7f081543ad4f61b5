import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readLock } from "../../src/formats/index.js";
import { generate } from "../../src/generate.js";
import { PYPI_SIMPLE_URL, type Lock } from "../../src/model.js";
import {
  buildFixturePackages,
  distName,
  FIXTURE_SPECS,
  PYTHON,
  removeFixtures,
  REQUIRES_PYTHON,
  type FixtureFile,
  type FixturePackage,
  type FixtureSet,
} from "../support/fixture-packages.js";
import { startIndexServer, type IndexServer } from "../support/index-server.js";
import {
  writePdmLock,
  writePdmPyproject,
  writePipfile,
  writePipfileLock,
  writePylock,
  writeRequirements,
  writeUvLock,
  type LockIndex,
  type LockRoot,
} from "../support/lock-writers.js";
import { NIX_SKIP_REASON, tempDir } from "../helpers.js";
import { nixBuild, runPython } from "./nix-build.js";

/**
 * uv.lock, pdm.lock, pylock.toml, Pipfile.lock and requirements.txt, written
 * the way uv, pdm, pip, uv's export, pipenv and pip-compile write them, read
 * back by lock2nix, and (with Nix) built in Nix's sandbox from a loopback
 * index, the way sandbox.test.ts does for poetry.lock: every format lock2nix
 * reads is shown to build.
 */
const SYSTEM = process.arch === "arm64" ? "aarch64-linux" : "x86_64-linux";
const IMPORTABLE = ["alpha", "beta", "gamma", "delta", "cycle_a", "cycle_b"];
/** Everything alpha and cycle-a reach in any environment; epsilon only on win32. */
const UNIVERSAL = ["alpha", "beta", "cycle-a", "cycle-b", "delta", "epsilon", "gamma"];
/** What pip installs on Linux: epsilon's marker is false there. */
const ON_LINUX = UNIVERSAL.filter((n) => n !== "epsilon");

const ROOT: LockRoot = {
  name: "e2e-app",
  version: "0.1.0",
  requiresPython: ">=3.11",
  dependencies: [
    { name: "alpha", specifier: ">=1.0.0" },
    { name: "cycle-a", specifier: ">=1.0.0" },
  ],
};

type Format =
  | "uv"
  | "pdm"
  | "pylock-pip"
  | "pylock-uv"
  /** Pipfile and Pipfile.lock as pipenv writes them. */
  | "pipenv"
  /** requirements.txt by `pip-compile --generate-hashes`. */
  | "requirements"
  /** requirements.txt by `pip-compile` without hashes: the index gives files and hashes. */
  | "requirements-pins"
  /** requirements.txt by `pip freeze`: pins only, no index named. */
  | "requirements-freeze";

/** A project folder holding the lock (and pdm's pyproject.toml) as the tool writes it. */
function project(format: Format, packages: FixturePackage[], index: LockIndex): string {
  const dir = tempDir("lock2nix-formats-");
  const options = { root: ROOT, index };
  switch (format) {
    case "uv":
      writeFileSync(join(dir, "uv.lock"), writeUvLock(packages, options));
      break;
    case "pdm":
      writeFileSync(join(dir, "pdm.lock"), writePdmLock(packages, options));
      writeFileSync(join(dir, "pyproject.toml"), writePdmPyproject(packages, options));
      break;
    case "pylock-pip":
      writeFileSync(join(dir, "pylock.toml"), writePylock(packages, { ...options, createdBy: "pip" }));
      break;
    case "pylock-uv":
      writeFileSync(join(dir, "pylock.toml"), writePylock(packages, { ...options, createdBy: "uv" }));
      break;
    case "pipenv":
      writeFileSync(join(dir, "Pipfile"), writePipfile(packages, options));
      writeFileSync(join(dir, "Pipfile.lock"), writePipfileLock(packages, options));
      break;
    case "requirements":
      writeFileSync(join(dir, "requirements.txt"), writeRequirements(packages, options));
      break;
    case "requirements-pins":
      writeFileSync(join(dir, "requirements.txt"), writeRequirements(packages, { ...options, hashes: false }));
      break;
    case "requirements-freeze":
      writeFileSync(join(dir, "requirements.txt"), writeRequirements(packages, { ...options, style: "pip-freeze" }));
      break;
  }
  return dir;
}

const LOCK_FILE: Record<Format, string> = {
  uv: "uv.lock",
  pdm: "pdm.lock",
  "pylock-pip": "pylock.toml",
  "pylock-uv": "pylock.toml",
  pipenv: "Pipfile.lock",
  requirements: "requirements.txt",
  "requirements-pins": "requirements.txt",
  "requirements-freeze": "requirements.txt",
};

// ---- without Nix: the readers read what the writers write ----

/** The fixture packages with made-up files: no Python build needed. */
function syntheticPackages(): FixturePackage[] {
  return FIXTURE_SPECS.map((spec) => {
    const dist = distName(spec.name);
    const names = [`${dist}-${spec.version}.tar.gz`, ...(spec.sdistOnly ? [] : [`${dist}-${spec.version}-py3-none-any.whl`])];
    return {
      ...spec,
      module: dist,
      description: `lock2nix test fixture ${spec.name}`,
      requiresPython: REQUIRES_PYTHON,
      files: names.map((filename) => ({
        name: spec.name,
        version: spec.version,
        filename,
        sha256: createHash("sha256").update(filename).digest("hex"),
        kind: filename.endsWith(".whl") ? ("wheel" as const) : ("sdist" as const),
        size: 1000 + filename.length,
        path: "",
      })),
    };
  });
}

const FAKE_INDEX: LockIndex = {
  simpleUrl: "http://127.0.0.1:9/simple/",
  fileUrl: (filename) => `http://127.0.0.1:9/files/${filename}`,
};

interface Shape {
  name: string;
  version: string;
  files: Array<[string, string | undefined, string | undefined]>;
}

const shape = (lock: Lock): Shape[] =>
  lock.packages.map((p) => ({
    name: p.name,
    version: p.version,
    files: p.artifacts.map((a): [string, string | undefined, string | undefined] => [a.filename, a.sha256, a.url]).sort(),
  }));

function expected(packages: FixturePackage[], names: string[], files: (pkg: FixturePackage) => FixturePackage["files"], urls: boolean): Shape[] {
  return names.map((name) => {
    const pkg = packages.find((p) => p.name === name) as FixturePackage;
    return {
      name,
      version: pkg.version,
      files: files(pkg)
        .map((f): [string, string | undefined, string | undefined] => [f.filename, f.sha256, urls ? FAKE_INDEX.fileUrl(f.filename) : undefined])
        .sort(),
    };
  });
}

/** Python's own TOML parser (strict TOML 1.0) agrees the text is TOML. */
function pythonParses(file: string): void {
  if (!existsSync(PYTHON)) return;
  const res = spawnSync(PYTHON, ["-c", "import sys, tomllib; tomllib.load(open(sys.argv[1], 'rb'))", file], { encoding: "utf8" });
  expect(res.status, res.stderr).toBe(0);
}

/** pipenv's own checks, done in Python: the lock is json.dumps(indent=4, sort_keys=True) of itself, and _meta.hash is plette's hash of the Pipfile. */
const PIPENV_CHECK = `
import hashlib, json, sys, tomllib
pipfile = tomllib.load(open(sys.argv[1], "rb"))
text = open(sys.argv[2], encoding="utf8").read()
lock = json.loads(text)
data = {"_meta": {"sources": pipfile["source"], "requires": pipfile.get("requires", {})},
        "default": pipfile.get("packages", {}), "develop": pipfile.get("dev-packages", {})}
print(json.dumps({
    "canonical": text == json.dumps(lock, indent=4, separators=(",", ": "), sort_keys=True) + "\\n",
    "hash": lock["_meta"]["hash"]["sha256"] == hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest(),
}))
`;

function pipenvAgrees(dir: string): void {
  if (!existsSync(PYTHON)) return;
  const res = spawnSync(PYTHON, ["-c", PIPENV_CHECK, join(dir, "Pipfile"), join(dir, "Pipfile.lock")], { encoding: "utf8" });
  expect(res.status, res.stderr).toBe(0);
  expect(JSON.parse(res.stdout)).toEqual({ canonical: true, hash: true });
}

/** What pip's own requirements parser (Debian's pip) reads in a file: the index URLs and each requirement. */
const PIP_READ = `
import json, sys
from pip._internal.index.collector import LinkCollector
from pip._internal.index.package_finder import PackageFinder
from pip._internal.models.search_scope import SearchScope
from pip._internal.models.selection_prefs import SelectionPreferences
from pip._internal.network.session import PipSession
from pip._internal.req.constructors import install_req_from_parsed_requirement
from pip._internal.req.req_file import parse_requirements
session = PipSession()
finder = PackageFinder.create(
    link_collector=LinkCollector(session=session, search_scope=SearchScope.create(find_links=[], index_urls=[], no_index=False)),
    selection_prefs=SelectionPreferences(allow_yanked=False),
)
reqs = []
for parsed in parse_requirements(sys.argv[1], session=session, finder=finder):
    r = install_req_from_parsed_requirement(parsed)
    reqs.append([r.req.name, sorted(r.req.extras), str(r.req.specifier), str(r.markers) if r.markers else None, sorted(r.hash_options.get("sha256", []))])
print(json.dumps({"indexUrls": finder.index_urls, "requirements": reqs}))
`;

type PipRequirement = [string, string[], string, string | null, string[]];

/** pip's reading of a requirements file; undefined where Debian's python3 or its pip is missing. */
function pipReads(file: string): { indexUrls: string[]; requirements: PipRequirement[] } | undefined {
  if (!existsSync(PYTHON)) return undefined;
  const res = spawnSync(PYTHON, ["-c", PIP_READ, file], { encoding: "utf8" });
  if (res.stderr.includes("No module named 'pip'")) return undefined;
  expect(res.status, res.stderr).toBe(0);
  return JSON.parse(res.stdout) as { indexUrls: string[]; requirements: PipRequirement[] };
}

/** A flat lock's packages: the sha256 of each file, which the lock does not name (the index does). */
const hashShape = (lock: Lock) =>
  lock.packages.map((p) => ({
    name: p.name,
    version: p.version,
    filenames: [...new Set(p.artifacts.map((a) => a.filename))],
    sha256: p.artifacts.map((a) => a.sha256).sort(),
  }));

function expectedHashes(packages: FixturePackage[], names: string[], hashed: boolean): ReturnType<typeof hashShape> {
  return names.map((name) => {
    const pkg = packages.find((p) => p.name === name) as FixturePackage;
    return { name, version: pkg.version, filenames: hashed ? [""] : [], sha256: hashed ? pkg.files.map((f) => f.sha256).sort() : [] };
  });
}

/** The root's edges: name, extras, marker; flat locks make every package one. */
const edges = (lock: Lock) => lock.root.groups["main"]?.map((d) => [d.name, d.extras, d.marker ?? null]);
const flatEdges = (names: string[]) =>
  names.map((n) => [n, n === "gamma" ? ["fast"] : [], n === "epsilon" ? 'sys_platform == "win32"' : null]);

describe("lock writers: the readers read back what uv, pdm, pip, pipenv and pip-compile write", () => {
  const packages = syntheticPackages();
  const all = (p: FixturePackage) => p.files;
  const dep = (lock: Lock, from: string) => lock.packages.find((p) => p.name === from);

  it("uv.lock: packages, files, URLs and hashes, extras and markers", () => {
    const dir = project("uv", packages, FAKE_INDEX);
    pythonParses(join(dir, "uv.lock"));
    const lock = readLock(dir);
    expect(lock.format).toBe("uv");
    expect(lock.lockVersion).toBe("1, revision 3");
    expect(shape(lock)).toEqual(expected(packages, UNIVERSAL, all, true));
    expect(lock.packages.every((p) => p.source.kind === "index" && p.source.url === "http://127.0.0.1:9/simple")).toBe(true);
    expect(dep(lock, "alpha")?.dependencies).toEqual([
      { name: "beta", extras: [] },
      { name: "epsilon", extras: [], marker: 'sys_platform == "win32"' },
      { name: "gamma", extras: ["fast"] },
    ]);
    expect(dep(lock, "gamma")?.extras).toEqual({ fast: [{ name: "delta", extras: [] }] });
    expect(lock.root.name).toBe("e2e-app");
    expect(lock.root.requiresPython).toEqual([">=3.11"]);
    expect(lock.root.groups["main"]?.map((d) => d.name)).toEqual(["alpha", "cycle-a"]);
    expect(lock.warnings).toEqual([]);
  });

  it("uv.lock with an editable root: the project is not a package to build", () => {
    const dir = tempDir("lock2nix-formats-");
    writeFileSync(join(dir, "uv.lock"), writeUvLock(packages, { root: ROOT, index: FAKE_INDEX, rootSource: "editable" }));
    const lock = readLock(dir);
    expect(lock.packages.map((p) => p.name)).toEqual(UNIVERSAL);
    expect(lock.root.groups["main"]?.map((d) => d.name)).toEqual(["alpha", "cycle-a"]);
  });

  it("pdm.lock: packages and hashes (URLs left to the index in pyproject.toml), extras entries merged, inherited markers", () => {
    const dir = project("pdm", packages, FAKE_INDEX);
    pythonParses(join(dir, "pdm.lock"));
    pythonParses(join(dir, "pyproject.toml"));
    const lock = readLock(dir);
    expect(lock.format).toBe("pdm");
    expect(lock.lockVersion).toBe("4.5.0");
    expect(shape(lock)).toEqual(expected(packages, UNIVERSAL, all, false));
    expect(lock.packages.every((p) => JSON.stringify(p.source) === JSON.stringify({ kind: "index", url: "http://127.0.0.1:9/simple", name: "pypi" }))).toBe(true);
    expect(dep(lock, "epsilon")?.marker).toBe('sys_platform == "win32"');
    expect(dep(lock, "gamma")?.extras).toEqual({ fast: [{ name: "delta", extras: [] }] });
    expect(dep(lock, "alpha")?.dependencies.map((d) => [d.name, d.extras, d.marker ?? null, d.specifier ?? null])).toEqual([
      ["beta", [], null, ">=1"],
      ["epsilon", [], 'sys_platform == "win32"', null],
      ["gamma", ["fast"], null, null],
    ]);
    expect(lock.root.groups["main"]?.map((d) => `${d.name}${d.specifier ?? ""}`)).toEqual(["alpha>=1.0.0", "cycle-a>=1.0.0"]);
    expect(lock.root.requiresPython).toEqual([">=3.11"]);
    expect(lock.warnings).toEqual([]);
  });

  it("pylock.toml by pip: what Linux installs, one wheel each, with its URL and hash", () => {
    const dir = project("pylock-pip", packages, FAKE_INDEX);
    pythonParses(join(dir, "pylock.toml"));
    const lock = readLock(dir);
    expect(lock.format).toBe("pylock");
    const wheels = (p: FixturePackage) => p.files.filter((f) => f.kind === "wheel");
    expect(shape(lock)).toEqual(expected(packages, ON_LINUX, wheels, true));
    expect(lock.root.groups["main"]?.map((d) => d.name)).toEqual(ON_LINUX);
    expect(lock.warnings).toEqual([]);
  });

  it("pylock.toml by uv export: every environment, markers, index, sdists and wheels", () => {
    const dir = project("pylock-uv", packages, FAKE_INDEX);
    pythonParses(join(dir, "pylock.toml"));
    const lock = readLock(dir);
    expect(shape(lock)).toEqual(expected(packages, UNIVERSAL, all, true));
    expect(lock.packages.every((p) => p.source.kind === "index" && p.source.url === "http://127.0.0.1:9/simple")).toBe(true);
    expect(dep(lock, "epsilon")?.marker).toBe('sys_platform == "win32"');
    expect(lock.root.requiresPython).toEqual([">=3.11"]);
    expect(lock.root.groups["main"]?.map((d) => [d.name, d.marker ?? null])).toEqual(
      UNIVERSAL.map((n) => [n, n === "epsilon" ? 'sys_platform == "win32"' : null]),
    );
    expect(lock.warnings).toEqual([]);
  });

  it("Pipfile.lock by pipenv: the whole closure in default, hashes only, the loopback source, epsilon's marker", () => {
    const dir = project("pipenv", packages, FAKE_INDEX);
    pythonParses(join(dir, "Pipfile"));
    pipenvAgrees(dir);
    const lock = readLock(dir);
    expect(lock.format).toBe("pipenv");
    expect(lock.lockVersion).toBe("6");
    expect(hashShape(lock)).toEqual(expectedHashes(packages, UNIVERSAL, true));
    const source = { kind: "index", url: FAKE_INDEX.simpleUrl, name: "loopback" };
    expect(lock.packages.every((p) => JSON.stringify(p.source) === JSON.stringify(source))).toBe(true);
    expect(lock.packages.every((p) => p.unknownDependencies === true)).toBe(true);
    expect(edges(lock)).toEqual(flatEdges(UNIVERSAL));
    expect(lock.root.requiresPython).toEqual(["==3.11.*"]);
    expect(lock.warnings).toEqual([]);
  });

  it("Pipfile.lock with pipenv's Requires-Python markers on every entry", () => {
    const dir = tempDir("lock2nix-formats-");
    writeFileSync(join(dir, "Pipfile"), writePipfile(packages, { root: ROOT, index: FAKE_INDEX }));
    writeFileSync(join(dir, "Pipfile.lock"), writePipfileLock(packages, { root: ROOT, index: FAKE_INDEX, requiresPythonMarkers: true }));
    pipenvAgrees(dir);
    expect(readFileSync(join(dir, "Pipfile.lock"), "utf8")).toContain(`"markers": "python_version >= '3.8' and sys_platform == 'win32'"`);
    const lock = readLock(dir);
    expect(hashShape(lock)).toEqual(expectedHashes(packages, UNIVERSAL, true));
    expect(lock.root.groups["main"]?.map((d) => [d.name, d.marker ?? null])).toEqual(
      UNIVERSAL.map((n) => [n, `python_version >= "3.8"${n === "epsilon" ? ' and sys_platform == "win32"' : ""}`]),
    );
    expect(lock.warnings).toEqual([]);
  });

  it("requirements.txt by pip-compile --generate-hashes: every pin with its hashes, the index, extras and markers", () => {
    const dir = project("requirements", packages, FAKE_INDEX);
    const file = join(dir, "requirements.txt");
    const pip = pipReads(file);
    if (pip) {
      expect(pip.indexUrls).toEqual([FAKE_INDEX.simpleUrl]);
      expect(pip.requirements).toEqual(
        flatEdges(UNIVERSAL).map(([name, extras, marker]) => {
          const pkg = packages.find((p) => p.name === name) as FixturePackage;
          return [name, extras, `==${pkg.version}`, marker, pkg.files.map((f) => f.sha256).sort()];
        }),
      );
    }
    const lock = readLock(dir);
    expect(lock.format).toBe("requirements");
    expect(hashShape(lock)).toEqual(expectedHashes(packages, UNIVERSAL, true));
    expect(lock.packages.every((p) => JSON.stringify(p.source) === JSON.stringify({ kind: "index", url: FAKE_INDEX.simpleUrl }))).toBe(true);
    expect(lock.packages.every((p) => p.unknownDependencies === true)).toBe(true);
    expect(edges(lock)).toEqual(flatEdges(UNIVERSAL));
    expect(lock.warnings).toEqual([]);
  });

  it("requirements.txt by pip-compile without hashes: pins only, files and hashes left to the index", () => {
    const dir = project("requirements-pins", packages, FAKE_INDEX);
    const text = readFileSync(join(dir, "requirements.txt"), "utf8");
    expect(text).not.toContain("--hash");
    const pip = pipReads(join(dir, "requirements.txt"));
    if (pip) expect(pip.requirements.map(([name, , spec, , hashes]) => [name, spec, hashes.length])).toEqual(
      UNIVERSAL.map((n) => [n, `==${packages.find((p) => p.name === n)?.version}`, 0]),
    );
    const lock = readLock(dir);
    expect(hashShape(lock)).toEqual(expectedHashes(packages, UNIVERSAL, false));
    expect(lock.packages.every((p) => JSON.stringify(p.source) === JSON.stringify({ kind: "index", url: FAKE_INDEX.simpleUrl }))).toBe(true);
    expect(edges(lock)).toEqual(flatEdges(UNIVERSAL));
    expect(lock.warnings).toEqual([]);
  });

  it("requirements.txt by pip freeze: what Linux installs, pinned, from PyPI unless told otherwise", () => {
    const dir = project("requirements-freeze", packages, FAKE_INDEX);
    expect(readFileSync(join(dir, "requirements.txt"), "utf8")).toBe(
      ON_LINUX.map((n) => `${n}==${packages.find((p) => p.name === n)?.version}\n`).join(""),
    );
    const lock = readLock(dir);
    expect(hashShape(lock)).toEqual(expectedHashes(packages, ON_LINUX, false));
    expect(lock.packages.every((p) => JSON.stringify(p.source) === JSON.stringify({ kind: "index", url: PYPI_SIMPLE_URL, name: "pypi" }))).toBe(true);
    expect(lock.root.groups["main"]?.map((d) => [d.name, d.extras, d.marker ?? null])).toEqual(ON_LINUX.map((n) => [n, [], null]));
    expect(lock.warnings).toEqual([]);
  });
});

// ---- with Nix: generate, build in the sandbox, import ----

describe.skipIf(NIX_SKIP_REASON)("uv.lock, pdm.lock, pylock.toml, Pipfile.lock and requirements.txt build in the Nix sandbox", () => {
  let fixtures: FixtureSet;
  let index: IndexServer;

  beforeAll(async () => {
    fixtures = await buildFixturePackages();
    index = await startIndexServer({ files: fixtures.indexFiles });
  });

  afterAll(async () => {
    await index?.close();
    removeFixtures();
  });

  /** generate, then nix-build `env` in the sandbox. */
  async function generateAndBuild(format: Format, preferWheels: boolean, giveIndex: boolean) {
    const dir = project(format, fixtures.packages, index);
    expect(readLock(join(dir, LOCK_FILE[format])).warnings).toEqual([]);
    const out = join(dir, "lock.nix");
    const { nix, warnings } = await generate({
      path: dir,
      output: out,
      python: "3.11",
      systems: [SYSTEM],
      preferWheels,
      cacheDir: tempDir(),
      ...(giveIndex ? { indexUrl: index.simpleUrl } : {}),
    });
    // uv.lock and pdm.lock record the edges, so the cycle shows; pylock.toml, Pipfile.lock and requirements.txt record none.
    const cycle = (w: string) => w.startsWith("dependency cycle cycle-a -> cycle-b -> cycle-a: ");
    expect(warnings.filter((w) => !cycle(w))).toEqual([]);
    expect(warnings.some(cycle)).toBe(format === "uv" || format === "pdm");
    writeFileSync(out, nix);
    return { built: await nixBuild(out, "env", { outLink: join(dir, "result") }), text: nix };
  }

  /** …and import every package the env should hold. */
  async function buildAndImport(format: Format, preferWheels: boolean, giveIndex: boolean, fromWheels: boolean): Promise<void> {
    const { built, text } = await generateAndBuild(format, preferWheels, giveIndex);
    expect(built.ok, built.log).toBe(true);
    const imported = runPython(built.out, `import ${IMPORTABLE.join(", ")}; print(alpha.NAME, beta.VERSION, delta.VERSION, cycle_b.NAME)`);
    expect(imported.output.trim()).toBe("alpha 1.2.0 2.0.0 cycle-b");
    // epsilon is locked (except by pip, which locks one environment) but its marker is false here: not installed.
    expect(runPython(built.out, "import epsilon").output).toContain("ModuleNotFoundError");
    // Each package is fetched from the loopback index with the sha256 of one of its files (the lock's, or the index's when the lock gives none).
    for (const name of ON_LINUX) {
      const fetched = fixtures.get(name).files.filter((f) => text.includes(`url = "${index.fileUrl(f.filename)}";`));
      expect(fetched.map((f) => f.kind), name).toEqual([fromWheels ? "wheel" : "sdist"]);
      expect(text, name).toContain(`hash = "sha256-${Buffer.from((fetched[0] as FixtureFile).sha256, "hex").toString("base64")}";`);
    }
    expect(text.includes('format = "wheel";')).toBe(fromWheels);
    expect(text.includes("pyproject = true;")).toBe(!fromWheels);
  }

  it.each([
    // [format, prefer wheels, pass the index as --index-url, built from wheels]
    ["uv", false, false, false],
    ["uv", true, false, true],
    ["pdm", false, false, false],
    // pip records no index: the lock's own URLs are used, no index is asked.
    ["pylock-pip", false, false, true],
    ["pylock-uv", true, false, true],
    // Flat locks: every package a direct dependency, no edges; the index names the files the hashes pin.
    ["pipenv", false, false, false],
    ["pipenv", true, false, true],
    ["requirements", false, false, false],
    ["requirements", true, false, true],
    // No hashes: the index gives the files and their sha256.
    ["requirements-pins", false, false, false],
    ["requirements-pins", true, false, true],
    // No hashes and no index named: PyPI stands replaced by the loopback index, as with PIP_INDEX_URL.
    ["requirements-freeze", false, true, false],
  ] as const)("%s (prefer wheels: %s, index URL given: %s): builds env and imports every package", async (format, preferWheels, giveIndex, fromWheels) => {
    await buildAndImport(format, preferWheels, giveIndex, fromWheels);
  }, 600_000);

  // pylock.toml as uv export and pip write it records no `dependencies`: the derivations
  // carry none, so an sdist build must skip the runtime-dependency check.
  it("pylock.toml (uv export), from sdists", async () => {
    await buildAndImport("pylock-uv", false, false, false);
  }, 600_000);
});
