import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { emitNix } from "../../../src/emit/index.js";
import { Lock2nixError, ParseError } from "../../../src/errors.js";
import { readPylock } from "../../../src/formats/pylock/index.js";
import type { LockInput } from "../../../src/formats/types.js";
import { resolveLock } from "../../../src/resolve/index.js";
import { CORPUS, corpusCases, tempDir, SHARED_SKIP_REASON } from "../../helpers.js";

function inputIn(dir: string, name = "pylock.toml"): LockInput {
  const read = (n: string) => {
    try {
      return readFileSync(join(dir, n), "utf8");
    } catch {
      return undefined;
    }
  };
  return { text: read(name) as string, path: join(dir, name), readSibling: read, siblingPath: (n) => join(dir, n) };
}

function lockIn(text: string, dirs: string[] = []): LockInput {
  const dir = tempDir();
  for (const d of dirs) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, "pylock.toml"), text);
  return inputIn(dir);
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof Lock2nixError) return err.format().replace(/^.*\/pylock\.toml/, "pylock.toml");
    throw err;
  }
  throw new Error("expected an error");
}

const SHA = (c: string) => c.repeat(64);
const GIT_REV = "874ca2bc1c327a9f2f8ff4a20c4b0d5bcb1f8d3e";

describe.skipIf(SHARED_SKIP_REASON)("pylock.toml reader on the corpus", () => {
  it.each(corpusCases("pylock-"))("%s is refused when malformed, naming package, file and both hashes", (name) => {
    const message = errorOf(() => readPylock(inputIn(join(CORPUS, name))));
    expect(message).toBe(
      "pylock.toml:8: package pytz: [[packages]] pytz: wheel pytz-2026.1.post1-py3-none-any.whl is listed twice with different sha256 hashes " +
        "(3378dde6a0c3d26719182142c56e60c7f9af7e968076f31aae569d72a0358ee1 and f2fd16142fda348286a75e1a524be810bb05d444e5a081f37f7affc635035f7a); " +
        "one file has one hash, so the lock is malformed",
    );
  });

  it("reads the pipenv lock once each wheel is listed once, with dependency_groups markers as groups", () => {
    const original = readFileSync(join(CORPUS, "pylock-pipenv", "pylock.toml"), "utf8");
    const seen = new Set<string>();
    const deduplicated = original
      .split("\n")
      .filter((line) => {
        const name = /^\s+\{name = "([^"]+)"/.exec(line)?.[1];
        if (name === undefined) return true;
        const first = !seen.has(name);
        seen.add(name);
        return first;
      })
      .join("\n");
    const lock = readPylock(lockIn(deduplicated));
    expect(lock.format).toBe("pylock");
    expect(lock.packages).toHaveLength(103);
    expect(lock.root.groups["main"]).toEqual([{ name: "pytz", extras: [] }]);
    expect(lock.root.groups["dev"]).toHaveLength(102);
    expect(lock.root.groups["dev"]?.find((d) => d.name === "alabaster")).toEqual({ name: "alabaster", extras: [], marker: 'python_version >= "3.10"' });
    const atomicwrites = lock.packages.find((p) => p.name === "atomicwrites");
    expect(atomicwrites).toEqual({
      name: "atomicwrites",
      version: "1.4.1",
      unknownDependencies: true,
      source: { kind: "index", url: "https://pypi.org/simple/" },
      artifacts: [
        {
          filename: "atomicwrites-1.4.1-py3-none-any.whl",
          sha256: "81b2c9071a49367a7f770170e5eec8cb66567cfbbc8c73d20ce5ca4a8d71cf11",
          url: "https://pypi.org/simple/atomicwrites/atomicwrites-1.4.1-py3-none-any.whl",
        },
      ],
      dependencies: [],
      extras: {},
      groups: ["dev"],
      marker: 'sys_platform == "win32"',
    });
    const resolution = resolveLock(lock, { python: "3.12", systems: ["x86_64-linux", "aarch64-darwin"] });
    expect(resolution.groups.get("main")?.get("x86_64-linux")).toEqual(["pytz"]);
    expect(resolution.groups.get("dev")?.get("x86_64-linux")).not.toContain("atomicwrites");
  });
});

