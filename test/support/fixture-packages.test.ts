import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import TOML from "@iarna/toml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PIP_SKIP_REASON } from "../helpers.js";
import {
  buildEnv,
  buildFixturePackages,
  buildWheelFromSdist,
  NEEDS_NATIVE_MESSAGE,
  PYTHON,
  removeFixtures,
  run,
  type FixtureSet,
} from "./fixture-packages.js";
import { startIndexServer, type IndexServer } from "./index-server.js";
import { toPep440, transitiveMarkers, writePoetryLock, writePyproject, type RootProject } from "./poetry-lock-writer.js";

let fixtures: FixtureSet;
let home: IndexServer;
let homeFixtures: FixtureSet;

beforeAll(async () => {
  // phones-home needs a live server's port baked in before it is built.
  home = await startIndexServer({ files: [] });
  [fixtures, homeFixtures] = await Promise.all([
    buildFixturePackages(),
    buildFixturePackages({ phonesHomePort: Number(new URL(home.url).port) }),
  ]);
});
afterAll(async () => {
  await home?.close();
  removeFixtures();
});

const py = (code: string, ...args: string[]) => run(PYTHON, ["-c", code, ...args], buildEnv());

/** Runs Python over the files and returns its printed JSON. */
async function pyJson(code: string, ...args: string[]): Promise<any> {
  const r = await py(`import json, sys\n${code}`, ...args);
  expect(r.ok, r.log).toBe(true);
  return JSON.parse(r.log);
}

