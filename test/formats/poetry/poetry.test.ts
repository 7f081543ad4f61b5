import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Lock2nixError } from "../../../src/errors.js";
import { readLock } from "../../../src/formats/index.js";
import { CORPUS, corpusCases, tempDir, SHARED_SKIP_REASON } from "../../helpers.js";

function lockIn(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return join(dir, "poetry.lock");
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof Lock2nixError) return err.format().replace(/^.*\/poetry\.lock/, "poetry.lock");
    throw err;
  }
  throw new Error("expected an error");
}

const PKG = (extra = "") => `[[package]]
name = "six"
version = "1.16.0"
description = ""
optional = false
python-versions = ">=2.7"
files = [
    {file = "six-1.16.0-py2.py3-none-any.whl", hash = "sha256:8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254"},
    {file = "six-1.16.0.tar.gz", hash = "sha256:1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926"},
]
${extra}`;
const META = (version: string) => `\n[metadata]\nlock-version = "${version}"\npython-versions = "^3.9"\ncontent-hash = "0"\n`;

describe.skipIf(SHARED_SKIP_REASON)("poetry.lock reader on the corpus", () => {
  it.each(corpusCases("poetry-"))("%s reads without error", (name) => {
    const lock = readLock(join(CORPUS, name));
    expect(lock.format).toBe("poetry");
    expect(lock.packages.length).toBeGreaterThan(0);
    for (const pkg of lock.packages) {
      expect(pkg.name).toMatch(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/);
      for (const a of pkg.artifacts) expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it("reads lock 1.1 files from [metadata.files] and categories as groups", () => {
    const lock = readLock(join(CORPUS, "poetry-p2n-dependency-groups"));
    expect(lock.lockVersion).toBe("1.1");
    const alembic = lock.packages.find((p) => p.name === "alembic");
    expect(alembic?.groups).toEqual(["dev"]);
    expect(alembic?.artifacts.map((a) => a.filename).sort()).toEqual(["alembic-1.8.1-py3-none-any.whl", "alembic-1.8.1.tar.gz"]);
    expect(Object.keys(lock.root.groups).sort()).toEqual(["bar", "dev", "foo"]);
  });

  it("reads lock 2.1 groups, per-package markers and PEP 621 roots", () => {
    const lock = readLock(join(CORPUS, "poetry-poetry"));
    expect(lock.lockVersion).toBe("2.1");
    const tarfile = lock.packages.find((p) => p.name === "backports-tarfile");
    expect(tarfile?.marker).toBe('python_version < "3.12"');
    expect(tarfile?.artifacts.map((a) => a.filename)).toContain("backports_tarfile-1.2.0.tar.gz");
    expect(lock.root.requiresPython).toEqual([">=3.10,<4.0"]);
    const core = lock.packages.find((p) => p.name === "poetry-core");
    expect(core?.source).toMatchObject({ kind: "git", url: "https://github.com/python-poetry/poetry-core.git", ref: "HEAD" });
    expect(lock.root.groups["main"]?.find((d) => d.name === "xattr")?.marker).toBe('sys_platform == "darwin"');
    expect(lock.root.groups["main"]?.find((d) => d.name === "cachecontrol")?.extras).toEqual(["filecache"]);
  });

  it("reads legacy sources with their URL, and url sources with the file's URL", () => {
    const legacy = readLock(join(CORPUS, "poetry-p2n-legacy"));
    expect(legacy.packages[0]?.source).toEqual({ kind: "index", url: "https://pypi.org/simple/", name: "legacy" });
    const urlWheel = readLock(join(CORPUS, "poetry-p2n-use-url-wheel")).packages.find((p) => p.name === "de-core-news-sm");
    expect(urlWheel?.artifacts[0]?.url).toMatch(/^https:\/\/github\.com\/explosion\/spacy-models\/.*\.whl$/);
  });

  it("reads Poetry 1.x extras written in Poetry's constraint syntax", () => {
    const lock = readLock(join(CORPUS, "poetry-p2n-wandb"));
    const configparser = lock.packages.find((p) => p.name === "configparser");
    const pytest = Object.values(configparser?.extras ?? {}).flat().find((d) => d.name === "pytest");
    expect(pytest?.specifier).toBe(">=3.5,<3.7.3 || >3.7.3");
  });

  it("keeps every entry of a name listed more than once", () => {
    const lock = readLock(join(CORPUS, "poetry-jumpserver"));
    const netifaces = lock.packages.filter((p) => p.name === "netifaces");
    expect(netifaces.map((p) => p.source.kind).sort()).toEqual(["index", "url", "url"]);
  });
});

describe("poetry.lock reader errors", () => {
  it.each([
    ["an unknown lock-version", PKG() + META("3.0"), 'poetry.lock: unsupported lock-version "3.0": lock2nix reads poetry.lock versions 1.1, 2.0 and 2.1 (and older files without one)'],
    [
      "a package from an index with no files",
      PKG().replace(/files = \[[^\]]*\]/s, "files = []") + META("2.0"),
      "poetry.lock:1: package six: six 1.16.0 lists no files: a package from an index needs at least one file with its sha256",
    ],
    ["TOML that does not parse", 'package = [\nname = "x"\n', "poetry.lock:2:1: not valid TOML: invalid value"],
    [
      "a hash that is not sha256",
      PKG().replace(/sha256:8abb[0-9a-f]*/, "md5:abc") + META("2.0"),
      "poetry.lock:1: package six: [[package]] six: hash `md5:abc` is not a sha256 (expected `sha256:<64 hex digits>`)",
    ],
    [
      "a version that is not a string",
      PKG().replace('version = "1.16.0"', "version = 1") + META("2.0"),
      "poetry.lock:1: package six: [[package]] six: `version` must be a string, found number 1",
    ],
    [
      "a git source without its commit",
      PKG('[package.source]\ntype = "git"\nurl = "https://example.com/six.git"\nreference = "main"\n') + META("2.0"),
      "poetry.lock:1: package six: [[package]] six: git source https://example.com/six.git must name its commit in `resolved_reference` or `reference` (40 hex digits), found main",
    ],
    [
      "an unknown source type",
      PKG('[package.source]\ntype = "svn"\nurl = "x"\n') + META("2.0"),
      "poetry.lock:1: package six: [[package]] six: unknown source type `svn` for six (expected legacy, url, file, directory or git)",
    ],
    [
      "a bad dependency marker",
      PKG('[package.dependencies]\nfoo = {version = "*", markers = "python_version <"}\n') + META("2.0"),
      "poetry.lock:1: package six: [[package]] six [package.dependencies], dependency `foo`: invalid marker: Expected a marker variable or quoted string",
    ],
    [
      "a name that is not a package name",
      PKG().replace('name = "six"', 'name = "six\\"; x = 1"') + META("2.0"),
      'is not a valid package name',
    ],
  ])("%s", (_what, text, expected) => {
    const message = errorOf(() => readLock(lockIn({ "poetry.lock": text })));
    expect(message).toContain(expected);
  });

  it("names the lockfile's path in the error", () => {
    const path = lockIn({ "poetry.lock": PKG() + META("9.9") });
    expect(() => readLock(path)).toThrow(Lock2nixError);
    try {
      readLock(path);
    } catch (err) {
      expect((err as Lock2nixError).format().startsWith(path)).toBe(true);
    }
  });

  it("takes a git commit from `reference` where Poetry before 1.1 wrote no resolved_reference", () => {
    const commit = "639b822d16aff7d732a4da2d3752cfdecee00aef";
    const path = lockIn({
      "poetry.lock": PKG(`[package.source]\ntype = "git"\nurl = "https://example.com/six.git"\nreference = "${commit}"\n`) + META("1.1"),
    });
    expect(readLock(path).packages[0]?.source).toMatchObject({ kind: "git", url: "https://example.com/six.git", commit });
  });

  it("reads the constraint `=0.12.3` as `==0.12.3`, as poetry-core does", () => {
    const path = lockIn({
      "poetry.lock": PKG() + META("2.0"),
      "pyproject.toml": '[tool.poetry]\nname = "app"\n[tool.poetry.dependencies]\npython = "^3.11"\nsix = "=1.16.0"\n',
    });
    expect(readLock(path).root.groups["main"]?.[0]?.specifier).toBe("==1.16.0");
  });

  it("keeps every table of a root dependency written as a list of per-python tables", () => {
    const path = lockIn({
      "poetry.lock": PKG() + META("2.0"),
      "pyproject.toml":
        '[tool.poetry]\nname = "app"\n[tool.poetry.dependencies]\npython = "^3.9"\nsix = [{version = "1.15", python = "<3.10"}, {version = ">=1.16", python = ">=3.12"}]\n',
    });
    const main = readLock(path).root.groups["main"] ?? [];
    expect(main.map((d) => [d.name, d.specifier, d.marker])).toEqual([
      ["six", "==1.15", 'python_version < "3.10"'],
      ["six", ">=1.16", 'python_version >= "3.12"'],
    ]);
  });

  it("reads a pyproject.toml beside the lock for the root's groups and python", () => {
    const path = lockIn({
      "poetry.lock": PKG() + META("2.0"),
      "pyproject.toml": '[tool.poetry]\nname = "app"\n[tool.poetry.dependencies]\npython = "^3.11"\nsix = "^1.16"\n[tool.poetry.group.dev.dependencies]\nsix = {version = "*", markers = "sys_platform == \'linux\'"}\n',
    });
    const lock = readLock(path);
    expect(lock.root.requiresPython).toEqual([">=3.11,<4"]);
    expect(lock.root.groups["main"]?.map((d) => d.name)).toEqual(["six"]);
    expect(lock.root.groups["dev"]?.[0]?.marker).toBe('sys_platform == "linux"');
  });
});
