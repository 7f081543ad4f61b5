import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { generate, type GenerateOptions } from "../src/generate.js";
import { startIndexServer, type IndexFile, type IndexServer } from "./support/index-server.js";
import { tempDir } from "./helpers.js";

/** A real sdist whose pyproject.toml asks for hatchling, so inspection has a fact to find. */
function sdist(name: string, version: string): Buffer {
  const dir = tempDir();
  const top = join(dir, `${name}-${version}`);
  mkdirSync(top);
  writeFileSync(join(top, "pyproject.toml"), '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n');
  execFileSync("tar", ["-czf", join(dir, "out.tar.gz"), "-C", dir, `${name}-${version}`]);
  return readFileSync(join(dir, "out.tar.gz"));
}

const FILES: IndexFile[] = [
  { name: "alpha", version: "1.0", filename: "alpha-1.0.tar.gz", content: sdist("alpha", "1.0") },
  { name: "beta", version: "2.0", filename: "beta-2.0.tar.gz", content: sdist("beta", "2.0") },
];

const servers: IndexServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(): Promise<IndexServer> {
  const server = await startIndexServer({ files: FILES });
  servers.push(server);
  return server;
}

/** A poetry project on a private index at `url`, locking `files`. */
function project(url: string, files: IndexFile[], python = "^3.11"): string {
  const dir = tempDir();
  writeLock(dir, url, files);
  writeFileSync(
    join(dir, "pyproject.toml"),
    `[tool.poetry]\nname = "app"\nversion = "0"\n[tool.poetry.dependencies]\npython = "${python}"\n${files.map((f) => `${f.name} = "*"`).join("\n")}\n`,
  );
  return dir;
}

function writeLock(dir: string, url: string, files: IndexFile[]): void {
  const blocks = files.map(
    (f) =>
      `[[package]]\nname = "${f.name}"\nversion = "${f.version}"\ndescription = ""\noptional = false\npython-versions = "*"\nfiles = [\n    {file = "${f.filename}", hash = "sha256:${createHash("sha256").update(f.content).digest("hex")}"},\n]\n\n[package.source]\ntype = "legacy"\nurl = "${url}"\nreference = "private"\n`,
  );
  writeFileSync(join(dir, "poetry.lock"), `${blocks.join("\n")}\n[metadata]\nlock-version = "2.0"\npython-versions = "^3.11"\ncontent-hash = "0"\n`);
}

const gen = (options: GenerateOptions) => generate({ systems: ["x86_64-linux"], ...options });
const memoFiles = (cacheDir: string) => readdirSync(join(cacheDir, "runs")).map((f) => join(cacheDir, "runs", f));

describe("the run memo: one file per lock that a warm run reads instead of the caches", () => {
  it("answers a warm run alone: same output, no request, with the per-URL and per-sdist caches gone", async () => {
    const server = await serve();
    const dir = project(server.simpleUrl, FILES);
    const cacheDir = tempDir();
    const cold = await gen({ path: dir, cacheDir });
    expect(cold.requests).toBe(4); // two project pages, two sdists
    expect(cold.nix).toContain("pythonPackages.hatchling");
    expect(memoFiles(cacheDir)).toHaveLength(1);
    rmSync(join(cacheDir, "http-v2"), { recursive: true });
    rmSync(join(cacheDir, "inspect"), { recursive: true });
    const warm = await gen({ path: dir, cacheDir });
    expect(warm.requests).toBe(0);
    expect(warm.nix).toBe(cold.nix);
  });

  it("parses the lock again when it or a file read beside it changed", async () => {
    const server = await serve();
    const dir = project(server.simpleUrl, FILES);
    const cacheDir = tempDir();
    const first = await gen({ path: dir, cacheDir });
    expect(first.resolution.python).toBe("3.14");
    // pyproject.toml is read beside poetry.lock: a narrower python there must be seen.
    writeFileSync(join(dir, "pyproject.toml"), readFileSync(join(dir, "pyproject.toml"), "utf8").replace('python = "^3.11"', 'python = ">=3.11,<3.12"'));
    const narrowed = await gen({ path: dir, cacheDir });
    expect(narrowed.resolution.python).toBe("3.11");
    // A lock with one package less: the memo keeps only what this run used.
    writeLock(dir, server.simpleUrl, FILES.slice(0, 1));
    writeFileSync(join(dir, "pyproject.toml"), readFileSync(join(dir, "pyproject.toml"), "utf8").replace('beta = "*"\n', ""));
    const smaller = await gen({ path: dir, cacheDir });
    expect([...smaller.resolution.packages.keys()]).toEqual(["alpha"]);
    const remembered = JSON.parse(readFileSync(memoFiles(cacheDir)[0] as string, "utf8").split("\n")[1] as string) as { releases: object; facts: object };
    expect(Object.keys(remembered.releases)).toEqual([`simple ${server.simpleUrl} alpha 1.0`]);
    expect(Object.keys(remembered.facts)).toHaveLength(1);
  });

  it("ignores a memo that was tampered with, and rewrites it", async () => {
    const server = await serve();
    const dir = project(server.simpleUrl, FILES);
    const cacheDir = tempDir();
    const cold = await gen({ path: dir, cacheDir });
    const [path] = memoFiles(cacheDir) as [string];
    // Point alpha's file at another host, keeping the JSON valid: only the memo's checksum tells.
    writeFileSync(path, readFileSync(path, "utf8").replaceAll(server.fileUrl("alpha-1.0.tar.gz"), "http://203.0.113.1/evil.tar.gz"));
    const again = await gen({ path: dir, cacheDir });
    expect(again.nix).toBe(cold.nix);
    expect(again.nix).not.toContain("203.0.113.1");
    expect(readFileSync(path, "utf8")).not.toContain("203.0.113.1");
  });

  it("uses a remembered answer only while it is fresh, except offline", async () => {
    const server = await serve();
    const dir = project(server.simpleUrl, FILES);
    const cacheDir = tempDir();
    const cold = await gen({ path: dir, cacheDir });
    rmSync(join(cacheDir, "http-v2"), { recursive: true });
    const [path] = memoFiles(cacheDir) as [string];
    const staleMemo = readFileSync(path, "utf8");
    // Offline, a stale memo still answers, as a stale cache entry does.
    const realNow = Date.now;
    Date.now = () => realNow() + 3_600_000;
    try {
      const offline = await gen({ path: dir, cacheDir, offline: true });
      expect(offline.nix).toBe(cold.nix);
      // Online, it is asked again.
      const online = await gen({ path: dir, cacheDir });
      expect(online.requests).toBe(2);
      expect(online.nix).toBe(cold.nix);
    } finally {
      Date.now = realNow;
    }
    expect(readFileSync(path, "utf8")).not.toBe(staleMemo);
  });

  it("does not copy a password from an index URL into the cache", async () => {
    const server = await serve();
    const withPassword = server.simpleUrl.replace("http://", "http://user:s3cret-pw@");
    const dir = project(withPassword, FILES);
    const cacheDir = tempDir();
    await gen({ path: dir, cacheDir });
    expect(memoFiles(cacheDir)).toHaveLength(1);
    for (const path of memoFiles(cacheDir)) expect(readFileSync(path, "utf8")).not.toContain("s3cret-pw");
  });
});