describe("fixture packages", () => {
  it("builds every package, named the way current tools name them", () => {
    expect(fixtures.files.map((f) => `${f.kind} ${f.filename}`).sort()).toEqual(
      [
        "sdist alpha-1.0.0.tar.gz",
        "wheel alpha-1.0.0-py3-none-any.whl",
        "sdist beta-1.2.0.tar.gz",
        "wheel beta-1.2.0-py3-none-any.whl",
        "sdist gamma-0.3.0.tar.gz",
        "wheel gamma-0.3.0-py3-none-any.whl",
        "sdist delta-2.0.0.tar.gz",
        "wheel delta-2.0.0-py3-none-any.whl",
        "sdist epsilon-0.1.0.tar.gz",
        "wheel epsilon-0.1.0-py3-none-any.whl",
        "sdist cycle_a-1.0.0.tar.gz",
        "wheel cycle_a-1.0.0-py3-none-any.whl",
        "sdist cycle_b-1.0.0.tar.gz",
        "wheel cycle_b-1.0.0-py3-none-any.whl",
        "sdist needs_native-0.5.0.tar.gz",
        "sdist phones_home-0.1.0.tar.gz",
      ].sort(),
    );
    expect(fixtures.indexFiles.map((f) => f.filename).sort()).toEqual(fixtures.files.map((f) => f.filename).sort());
  });

  it("reports hashes and sizes of the actual bytes", () => {
    for (const f of fixtures.files) {
      const bytes = readFileSync(f.path);
      expect(createHash("sha256").update(bytes).digest("hex"), f.filename).toBe(f.sha256);
      expect(bytes.length).toBe(f.size);
      const served = fixtures.indexFiles.find((i) => i.filename === f.filename)!;
      expect(served.content.equals(bytes)).toBe(true);
      expect(served.name).toBe(f.name);
    }
  });

  it("memoises: the same build per process, phones-home rebuilt only for another address", async () => {
    const again = await buildFixturePackages();
    expect(again.files).toEqual(fixtures.files);
    const sdist = (s: FixtureSet, name: string) => s.get(name).files[0]!.sha256;
    expect(sdist(homeFixtures, "alpha")).toBe(sdist(fixtures, "alpha"));
    expect(sdist(homeFixtures, "phones-home")).not.toBe(sdist(fixtures, "phones-home"));
  });

  it("makes sdists that look like real ones: one <dist>-<version>/ folder, PKG-INFO, build files", async () => {
    const listing = await pyJson(
      "import tarfile\nprint(json.dumps({p: tarfile.open(p).getnames() for p in sys.argv[1:]}))",
      ...fixtures.files.filter((f) => f.kind === "sdist").map((f) => f.path),
    );
    for (const f of fixtures.files.filter((x) => x.kind === "sdist")) {
      const top = f.filename.replace(/\.tar\.gz$/, "");
      const names: string[] = listing[f.path];
      expect(names.every((n) => n === top || n.startsWith(`${top}/`)), f.filename).toBe(true);
      for (const member of ["PKG-INFO", "pyproject.toml", "setup.cfg", "setup.py", `${fixtures.get(f.name).module}/__init__.py`]) {
        expect(names, f.filename).toContain(`${top}/${member}`);
      }
    }
    const pyproject = await pyJson(
      "import tarfile, tomllib\nprint(json.dumps(tomllib.loads(tarfile.open(sys.argv[1]).extractfile('cycle_a-1.0.0/pyproject.toml').read().decode())))",
      fixtures.get("cycle-a").files.find((f) => f.kind === "sdist")!.path,
    );
    expect(pyproject["build-system"]).toEqual({ requires: ["setuptools"], "build-backend": "setuptools.build_meta" });
  });

  it("puts the declared dependencies, extras and markers into the wheels' metadata", async () => {
    const meta = await pyJson(
      "import zipfile\nfrom email.parser import Parser\n" +
        "out = {}\nfor p in sys.argv[1:]:\n  z = zipfile.ZipFile(p)\n" +
        "  m = Parser().parsestr(z.read([n for n in z.namelist() if n.endswith('.dist-info/METADATA')][0]).decode())\n" +
        "  out[m['Name']] = {'requires': m.get_all('Requires-Dist') or [], 'extras': m.get_all('Provides-Extra') or [], 'python': m['Requires-Python']}\n" +
        "print(json.dumps(out))",
      ...fixtures.files.filter((f) => f.kind === "wheel").map((f) => f.path),
    );
    expect(meta.alpha.requires).toEqual(["beta (>=1)", "gamma[fast]", 'epsilon ; sys_platform == "win32"']);
    expect(meta.gamma).toEqual({ requires: ["delta ; extra == 'fast'"], extras: ["fast"], python: ">=3.8" });
    expect(meta["cycle-a"].requires).toEqual(["cycle-b (>=1.0)"]);
    expect(meta["cycle-b"].requires).toEqual(["cycle-a (>=1.0)"]);
    expect(meta.beta.requires).toEqual([]);
  });

  it("makes each module importable under its own name with NAME and VERSION", async () => {
    const wheels = fixtures.files.filter((f) => f.kind === "wheel");
    const got = await pyJson(
      "import importlib\nsys.path[:0] = sys.argv[2:]\n" +
        "print(json.dumps({m: [importlib.import_module(m).NAME, importlib.import_module(m).VERSION] for m in sys.argv[1].split(',')}))",
      wheels.map((w) => fixtures.get(w.name).module).join(","),
      ...wheels.map((w) => w.path),
    );
    expect(got).toEqual({
      alpha: ["alpha", "1.0.0"],
      beta: ["beta", "1.2.0"],
      gamma: ["gamma", "0.3.0"],
      delta: ["delta", "2.0.0"],
      epsilon: ["epsilon", "0.1.0"],
      cycle_a: ["cycle-a", "1.0.0"],
      cycle_b: ["cycle-b", "1.0.0"],
    });
  });

  it("needs-native fails to build without libxml-2.0.pc on PKG_CONFIG_PATH, builds with it", async () => {
    const sdist = fixtures.get("needs-native").files[0]!.path;
    const without = await buildWheelFromSdist(sdist, { PKG_CONFIG_PATH: "/nonexistent" });
    expect(without.ok).toBe(false);
    expect(without.log).toContain(NEEDS_NATIVE_MESSAGE);

    const pc = mkdtempSync(join(fixtures.dir, "pc-"));
    writeFileSync(join(pc, "libxml-2.0.pc"), "Name: libXML\nVersion: 2.12.0\nDescription: stand-in\n");
    const withPc = await buildWheelFromSdist(sdist, { PKG_CONFIG_PATH: `/nonexistent:${pc}` });
    expect(withPc.ok, withPc.log).toBe(true);
    expect(withPc.wheel).toMatch(/needs_native-0\.5\.0-py3-none-any\.whl$/);
  }, 120_000);

  it("phones-home fails when its host is unreachable and builds when it is reachable", async () => {
    const blocked = await buildWheelFromSdist(fixtures.get("phones-home").files[0]!.path);
    expect(blocked.ok).toBe(false);
    expect(blocked.log).toContain("phones-home: could not fetch http://127.0.0.1:9/simple/");
    expect(blocked.log).toMatch(/Connection refused/);

    const reached = await buildWheelFromSdist(homeFixtures.get("phones-home").files[0]!.path);
    expect(reached.ok, reached.log).toBe(true);
    expect(home.requests.map((r) => r.path)).toContain("/simple/");
    const fetched = await pyJson(
      "import zipfile\nprint(json.dumps(zipfile.ZipFile(sys.argv[1]).read('phones_home/fetched.txt').decode()))",
      reached.wheel!,
    );
    expect(fetched).toContain("Simple index");
  }, 120_000);

  it.skipIf(PIP_SKIP_REASON)(
    "installs with pip from the index server: extras followed, win32-only epsilon skipped, cycle resolved",
    async () => {
      const server = await startIndexServer({ files: fixtures.indexFiles, basicAuth: { username: "ci", password: "pw" } });
      try {
        const target = mkdtempSync(join(fixtures.dir, "pip-"));
        const index = server.simpleUrl.replace("http://", "http://ci:pw@");
        const args = ["-m", "pip", "install", "--no-cache-dir", "--disable-pip-version-check", "--no-compile", "--target", target];
        const r = await run(PYTHON, [...args, "--index-url", index, "alpha", "cycle-a"], buildEnv({ PIP_CONFIG_FILE: "/dev/null" }));
        expect(r.ok, r.log).toBe(true);
        expect(r.log).toMatch(/Successfully installed alpha-1\.0\.0 beta-1\.2\.0 cycle-a-1\.0\.0 cycle-b-1\.0\.0 delta-2\.0\.0 gamma-0\.3\.0\s/);
        expect(existsSync(join(target, "epsilon"))).toBe(false);
        // pip asks for PEP 691 JSON and gets it.
        const simple = server.requests.filter((q) => q.path.startsWith("/simple/"));
        expect(simple.length).toBeGreaterThan(0);
        expect(simple.every((q) => q.accept?.startsWith("application/vnd.pypi.simple.v1+json") && q.status === 200)).toBe(true);
      } finally {
        await server.close();
      }
    },
    120_000,
  );
});

