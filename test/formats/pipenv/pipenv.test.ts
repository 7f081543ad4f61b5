import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Lock2nixError } from "../../../src/errors.js";
import { emitNix } from "../../../src/emit/index.js";
import { readPipfileLock } from "../../../src/formats/pipenv/index.js";
import type { IndexClient, IndexFile } from "../../../src/index/types.js";
import { resolveLock } from "../../../src/resolve/index.js";
import { nameArtifactsByHash } from "../../../src/resolve/locate.js";
import type { Lock, LockedPackage } from "../../../src/model.js";
import { CORPUS, corpusCases, SHARED_SKIP_REASON } from "../../helpers.js";
import { inputIn, lockDir, pipfileLockText, PYPI_SOURCE, type PipenvEntry, type PipfileLockSpec } from "./pipfile-lock-writer.js";

const SHA = (c: string) => c.repeat(64);
const COMMIT = "bf20d57f859a7d872d5979cd8879fac9c9df981c";
const read = (spec: PipfileLockSpec): Lock => readPipfileLock(inputIn(lockDir(pipfileLockText(spec))));
const readText = (text: string): Lock => readPipfileLock(inputIn(lockDir(text)));
const corpus = (name: string): Lock => readPipfileLock(inputIn(join(CORPUS, name)));
const pkg = (lock: Lock, name: string, version?: string): LockedPackage => {
  const found = lock.packages.filter((p) => p.name === name && (version === undefined || p.version === version));
  expect(found, `${name} ${version ?? ""}`).toHaveLength(1);
  return found[0] as LockedPackage;
};
const edge = (lock: Lock, group: string, name: string) => lock.root.groups[group]?.find((d) => d.name === name);

function errorOfText(text: string): string {
  try {
    readText(text);
  } catch (err) {
    if (err instanceof Lock2nixError) return err.format().replace(/^.*\/Pipfile\.lock/, "Pipfile.lock");
    throw err;
  }
  throw new Error("expected an error");
}
const errorOf = (spec: PipfileLockSpec) => errorOfText(pipfileLockText(spec));
/** A lock whose default category holds only `requests` as given: its entry starts on line 17. */
const requests = (entry: PipenvEntry, extra: Partial<PipfileLockSpec> = {}): PipfileLockSpec => ({ categories: { default: { requests: entry } }, ...extra });

const savedEnv = { ...process.env };
afterEach(() => {
  process.env = { ...savedEnv };
});