/** The example of PEP 751 / the pylock.toml specification, as written there. */
const PEP_EXAMPLE = `lock-version = '1.0'
environments = ["sys_platform == 'win32'", "sys_platform == 'linux'"]
requires-python = '== 3.12.*'
created-by = 'mousebender'

[[packages]]
name = 'attrs'
version = '25.1.0'
requires-python = '>= 3.8'

    [[packages.wheels]]
    name = 'attrs-25.1.0-py3-none-any.whl'
    upload-time = 2025-01-25T11:30:10.164985+00:00
    url = 'https://files.pythonhosted.org/packages/fc/30/d4986a882011f9df997a55e6becd864812ccfcd821d64aac8570ee39f719/attrs-25.1.0-py3-none-any.whl'
    size = 63152
    hashes = {sha256 = 'c75a69e28a550a7e93789579c22aa26b0f5b83b75dc4e08fe092980051e1090a'}

    [[packages.attestation-identities]]
    environment = 'release-pypi'
    kind = 'GitHub'
    repository = 'python-attrs/attrs'
    workflow = 'pypi-package.yml'

[[packages]]
name = 'cattrs'
version = '24.1.2'
requires-python = '>= 3.8'
dependencies = [
    {name = 'attrs'},
]

    [[packages.wheels]]
    name = 'cattrs-24.1.2-py3-none-any.whl'
    upload-time = 2024-09-22T14:58:34.812643+00:00
    url = 'https://files.pythonhosted.org/packages/c8/d5/867e75361fc45f6de75fe277dd085627a9db5ebb511a87f27dc1396b5351/cattrs-24.1.2-py3-none-any.whl'
    size = 66446
    hashes = {sha256 = '67c7495b760168d931a10233f979b28dc04daf853b30752246f4f8471c6d68d0'}

[[packages]]
name = 'numpy'
version = '2.2.3'
requires-python = '>= 3.10'

    [[packages.wheels]]
    name = 'numpy-2.2.3-cp312-cp312-win_amd64.whl'
    upload-time = 2025-02-13T16:51:21.821880+00:00
    url = 'https://files.pythonhosted.org/packages/42/6e/55580a538116d16ae7c9aa17d4edd56e83f42126cb1dfe7a684da7925d2c/numpy-2.2.3-cp312-cp312-win_amd64.whl'
    size = 12626357
    hashes = {sha256 = '83807d445817326b4bcdaaaf8e8e9f1753da04341eceec705c001ff342002e5d'}

    [[packages.wheels]]
    name = 'numpy-2.2.3-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl'
    upload-time = 2025-02-13T16:50:00.079662+00:00
    url = 'https://files.pythonhosted.org/packages/39/04/78d2e7402fb479d893953fb78fa7045f7deb635ec095b6b4f0260223091a/numpy-2.2.3-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl'
    size = 16116679
    hashes = {sha256 = '3b787adbf04b0db1967798dba8da1af07e387908ed1553a0d6e74c084d1ceafe'}

[tool.mousebender]
command = ['.', 'lock', '--platform', 'cpython3.12-windows-x64', '--platform', 'cpython3.12-manylinux2014-x64', 'cattrs', 'numpy']
run-on = 2025-03-06T12:28:57.760769
`;