// Three packages from a real Poetry 1.8.3 lock (jumpserver, lock-version 2.0),
// extras trimmed, to compare layouts line by line.
const REAL_2_0 = `# This file is automatically @generated by Poetry 1.8.3 and should not be changed by hand.

[[package]]
name = "click"
version = "8.1.7"
description = "Composable command line interface toolkit"
optional = false
python-versions = ">=3.7"
files = [
    {file = "click-8.1.7-py3-none-any.whl", hash = "sha256:ae74fb96c20a0277a1d615f1e4d73c8414f5a98db8b799a7931d1582f3390c28"},
    {file = "click-8.1.7.tar.gz", hash = "sha256:ca9853ad459e787e2192211578cc907e7594e294c7ccc834310722b41b9ca6de"},
]

[package.dependencies]
colorama = {version = "*", markers = "platform_system == \\"Windows\\""}

[package.source]
type = "legacy"
url = "https://mirrors.aliyun.com/pypi/simple"
reference = "aliyun"

[[package]]
name = "daphne"
version = "4.0.0"
description = "Django ASGI (HTTP/WebSocket) server"
optional = false
python-versions = ">=3.7"
files = [
    {file = "daphne-4.0.0-py3-none-any.whl", hash = "sha256:a288ece46012b6b719c37150be67c69ebfca0793a8521bf821533bad983179b2"},
    {file = "daphne-4.0.0.tar.gz", hash = "sha256:cce9afc8f49a4f15d4270b8cfb0e0fe811b770a5cc795474e97e4da287497666"},
]

[package.dependencies]
asgiref = ">=3.5.2,<4"
autobahn = ">=22.4.2"
twisted = {version = ">=22.4", extras = ["tls"]}

[package.source]
type = "legacy"
url = "https://mirrors.aliyun.com/pypi/simple"
reference = "aliyun"

[[package]]
name = "pyjwt"
version = "2.9.0"
description = "JSON Web Token implementation in Python"
optional = false
python-versions = ">=3.8"
files = [
    {file = "PyJWT-2.9.0-py3-none-any.whl", hash = "sha256:3b02fb0f44517787776cf48f2ae25d8e14f300e6d7545a4315cee571a415e850"},
    {file = "pyjwt-2.9.0.tar.gz", hash = "sha256:7e1e5b56cc735432a7369cbfa0efe50fa113ebecdc04ae6922deba8b84582d0c"},
]

[package.dependencies]
cryptography = {version = ">=3.4.0", optional = true, markers = "extra == \\"crypto\\""}

[package.extras]
crypto = ["cryptography (>=3.4.0)"]

[package.source]
type = "legacy"
url = "https://mirrors.aliyun.com/pypi/simple"
reference = "aliyun"

[metadata]
lock-version = "2.0"
python-versions = "^3.11"
content-hash = "69858cedf93ded9160f5019fd932b83bb28f9ab3804e99266860657fec7d2d77"
`;