describe.skipIf(SHARED_SKIP_REASON)("Pipfile.lock reader on the corpus", () => {
  it.each(corpusCases("pipenv-"))("%s reads", (name) => {
    const lock = corpus(name);
    expect(lock.format).toBe("pipenv");
    expect(lock.packages.length).toBeGreaterThan(0);
    expect(Object.keys(lock.root.groups)).toContain("main");
    for (const p of lock.packages) {
      expect(p.name).toMatch(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/);
      expect(p.dependencies).toEqual([]);
      for (const a of p.artifacts) expect(a).toEqual({ filename: "", sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
      for (const group of p.groups) expect(lock.root.groups[group]?.some((d) => d.name === p.name && d.version === p.version)).toBe(true);
    }
    // Pipfile.lock is flat: every entry is a direct dependency of its category's group.
    const edges = Object.values(lock.root.groups).flat();
    expect(edges.every((d) => lock.packages.some((p) => p.name === d.name && p.version === d.version))).toBe(true);
  });

  it("maps paperless-ngx's two sources and each entry's `index`, and reads its editable git entry", () => {
    const lock = corpus("pipenv-paperless-ngx-2022");
    expect(lock.lockVersion).toBe("6");
    expect(lock.root.requiresPython).toBeUndefined();
    const pypi = { kind: "index", url: "https://pypi.python.org/simple", name: "pypi" };
    // `"index": "pypi"` and entries without `index` (resolved from the first source) alike.
    expect(pkg(lock, "django").source).toEqual(pypi);
    expect(pkg(lock, "asgiref").source).toEqual(pypi);
    expect(lock.packages.filter((p) => p.source.kind === "index").every((p) => JSON.stringify(p.source) === JSON.stringify(pypi))).toBe(true);
    expect(pkg(lock, "django")).toMatchObject({
      version: "4.0.6",
      unknownDependencies: true,
      artifacts: [
        { filename: "", sha256: "a67a793ff6827fd373555537dca0da293a63a316fe34cb7f367f898ccca3c3ae" },
        { filename: "", sha256: "ca54ebedfcbc60d191391efbf02ba68fb52165b8bf6ccd6fe71f098cac1fe59e" },
      ],
    });
    expect(pkg(lock, "django-q")).toEqual({
      name: "django-q",
      version: "0",
      versionUnknown: true,
      unknownDependencies: true,
      source: { kind: "git", url: "https://github.com/paperless-ngx/django-q.git", commit: COMMIT },
      artifacts: [],
      dependencies: [],
      extras: {},
      groups: ["main"],
    });
    expect(edge(lock, "main", "django-q")).toEqual({ name: "django-q", extras: [], version: "0", source: pkg(lock, "django-q").source });
    expect(lock.warnings).toContain("Pipfile.lock gives no version for django-q (git or local sources); their Nix packages get version 0");
    expect(edge(lock, "main", "fuzzywuzzy")).toEqual({ name: "fuzzywuzzy", extras: ["speedup"], version: "0.18.0" });
    expect(pkg(lock, "fuzzywuzzy").extras).toEqual({ speedup: [] });
    expect(edge(lock, "main", "anyio")).toEqual({ name: "anyio", extras: [], version: "3.6.1", marker: 'python_full_version >= "3.6.2"' });
    // In both categories at one version: one package in both groups.
    expect(pkg(lock, "attrs").groups).toEqual(["dev", "main"]);
    expect(lock.root.groups["main"]).toHaveLength(106);
    expect(lock.root.groups["dev"]).toHaveLength(73);
  });

  it("resolves and emits paperless-ngx once an index names its files", async () => {
    const lock = corpus("pipenv-paperless-ngx-2022");
    // An index whose every release has one sdist, hashed as the lock's first hash says.
    const client: IndexClient = {
      releaseFiles: async (_index, name, version): Promise<IndexFile[]> => {
        const p = lock.packages.find((q) => q.name === name && q.version === version);
        const filename = `${name.replace(/-/g, "_")}-${version}.tar.gz`;
        return [{ filename, url: `https://files.example/${filename}`, sha256: p?.artifacts[0]?.sha256 as string, yanked: false }];
      },
    };
    await nameArtifactsByHash(lock, { client, settings: {}, offline: false, warnings: [] });
    expect(pkg(lock, "django").artifacts).toEqual([
      { filename: "django-4.0.6.tar.gz", sha256: "a67a793ff6827fd373555537dca0da293a63a316fe34cb7f367f898ccca3c3ae", url: "https://files.example/django-4.0.6.tar.gz" },
    ]);
    const resolution = resolveLock(lock, { python: "3.10", systems: ["x86_64-linux", "aarch64-darwin"] });
    expect(resolution.warnings).toEqual(lock.warnings);
    expect(resolution.groups.get("main")?.get("x86_64-linux")).toContain("django-q");
    // backports.zoneinfo is for python < 3.9.
    expect(resolution.groups.get("main")?.get("x86_64-linux")).not.toContain("backports-zoneinfo");
    const nix = emitNix(lock, resolution, { outputDir: join(CORPUS, "pipenv-paperless-ngx-2022"), recordedOptions: {} });
    expect(nix).toContain(`rev = "${COMMIT}";`);
    expect(nix).toContain('url = "https://files.example/django-4.0.6.tar.gz";');
  });

  it("reads pipenv 2019's editable paths and editable git entries", () => {
    const lock = corpus("pipenv-pipenv-2019");
    expect(lock.root.groups["main"]).toEqual([]);
    expect(pkg(lock, "pipenv")).toMatchObject({ version: "2018.11.27.dev0", source: { kind: "directory", path: ".", editable: true }, artifacts: [], groups: ["dev"] });
    expect(pkg(lock, "pytest-pypi").source).toEqual({ kind: "directory", path: "./tests/pytest-pypi", editable: true });
    expect(pkg(lock, "towncrier")).toMatchObject({
      version: "19.2.0",
      source: { kind: "git", url: "https://github.com/hawkowl/towncrier.git", commit: "ecd438c9c0ef132a92aba2eecc4dc672ccf9ec63" },
    });
    expect(pkg(lock, "passa").source).toEqual({ kind: "git", url: "https://github.com/sarugaku/passa.git", commit: "a2ba0b30c86339cae5ef3a03046fc9c583452c40" });
    expect(edge(lock, "dev", "vistir")).toEqual({ name: "vistir", extras: ["spinner"], version: "0.3.0" });
    expect(edge(lock, "dev", "stdeb")).toEqual({ name: "stdeb", extras: [], version: "0.8.5", marker: 'sys_platform == "linux"' });
    expect(lock.warnings).toEqual([]);
  });

  it("reads the 2017 lock without pipfile-spec or hashes, leaving the files to the index", () => {
    const lock = corpus("pipenv-requests-2017");
    expect(lock.lockVersion).toBeUndefined();
    expect(lock.packages).toHaveLength(33);
    for (const p of lock.packages) {
      expect(p.artifacts).toEqual([]);
      expect(p.source).toEqual({ kind: "index", url: "https://pypi.python.org/simple" });
      expect(p.groups).toEqual(["dev"]);
    }
    expect(lock.warnings).toHaveLength(1);
    expect(lock.warnings[0]).toMatch(
      /^Pipfile\.lock gives no hashes for alabaster 0\.7\.10, appdirs 1\.4\.3, .*, werkzeug 0\.12\.2 \(a lock from before pipenv recorded them\): their files and sha256 are taken from the index as it is now$/,
    );
  });

  it("takes python_version from _meta.requires as any patch release of it", () => {
    expect(corpus("pipenv-pipenv-examples").root.requiresPython).toEqual(["==3.11.*"]);
  });

  it("reads pipenv's own lock: pylock-style group markers, and names pinned differently per category", () => {
    const lock = corpus("pipenv-pipenv");
    // `('dev' in dependency_groups) and (…)` holds its environment part in the develop category.
    expect(edge(lock, "dev", "coverage")).toEqual({ name: "coverage", extras: ["toml"], version: "7.13.5", marker: 'python_version >= "3.10"' });
    expect(edge(lock, "dev", "atomicwrites")?.marker).toBe('sys_platform == "win32"');
    expect(lock.root.groups["dev"]?.some((d) => d.marker?.includes("dependency_groups"))).toBe(false);
    expect(pkg(lock, "exceptiongroup", "1.3.1").groups).toEqual(["main"]);
    expect(pkg(lock, "exceptiongroup", "1.1.0").groups).toEqual(["dev"]);
    expect(edge(lock, "dev", "exceptiongroup")?.version).toBe("1.1.0");
    expect(lock.warnings).toContain(
      "exceptiongroup is locked at different versions in different categories: 1.3.1 (group main), 1.1.0 (group dev); an environment holds one version of each package (pipenv install --dev installs default's)",
    );
  });
});

describe("Pipfile.lock reader", () => {
  it("reads an index entry: pin, hashes without file names, index, markers, extras", () => {
    const lock = read({
      sources: [PYPI_SOURCE, { name: "private", url: "https://pkgs.example.com/simple/" }],
      requires: { python_full_version: "3.11.4", python_version: "3.11" },
      categories: {
        default: {
          requests: { version: "==2.31.0", hashes: [`sha256:${SHA("B")}`, `sha256:${SHA("a")}`], index: "private", markers: "python_version >= '3.7'", extras: ["Socks"] },
          legacy: { version: "===1.0-custom", hashes: [`sha256:${SHA("c")}`] },
        },
      },
    });
    expect(lock.root.requiresPython).toEqual(["==3.11.4"]);
    expect(pkg(lock, "requests")).toEqual({
      name: "requests",
      version: "2.31.0",
      unknownDependencies: true,
      source: { kind: "index", url: "https://pkgs.example.com/simple/", name: "private" },
      // In the lock's order (pipenv sorts them), lower-cased.
      artifacts: [
        { filename: "", sha256: SHA("b") },
        { filename: "", sha256: SHA("a") },
      ],
      dependencies: [],
      extras: { socks: [] },
      groups: ["main"],
    });
    expect(lock.root.groups).toEqual({
      main: [
        { name: "legacy", extras: [], version: "1.0-custom" },
        { name: "requests", extras: ["socks"], version: "2.31.0", marker: 'python_version >= "3.7"' },
      ],
      dev: [],
    });
    expect(pkg(lock, "legacy").source).toEqual({ kind: "index", url: "https://pypi.org/simple", name: "pypi" });
    expect(lock.warnings).toEqual([]);
  });

  it("reads git, file and path entries", () => {
    const lock = read({
      categories: {
        default: {
          "Old-Git": { editable: true, git: `git+https://github.com/o/old.git@${COMMIT.toUpperCase()}#egg=old-git&subdirectory=py`, version: "==1.0" },
          newgit: { git: "https://github.com/o/new.git", ref: COMMIT, subdirectory: "lib" },
          sshgit: { git: "git+ssh://git@github.com/o/ssh.git", ref: COMMIT, version: "==2.0" },
          remote: { file: "https://example.com/dl/remote-2.0.tar.gz", hashes: [`sha256:${SHA("d")}`] },
          unhashed: { file: "https://example.com/dl/unhashed-1.0-py3-none-any.whl" },
          wheel: { file: "./dist/wheel-1.0-py3-none-any.whl", hashes: [`sha256:${SHA("e")}`], version: "==1.0" },
          absolute: { file: "file:///opt/src/absolute%20dir/absolute-3.0.tar.gz" },
          tree: { path: "./libs/tree/" },
          "editable-tree": { editable: true, path: "." },
        },
      },
    });
    expect(pkg(lock, "old-git")).toMatchObject({
      version: "1.0",
      source: { kind: "git", url: "https://github.com/o/old.git", commit: COMMIT, subdirectory: "py" },
    });
    expect(pkg(lock, "newgit").source).toEqual({ kind: "git", url: "https://github.com/o/new.git", commit: COMMIT, subdirectory: "lib" });
    expect(pkg(lock, "sshgit")).toMatchObject({ version: "2.0", source: { kind: "git", url: "ssh://git@github.com/o/ssh.git", commit: COMMIT } });
    expect(pkg(lock, "remote")).toMatchObject({
      version: "2.0",
      source: { kind: "url", url: "https://example.com/dl/remote-2.0.tar.gz" },
      artifacts: [{ filename: "remote-2.0.tar.gz", url: "https://example.com/dl/remote-2.0.tar.gz", sha256: SHA("d") }],
    });
    expect(pkg(lock, "unhashed").artifacts).toEqual([
      { filename: "unhashed-1.0-py3-none-any.whl", url: "https://example.com/dl/unhashed-1.0-py3-none-any.whl" },
    ]);
    expect(pkg(lock, "wheel")).toMatchObject({
      source: { kind: "file", path: "./dist/wheel-1.0-py3-none-any.whl" },
      artifacts: [{ filename: "wheel-1.0-py3-none-any.whl", sha256: SHA("e") }],
    });
    expect(pkg(lock, "absolute")).toMatchObject({ version: "3.0", source: { kind: "file", path: "/opt/src/absolute dir/absolute-3.0.tar.gz" } });
    expect(pkg(lock, "unhashed").version).toBe("1.0");
    expect(pkg(lock, "tree").source).toEqual({ kind: "directory", path: "./libs/tree", editable: false });
    expect(pkg(lock, "editable-tree").source).toEqual({ kind: "directory", path: ".", editable: true });
    expect(edge(lock, "main", "newgit")).toEqual({ name: "newgit", extras: [], version: "0", source: pkg(lock, "newgit").source });
    expect(lock.warnings).toEqual([
      "Pipfile.lock gives no version for editable-tree, newgit, tree (git or local sources); their Nix packages get version 0",
    ]);
  });

  it("makes custom categories groups of their own, and merges an entry found in several", () => {
    const hashes = [`sha256:${SHA("1")}`, `sha256:${SHA("2")}`];
    const lock = read({
      categories: {
        default: { six: { version: "==1.16.0", hashes } },
        develop: { six: { version: "==1.16.0", hashes: [...hashes, `sha256:${SHA("3")}`], markers: "'dev' in dependency_groups" } },
        docs: {
          sphinx: { version: "==7.0.0", hashes: [`sha256:${SHA("4")}`], markers: "('docs' in dependency_groups) and (sys_platform == 'linux')" },
          pywin: { version: "==1.0", hashes: [`sha256:${SHA("5")}`], markers: "'dev' in dependency_groups" },
        },
      },
    });
    expect(Object.keys(lock.root.groups).sort()).toEqual(["dev", "docs", "main"]);
    expect(pkg(lock, "six")).toMatchObject({ groups: ["dev", "main"], artifacts: [1, 2, 3].map((c) => ({ filename: "", sha256: SHA(String(c)) })) });
    expect(lock.root.groups["dev"]).toEqual([{ name: "six", extras: [], version: "1.16.0" }]);
    expect(lock.root.groups["docs"]).toEqual([{ name: "sphinx", extras: [], version: "7.0.0", marker: 'sys_platform == "linux"' }]);
    expect(pkg(lock, "pywin").groups).toEqual(["docs"]);
    expect(lock.warnings).toEqual(["[docs] pywin: its markers never hold in this category, so it is never installed with it"]);
  });

  it("joins markers, os_markers and Pipfile-style marker keys", () => {
    const lock = read(
      requests({ version: "==2.0", hashes: [`sha256:${SHA("a")}`], markers: "python_version >= '3.8'", os_markers: "os_name == 'posix'", sys_platform: "== 'linux'" }),
    );
    expect(edge(lock, "main", "requests")?.marker).toBe('python_version >= "3.8" and os_name == "posix" and sys_platform == "linux"');
  });

  it("warns of keys it does not use, of verify_ssl = false, and of entries without hashes", () => {
    const lock = read(
      requests(
        { version: "==2.0", no_binary: true, category: "x" },
        { sources: [{ name: "pypi", url: "https://pypi.org/simple", verify_ssl: false }] },
      ),
    );
    expect(lock.warnings).toEqual([
      "source pypi (https://pypi.org/simple) has verify_ssl = false; lock2nix still checks its TLS certificate when asking it for files",
      "Pipfile.lock gives no hashes for requests 2.0 (a lock from before pipenv recorded them): their files and sha256 are taken from the index as it is now",
      "Pipfile.lock: entry keys lock2nix does not use were ignored: category, no_binary",
    ]);
  });

  it("expands environment variables in source URLs as pipenv does", () => {
    process.env["PIPENV_TEST_HOST"] = "pkgs.example.com";
    process.env["PIPENV_TEST_USER"] = "ci";
    const sources = (url: string) => ({ sources: [{ name: "corp", url }] });
    const entry = { version: "==2.0", hashes: [`sha256:${SHA("a")}`] };
    let lock = read(requests(entry, sources("https://${PIPENV_TEST_USER}:$PIPENV_TEST_UNSET@$PIPENV_TEST_HOST/simple")));
    expect(pkg(lock, "requests").source).toEqual({ kind: "index", url: "https://pkgs.example.com/simple", name: "corp" });
    expect(lock.warnings).toEqual([
      "source corp takes its credentials from environment variables that are not set (PIPENV_TEST_UNSET); lock2nix asks it without them: give them in ~/.netrc or as LOCK2NIX_INDEX_CORP_USERNAME and LOCK2NIX_INDEX_CORP_PASSWORD",
    ]);
    process.env["PIPENV_TEST_UNSET"] = "s3cret";
    lock = read(requests(entry, sources("https://${PIPENV_TEST_USER}:$PIPENV_TEST_UNSET@$PIPENV_TEST_HOST/simple")));
    expect(pkg(lock, "requests").source).toMatchObject({ url: "https://ci:s3cret@pkgs.example.com/simple" });
    expect(errorOf(requests(entry, sources("https://${PIPENV_TEST_NOPE}/simple")))).toBe(
      "Pipfile.lock:2: _meta.sources[0]: the url https://${PIPENV_TEST_NOPE}/simple of source corp uses environment variables that are not set: PIPENV_TEST_NOPE",
    );
  });

  it("reads a lock that has only _meta", () => {
    const lock = readText('{\n    "_meta": {\n        "requires": {},\n        "sources": []\n    }\n}\n');
    expect(lock.packages).toEqual([]);
    expect(lock.root).toEqual({ groups: { main: [] }, extras: {} });
  });
});

describe("Pipfile.lock errors", () => {
  const hash = `sha256:${SHA("a")}`;
  const cases: Array<[string, string | PipfileLockSpec, string]> = [
    ["not JSON", '{\n    "_meta": {,\n}', "Pipfile.lock:2:15: Pipfile.lock is not valid JSON: "],
    ["a JSON array", "[]\n", "Pipfile.lock: Pipfile.lock must hold a JSON object"],
    ["no _meta", '{\n    "default": {}\n}\n', "Pipfile.lock: Pipfile.lock: `_meta` must be a table, found nothing"],
    ["an unknown pipfile-spec", { spec: 7, categories: {} }, "Pipfile.lock:2: unsupported pipfile-spec 7: lock2nix reads Pipfile.lock spec 6 (pipenv 8.3 and later) and older locks without one"],
    ["a pipfile-spec string", { spec: "6", categories: {} }, 'Pipfile.lock:2: unsupported pipfile-spec "6": lock2nix reads Pipfile.lock spec 6 (pipenv 8.3 and later) and older locks without one'],
    ["a source without url", { sources: [{ name: "pypi" } as never], categories: {} }, "Pipfile.lock:2: _meta.sources[0]: `url` must be a string, found nothing"],
    ["a python_version that is no version", { requires: { python_version: "3.x" }, categories: {} }, 'Pipfile.lock:2: _meta.requires: `python_version` must be a version such as "3.11", found "3.x"'],
    ["a category that is no table", '{\n    "_meta": {},\n    "default": []\n}\n', "Pipfile.lock: Pipfile.lock: `default` must be a table, found an array"],
    ["an entry that is no table", requests("==2.0" as never), 'Pipfile.lock:17: package requests: [default] requests: an entry must be a table {version, hashes, …}, found "==2.0"'],
    ["a missing version", requests({ hashes: [hash] }), "Pipfile.lock:17: package requests: [default] requests: `version` must be a string, found nothing"],
    ["a version of the wrong type", requests({ version: 2 as never, hashes: [hash] }), "Pipfile.lock:17: package requests: [default] requests: `version` must be a string, found number 2"],
    ["an unpinned version", requests({ version: ">=2.0", hashes: [hash] }), 'Pipfile.lock:17: package requests: [default] requests: version ">=2.0" is not pinned: lock2nix needs an exact "==<version>"'],
    ["a wildcard version", requests({ version: "==2.*", hashes: [hash] }), 'Pipfile.lock:17: package requests: [default] requests: version "==2.*" is not pinned: lock2nix needs an exact "==<version>"'],
    ["a star", requests({ version: "*" }), 'Pipfile.lock:17: package requests: [default] requests: version "*" is not pinned: lock2nix needs an exact "==<version>"'],
    ["hashes as a string", requests({ version: "==2.0", hashes: hash as never }), "Pipfile.lock:17: package requests: [default] requests: `hashes` must be an array, found string " + JSON.stringify(hash)],
    ["an md5 hash", requests({ version: "==2.0", hashes: [hash, "md5:0123456789abcdef0123456789abcdef"] }), 'Pipfile.lock:17: package requests: [default] requests: hash "md5:0123456789abcdef0123456789abcdef" is not a sha256 (expected "sha256:<64 hex digits>")'],
    ["a short sha256", requests({ version: "==2.0", hashes: ["sha256:abc"] }), 'Pipfile.lock:17: package requests: [default] requests: hash "sha256:abc" is not a sha256 (expected "sha256:<64 hex digits>")'],
    ["an unknown index name", requests({ version: "==2.0", hashes: [hash], index: "private" }), 'Pipfile.lock:17: package requests: [default] requests: index "private" is not one of the sources in _meta.sources (pypi)'],
    ["an index name when sources have none", requests({ version: "==2.0", hashes: [hash], index: "pypi" }, { sources: [{ url: "https://pypi.org/simple" }] }), 'Pipfile.lock:16: package requests: [default] requests: index "pypi" is not one of the sources in _meta.sources (none has a name)'],
    ["git without ref", requests({ git: "https://github.com/psf/requests.git", editable: true }), "Pipfile.lock:17: package requests: [default] requests: git source https://github.com/psf/requests.git has no `ref`: lock2nix needs the commit (40 hex digits) it was locked at"],
    ["git at a branch", requests({ git: "https://github.com/psf/requests.git", ref: "main" }), 'Pipfile.lock:17: package requests: [default] requests: git source https://github.com/psf/requests.git is locked at "main", a branch or tag, not a commit: lock2nix needs the full 40-hex commit in `ref`'],
    ["hg", requests({ hg: "https://hg.example.com/requests", ref: COMMIT }), "Pipfile.lock:17: package requests: [default] requests: hg sources are not supported (only git)"],
    ["an invalid marker", requests({ version: "==2.0", hashes: [hash], markers: "python_version >>= '3'" }), "Pipfile.lock:17: package requests: [default] requests: invalid `markers`: "],
    ["extras of the wrong type", requests({ version: "==2.0", hashes: [hash], extras: "socks" as never }), 'Pipfile.lock:17: package requests: [default] requests: `extras` must be an array, found string "socks"'],
    ["editable of the wrong type", requests({ path: ".", editable: "yes" }), 'Pipfile.lock:17: package requests: [default] requests: `editable` must be true or false, found string "yes"'],
    ["a local archive with two hashes", requests({ file: "./dist/requests-2.0.tar.gz", hashes: [hash, `sha256:${SHA("b")}`] }), "Pipfile.lock:17: package requests: [default] requests: lists 2 hashes for the one file at ./dist/requests-2.0.tar.gz; lock2nix expects one"],
    ["a file URL with two hashes", requests({ file: "https://example.com/requests-2.0.tar.gz", hashes: [hash, `sha256:${SHA("b")}`] }), "Pipfile.lock:17: package requests: [default] requests: lists 2 hashes for the one file at https://example.com/requests-2.0.tar.gz; lock2nix expects one"],
    ["an invalid name", { categories: { develop: { "-bad-": { version: "==1.0" } } } }, "Pipfile.lock:18: package -bad-: [develop] -bad-: `-bad-` is not a valid package name (PEP 508: letters, digits and -_. inside)"],
  ];

  it.each(cases)("reports %s", (_, input, expected) => {
    const message = typeof input === "string" ? errorOfText(input) : errorOf(input);
    if (expected.endsWith(": ")) expect(message.startsWith(expected), message).toBe(true);
    else expect(message).toBe(expected);
  });
});