/** A multi-use lock with every kind of source, extras and dependency groups. */
const FULL = `lock-version = '1.0'
environments = ["sys_platform == 'linux'", "sys_platform == 'darwin'"]
requires-python = '>=3.10'
extras = ['crypto']
dependency-groups = ['dev']
default-groups = ['default']
created-by = 'mousebender'

[[packages]]
name = 'attrs'
version = '25.1.0'
marker = "'default' in dependency_groups or 'dev' in dependency_groups"
requires-python = '>= 3.8'
index = 'https://pypi.org/simple'
sdist = {name = 'attrs-25.1.0.tar.gz', upload-time = 2025-01-25T11:30:12.164985+00:00, url = 'https://files.pythonhosted.org/packages/49/7c/attrs-25.1.0.tar.gz', size = 810562, hashes = {sha256 = '${SHA("1")}'}}
wheels = [
  {name = 'attrs-25.1.0-py3-none-any.whl', upload-time = 2025-01-25T11:30:10.164985+00:00, url = 'https://files.pythonhosted.org/packages/fc/30/attrs-25.1.0-py3-none-any.whl', size = 63152, hashes = {sha256 = '${SHA("2")}'}},
]

[[packages]]
name = 'cattrs'
version = '24.1.2'
marker = "'default' in dependency_groups"
dependencies = [
    {name = 'attrs'},
]
wheels = [
  {url = 'https://files.pythonhosted.org/packages/c8/d5/cattrs-24.1.2-py3-none-any.whl', hashes = {sha256 = '${SHA("3")}', md5 = 'd41d8cd98f00b204e9800998ecf8427e'}},
]

[[packages]]
name = 'click'
marker = "'default' in dependency_groups"
vcs = {type = 'git', url = 'https://github.com/pallets/click.git', requested-revision = '8.1.7', commit-id = '${GIT_REV}'}

[[packages]]
name = 'colorama'
version = '0.4.6'
marker = "'dev' in dependency_groups and sys_platform == 'win32'"
wheels = [
  {name = 'colorama-0.4.6-py2.py3-none-any.whl', url = 'https://files.pythonhosted.org/packages/d1/d6/colorama-0.4.6-py2.py3-none-any.whl', hashes = {sha256 = '${SHA("4")}'}},
]

[[packages]]
name = 'cryptography'
version = '44.0.0'
marker = "'crypto' in extras and platform_machine != 'ppc64le'"
archive = {url = 'https://example.com/dist/cryptography-44.0.0.tar.gz', size = 710819, hashes = {sha256 = '${SHA("5")}'}}

[[packages]]
name = 'demo-lib'
marker = "'dev' in dependency_groups"
directory = {path = 'libs/demo-lib', editable = true}

[[packages]]
name = 'iniconfig'
version = '2.0.0'
marker = "'dev' in dependency_groups"
wheels = [
  {name = 'iniconfig-2.0.0-py3-none-any.whl', url = 'https://files.pythonhosted.org/packages/ef/a6/iniconfig-2.0.0-py3-none-any.whl', hashes = {sha256 = '${SHA("6")}'}},
]

[[packages]]
name = 'pytest'
version = '8.3.4'
marker = "'dev' in dependency_groups"
dependencies = [
    {name = 'colorama'},
    {name = 'iniconfig', version = '2.0.0'},
]
sdist = {url = 'https://files.pythonhosted.org/packages/05/35/pytest-8.3.4.tar.gz', hashes = {sha256 = '${SHA("7")}'}}

[tool.mousebender]
command = ['.', 'lock']
`;