/** A lock split into tables, strings and dependency/extra names blanked: its layout. */
function shapes(lock: string): string[] {
  return lock.split(/\n(?=\[)/).map((table) =>
    table.replace(/"(?:[^"\\]|\\.)*"/g, '"S"').replace(/^(?!name|version|description|optional|python-versions|files|type|url|reference|lock-version|content-hash)[A-Za-z0-9_.-]+ = /gm, "KEY = "),
  );
}
const tableIndex = (lock: string, name: string): number => lock.split(/\n(?=\[)/).findIndex((t) => t.includes(`\nname = "${name}"\n`));

describe("poetry.lock writer", () => {
  const SOURCE = "http://127.0.0.1:8080/simple/";
  const root: RootProject = {
    name: "e2e-app",
    version: "0.1.0",
    dependencies: [{ name: "alpha", version: "^1.0.0" }, { name: "cycle-a", version: "^1.0.0" }],
    source: { name: "private", url: SOURCE },
  };
  const locked = () => fixtures.packages.filter((p) => !["needs-native", "phones-home"].includes(p.name));

  it("writes a 2.0 lock that parses and is laid out like Poetry's", () => {
    const text = writePoetryLock(locked(), { lockVersion: "2.0", sourceUrl: SOURCE, sourceName: "private", root });
    const lock = TOML.parse(text) as any;
    expect(lock.package.map((p: any) => p.name)).toEqual(["alpha", "beta", "cycle-a", "cycle-b", "delta", "epsilon", "gamma"]);
    const pkg = (n: string) => lock.package.find((p: any) => p.name === n);
    expect(pkg("alpha").dependencies).toEqual({
      beta: ">=1",
      epsilon: { version: "*", markers: 'sys_platform == "win32"' },
      gamma: { version: "*", extras: ["fast"] },
    });
    expect(pkg("gamma").dependencies).toEqual({ delta: { version: "*", optional: true, markers: 'extra == "fast"' } });
    expect(pkg("gamma").extras).toEqual({ fast: ["delta"] });
    expect(pkg("cycle-a").files).toEqual(
      fixtures.get("cycle-a").files.map((f) => ({ file: f.filename, hash: `sha256:${f.sha256}` })).sort((a, b) => (a.file < b.file ? -1 : 1)),
    );
    expect(pkg("beta").source).toEqual({ type: "legacy", url: "http://127.0.0.1:8080/simple", reference: "private" });
    expect(lock.metadata["lock-version"]).toBe("2.0");

    const real = shapes(REAL_2_0);
    const ours = shapes(text);
    expect(ours[0]).toBe(real[0]); // the header comment
    const tables = (shape: string[], lock: string, name: string, n: number): string =>
      shape.slice(tableIndex(lock, name), tableIndex(lock, name) + n).join("\n");
    // gamma and pyjwt: files, an extra-only dependency, [package.extras], the source.
    expect(tables(ours, text, "gamma", 4)).toBe(tables(real, REAL_2_0, "pyjwt", 4));
    // beta and click without its dependencies: [[package]] and [package.source].
    expect([ours[tableIndex(text, "beta")], ours[tableIndex(text, "beta") + 1]]).toEqual([
      real[tableIndex(REAL_2_0, "click")],
      real[tableIndex(REAL_2_0, "click") + 2],
    ]);
    // Every line we write has a twin in the real lock (alpha's three kinds of dependency included).
    const realLines = new Set(real.join("\n").split("\n"));
    for (const line of ours.join("\n").split("\n")) expect(realLines, line).toContain(line);
    expect(ours.at(-1)).toBe(real.at(-1)); // [metadata]
  });

  it("computes content-hash the way Poetry does, for [tool.poetry] and [project] pyprojects", async () => {
    const dir = mkdtempSync(join(fixtures.dir, "pyproject-"));
    const variants: RootProject[] = [
      root,
      { ...root, style: "pep621", packageMode: false, source: { ...root.source!, priority: "primary" } },
      { ...root, dependencies: [...root.dependencies, { name: "gamma", extras: ["fast"], markers: 'sys_platform == "linux"' }], source: undefined },
    ];
    const paths = variants.map((v, i) => {
      mkdirSync(join(dir, String(i)));
      writeFileSync(join(dir, String(i), "pyproject.toml"), writePyproject(v));
      writeFileSync(join(dir, String(i), "poetry.lock"), writePoetryLock(locked(), { lockVersion: "2.1", root: v }));
      return join(dir, String(i));
    });
    // Poetry 2.x's Locker._get_content_hash, over what tomllib reads back.
    const hashes = await pyJson(
      `import hashlib, tomllib
out = []
for d in sys.argv[1:]:
    data = tomllib.load(open(d + "/pyproject.toml", "rb"))
    project, poetry = data.get("project", {}), data.get("tool", {}).get("poetry", {})
    rp = {k: project[k] for k in ["requires-python", "dependencies", "optional-dependencies"] if project.get(k) is not None}
    legacy = ["dependencies", "source", "extras", "dev-dependencies"]
    rpo = {k: poetry.get(k) for k in legacy + ["group"] if not (poetry.get(k) is None and (k not in legacy or rp))}
    content = {"project": rp, "tool": {"poetry": rpo}} if rp else rpo
    lock = tomllib.load(open(d + "/poetry.lock", "rb"))
    out.append([hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest(), lock["metadata"]["content-hash"]])
print(json.dumps(out))`,
      ...paths,
    );
    for (const [expected, written] of hashes) expect(written).toBe(expected);
    expect(new Set(hashes.map((h: string[]) => h[0])).size).toBe(3);
    const pep621 = TOML.parse(readFileSync(join(paths[1]!, "pyproject.toml"), "utf8")) as any;
    expect(pep621.project.dependencies).toEqual(["alpha (>=1.0.0,<2.0.0)", "cycle-a (>=1.0.0,<2.0.0)"]);
    expect(pep621.tool.poetry).toEqual({ "package-mode": false, source: [{ name: "private", url: SOURCE, priority: "primary" }] });
  });

  it("writes 2.1 groups and markers, and 1.1's category and [metadata.files]", async () => {
    const v21 = TOML.parse(writePoetryLock(locked(), { lockVersion: "2.1", root })) as any;
    for (const p of v21.package) {
      expect(p.groups, p.name).toEqual(["main"]);
      expect(p.markers, p.name).toBe(p.name === "epsilon" ? 'sys_platform == "win32"' : undefined);
      expect(p.source).toBeUndefined(); // PyPI
    }
    const text11 = writePoetryLock(locked(), { lockVersion: "1.1", root });
    expect(text11.startsWith("[[package]]\n")).toBe(true); // Poetry 1.1 wrote no header
    const v11 = TOML.parse(text11) as any;
    expect(v11.package.every((p: any) => p.category === "main" && p.files === undefined)).toBe(true);
    expect(Object.keys(v11.metadata.files)).toEqual(["alpha", "beta", "cycle-a", "cycle-b", "delta", "epsilon", "gamma"]);
    expect(v11.metadata.files.delta).toHaveLength(2);
    // Python's tomllib (what Poetry reads with) accepts all three versions.
    const dir = mkdtempSync(join(fixtures.dir, "locks-"));
    const files = (["1.1", "2.0", "2.1"] as const).map((v) => {
      const p = join(dir, `${v}.lock`);
      writeFileSync(p, writePoetryLock(locked(), { lockVersion: v, root, sourceUrl: SOURCE }));
      return p;
    });
    const counts = await pyJson("import tomllib\nprint(json.dumps([len(tomllib.load(open(p, 'rb'))['package']) for p in sys.argv[1:]]))", ...files);
    expect(counts).toEqual([7, 7, 7]);
  });

  it("propagates markers along paths: any unconditional path wins, extras only where requested", () => {
    const pkg = (name: string, deps: Array<{ name: string; marker?: string; extras?: string[] }>, extras = {}) => ({
      name,
      version: "1",
      dependencies: deps,
      extras,
      files: [],
    });
    const packages = [
      pkg("a", [{ name: "c", marker: 'os_name == "nt"' }, { name: "d", extras: ["x"] }, { name: "j", marker: 'os_name == "nt"' }]),
      pkg("b", [{ name: "c", marker: 'sys_platform == "darwin"' }, { name: "j", marker: 'os_name == "nt"' }]),
      pkg("c", [{ name: "e" }]),
      pkg("d", [], { x: [{ name: "f", marker: 'python_version < "3.12"' }], y: [{ name: "g" }] }),
      pkg("e", []),
      pkg("f", []),
      pkg("g", []),
      pkg("j", []),
    ];
    const m = transitiveMarkers(packages, { name: "r", version: "1", dependencies: [{ name: "a" }, { name: "b", markers: 'os_name == "nt" or os_name == "posix"' }] });
    expect(m.get("a")).toBeUndefined();
    expect(m.get("c")).toBe('os_name == "nt" or (os_name == "nt" or os_name == "posix") and sys_platform == "darwin"');
    expect(m.get("e")).toBe(m.get("c"));
    expect(m.get("f")).toBe('python_version < "3.12"');
    expect(m.has("g")).toBe(false);
    // Via b it needs (nt or posix) and nt: already covered by a's plain nt.
    expect(m.get("j")).toBe('os_name == "nt"');
    const cyc = transitiveMarkers([pkg("p", [{ name: "q" }]), pkg("q", [{ name: "p", marker: 'os_name == "nt"' }])], {
      name: "r",
      version: "1",
      dependencies: [{ name: "p" }],
    });
    expect([cyc.get("p"), cyc.get("q")]).toEqual([undefined, undefined]);
  });

  it("turns Poetry constraints into the PEP 440 ranges poetry add writes", () => {
    expect(toPep440("^1.0.0")).toBe(">=1.0.0,<2.0.0");
    expect(toPep440("^0.3.0")).toBe(">=0.3.0,<0.4.0");
    expect(toPep440("^0.0.3")).toBe(">=0.0.3,<0.0.4");
    expect(toPep440("~1.2")).toBe(">=1.2,<1.3");
    expect(toPep440("~1.2.3")).toBe(">=1.2.3,<1.3.0");
    expect(toPep440("*")).toBe("");
    expect(toPep440(">=1,<3")).toBe(">=1,<3");
  });
});