describe("pylock.toml reader on locks written as PEP 751 shows", () => {
  it("reads the specification's example", () => {
    const lock = readPylock(lockIn(PEP_EXAMPLE));
    expect(lock.lockVersion).toBe("1.0");
    expect(lock.root.requiresPython).toEqual(["== 3.12.*"]);
    expect(lock.root.groups).toEqual({
      main: [{ name: "attrs", extras: [] }, { name: "cattrs", extras: [] }, { name: "numpy", extras: [] }],
    });
    expect(lock.packages.find((p) => p.name === "cattrs")?.dependencies).toEqual([{ name: "attrs", extras: [] }]);
    expect(lock.packages.find((p) => p.name === "numpy")?.artifacts.map((a) => a.filename)).toEqual([
      "numpy-2.2.3-cp312-cp312-win_amd64.whl",
      "numpy-2.2.3-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    ]);
    expect(lock.warnings).toEqual([
      `the lock is for the environments "sys_platform == 'win32'", "sys_platform == 'linux'" only; lock2nix does not check the Nix systems against them`,
    ]);
    const resolution = resolveLock(lock, { python: "3.12", systems: ["x86_64-linux"] });
    const numpy = resolution.packages.get("numpy")?.get("x86_64-linux");
    expect(numpy?.source.kind === "artifact" && numpy.source.artifact.filename).toBe(
      "numpy-2.2.3-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    );
    expect(resolution.packages.get("cattrs")?.get("x86_64-linux")?.dependencies).toEqual(["attrs"]);
  });

  const input = lockIn(FULL, ["libs/demo-lib"]);
  const lock = readPylock(input);
  const pkg = (name: string) => lock.packages.find((p) => p.name === name);

  it("reads sdist, wheels, vcs, archive and directory sources", () => {
    expect(pkg("attrs")).toMatchObject({
      version: "25.1.0",
      requiresPython: ">= 3.8",
      source: { kind: "index", url: "https://pypi.org/simple" },
      artifacts: [
        { filename: "attrs-25.1.0.tar.gz", sha256: SHA("1"), url: "https://files.pythonhosted.org/packages/49/7c/attrs-25.1.0.tar.gz" },
        { filename: "attrs-25.1.0-py3-none-any.whl", sha256: SHA("2"), url: "https://files.pythonhosted.org/packages/fc/30/attrs-25.1.0-py3-none-any.whl" },
      ],
    });
    expect(pkg("attrs")?.marker).toBeUndefined();
    // A wheel's name defaults to the last part of its URL.
    expect(pkg("cattrs")?.artifacts[0]?.filename).toBe("cattrs-24.1.2-py3-none-any.whl");
    expect(pkg("click")).toMatchObject({
      version: "0.0.0",
      source: { kind: "git", url: "https://github.com/pallets/click.git", commit: GIT_REV, ref: "8.1.7" },
      artifacts: [],
    });
    expect(pkg("cryptography")).toMatchObject({
      source: { kind: "url", url: "https://example.com/dist/cryptography-44.0.0.tar.gz" },
      artifacts: [{ filename: "cryptography-44.0.0.tar.gz", sha256: SHA("5"), url: "https://example.com/dist/cryptography-44.0.0.tar.gz" }],
      marker: 'platform_machine != "ppc64le"',
    });
    expect(pkg("demo-lib")?.source).toEqual({ kind: "directory", path: "libs/demo-lib", editable: true });
    expect(pkg("colorama")?.marker).toBe('sys_platform == "win32"');
  });

  it("makes every package a direct dependency of the root, by group, with extras as `extra`", () => {
    expect(lock.root.groups["main"]).toEqual([
      { name: "attrs", extras: [] },
      { name: "cattrs", extras: [] },
      { name: "click", extras: [] },
      { name: "cryptography", extras: [], marker: 'extra == "crypto" and platform_machine != "ppc64le"' },
    ]);
    expect(lock.root.groups["dev"]).toEqual([
      { name: "colorama", extras: [], marker: 'sys_platform == "win32"' },
      { name: "demo-lib", extras: [] },
      { name: "iniconfig", extras: [] },
      { name: "pytest", extras: [] },
    ]);
    expect(lock.root.extras).toEqual({ crypto: [] });
    expect(pkg("pytest")?.groups).toEqual(["dev"]);
    expect(pkg("attrs")?.groups).toEqual(["main"]);
  });

  it("turns [[packages.dependencies]] into edges guarded by the target's environment", () => {
    expect(pkg("pytest")?.dependencies).toEqual([
      { name: "colorama", extras: [], marker: 'sys_platform == "win32"' },
      { name: "iniconfig", extras: [] },
    ]);
    expect(pkg("cattrs")?.dependencies).toEqual([{ name: "attrs", extras: [] }]);
  });

  it("warns about what it cannot check", () => {
    expect(lock.warnings).toEqual([
      `the lock is for the environments "sys_platform == 'linux'", "sys_platform == 'darwin'" only; lock2nix does not check the Nix systems against them`,
      "click has no version in the lock (PEP 751 leaves it out for source trees); Nix calls it 0.0.0",
      "demo-lib has no version in the lock (PEP 751 leaves it out for source trees); Nix calls it 0.0.0",
    ]);
  });

  it("resolves and emits for Linux and macOS, groups and extras as asked", () => {
    const resolution = resolveLock(lock, { python: "3.12", systems: ["x86_64-linux", "aarch64-darwin"], extras: ["crypto"] });
    for (const builds of resolution.packages.values()) {
      for (const build of builds.values()) expect(build.source.kind).not.toBe("missing");
    }
    expect(resolution.groups.get("main")?.get("x86_64-linux")).toEqual(["attrs", "cattrs", "click", "cryptography"]);
    expect(resolution.groups.get("dev")?.get("aarch64-darwin")).toEqual([
      "attrs", "cattrs", "click", "cryptography", "demo-lib", "iniconfig", "pytest",
    ]);
    const nix = emitNix(lock, resolution, { outputDir: join(input.path, ".."), recordedOptions: {} });
    expect(nix).toContain(GIT_REV);
    expect(nix).toContain("https://example.com/dist/cryptography-44.0.0.tar.gz");
    expect(nix).toContain('"/libs/demo-lib"');
    const without = resolveLock(lock, { python: "3.12", systems: ["x86_64-linux"], groups: [] });
    expect(without.groups.get("main")?.get("x86_64-linux")).toEqual(["attrs", "cattrs", "click"]);
  });
});

describe("pylock.toml reader errors", () => {
  const PKG = (body: string) => `lock-version = '1.0'\ncreated-by = 'test'\n\n[[packages]]\nname = 'six'\nversion = '1.16.0'\n${body}`;
  const WHEEL = (hashes = `{sha256 = '${SHA("a")}'}`, extra = "") =>
    `wheels = [\n  {name = 'six-1.16.0-py2.py3-none-any.whl', url = 'https://example.com/six-1.16.0-py2.py3-none-any.whl'${extra}, hashes = ${hashes}},\n]\n`;
  it.each([
    ["an unknown lock-version", PKG(WHEEL()).replace("'1.0'", "'2.0'"), 'pylock.toml: unsupported lock-version "2.0": lock2nix reads pylock.toml lock-version "1.0" (PEP 751)'],
    ["a minor lock-version", PKG(WHEEL()).replace("'1.0'", "'1.1'"), 'pylock.toml: unsupported lock-version "1.1": lock2nix reads pylock.toml lock-version "1.0" (PEP 751)'],
    ["no lock-version", PKG(WHEEL()).replace("lock-version = '1.0'\n", ""), 'pylock.toml: unsupported lock-version (none): lock2nix reads pylock.toml lock-version "1.0" (PEP 751)'],
    ["no created-by", PKG(WHEEL()).replace("created-by = 'test'\n", ""), "pylock.toml: pylock.toml: `created-by` must be a string, found nothing"],
    ["no packages", "lock-version = '1.0'\ncreated-by = 'test'\n", "pylock.toml: pylock.toml: `packages` must be an array of tables, found nothing"],
    ["TOML that does not parse", "lock-version = '1.0\n", "pylock.toml:1:20: not valid TOML: control characters are not allowed in strings"],
    ["a version that is not a string", PKG(WHEEL()).replace("version = '1.16.0'", "version = 1.16"), "pylock.toml:4: package six: [[packages]] six: `version` must be a string, found number 1.16"],
    ["a package without a name", PKG(WHEEL()).replace("name = 'six'\n", ""), "pylock.toml:4: [[packages]] #1: `name` must be a string, found nothing"],
    ["a package with no source", PKG(""), "pylock.toml:4: package six: [[packages]] six: a package needs one of `vcs`, `directory`, `archive`, `sdist` or `wheels`"],
    [
      "two sources at once",
      PKG(`directory = {path = '.'}\n${WHEEL()}`),
      "pylock.toml:4: package six: [[packages]] six: `directory` and `sdist`/`wheels` are mutually exclusive (PEP 751); a package has one source",
    ],
    [
      "a file without sha256",
      PKG(WHEEL("{md5 = 'd41d8cd98f00b204e9800998ecf8427e'}")),
      "pylock.toml:4: package six: [[packages]] six, wheels six-1.16.0-py2.py3-none-any.whl: `hashes` has no sha256 (found md5); lock2nix pins every file by its sha256",
    ],
    ["a sha256 that is not hex", PKG(WHEEL("{sha256 = 'xyz'}")), "pylock.toml:4: package six: [[packages]] six, wheels six-1.16.0-py2.py3-none-any.whl: sha256 `xyz` is not 64 hex digits"],
    ["a file without hashes", PKG("sdist = {name = 'six-1.16.0.tar.gz', url = 'https://example.com/six-1.16.0.tar.gz'}\n"), "pylock.toml:4: package six: [[packages]] six, sdist six-1.16.0.tar.gz: `hashes` must be a table such as {sha256 = \"…\"}, found nothing"],
    ["an upload-time that is a string", PKG(WHEEL(undefined, ", upload-time = '2025-01-01'")), "pylock.toml:4: package six: [[packages]] six, wheels six-1.16.0-py2.py3-none-any.whl: `upload-time` must be a TOML datetime, found string \"2025-01-01\""],
    ["a negative size", PKG(WHEEL(undefined, ", size = -1")), "pylock.toml:4: package six: [[packages]] six, wheels six-1.16.0-py2.py3-none-any.whl: `size` must be a whole number of bytes, found number -1"],
    [
      "a wheel listed twice with different hashes",
      PKG(WHEEL().replace("]\n", `  {name = 'six-1.16.0-py2.py3-none-any.whl', hashes = {sha256 = '${SHA("b")}'}},\n]\n`)),
      `pylock.toml:4: package six: [[packages]] six: wheel six-1.16.0-py2.py3-none-any.whl is listed twice with different sha256 hashes (${SHA("a")} and ${SHA("b")}); one file has one hash, so the lock is malformed`,
    ],
    ["a bad marker", PKG(`marker = "python_version <"\n${WHEEL()}`), "pylock.toml:4: package six: [[packages]] six: invalid marker: Expected a marker variable or quoted string"],
    [
      "a set variable compared as a string",
      PKG(`marker = "extras == 'a'"\n${WHEEL()}`),
      "pylock.toml:4: package six: [[packages]] six: invalid marker: `extras` is a set of names: compare it as '<name>' in extras or '<name>' not in extras",
    ],
    [
      "the `extra` variable, which lock files do not define",
      PKG(`marker = "extra == 'a'"\n${WHEEL()}`),
      "pylock.toml:4: package six: [[packages]] six: invalid marker: `extra` is not defined in pylock.toml markers; use 'name' in extras",
    ],
    ["a bad environment marker", `environments = ["os_name =="]\n` + PKG(WHEEL()), "pylock.toml: pylock.toml: environments: invalid environment marker: Expected a marker variable or quoted string"],
    ["a Mercurial repository", PKG(`vcs = {type = 'hg', url = 'https://hg.example.com/six', commit-id = 'abc'}\n`), "pylock.toml:4: package six: [[packages]] six, vcs: hg repositories are not supported (only git)"],
    [
      "a git commit that is not a full hash",
      PKG(`vcs = {type = 'git', url = 'https://github.com/benjaminp/six.git', commit-id = 'main'}\n`),
      "pylock.toml:4: package six: [[packages]] six, vcs: `commit-id` must be the full commit (40 hex digits), found main",
    ],
    ["a directory without a path", PKG("directory = {editable = true}\n"), "pylock.toml:4: package six: [[packages]] six, directory: `path` must be a string, found nothing"],
    [
      "a dependency that matches no package",
      PKG(`dependencies = [{name = 'attrs'}]\n${WHEEL()}`),
      'pylock.toml:4: package six: [[packages]] six: dependency {"name":"attrs"} matches no [[packages]] entries; it must name exactly one',
    ],
  ])("%s", (_what, text, expected) => {
    const message = errorOf(() => readPylock(lockIn(text)));
    expect(message.startsWith(expected), message).toBe(true);
  });

  it("throws ParseError for grammar and schema faults", () => {
    expect(() => readPylock(lockIn(PKG("")))).toThrow(ParseError);
  });
});
