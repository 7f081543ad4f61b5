// Pipfile.lock end to end against loopback indexes: the lock gives hashes
// only, the index names the files, and the Nix output fetches them from the
// index with the lock's hashes. The reader is called directly, with the
// steps src/generate.ts runs (the registry does not list it yet).

import { createHash } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { emitNix } from "../../../src/emit/index.js";
import { readPipfileLock } from "../../../src/formats/pipenv/index.js";
import { DiskCache } from "../../../src/index/cache.js";
import { CachingIndexClient } from "../../../src/index/client.js";
import { HttpClient } from "../../../src/index/http.js";
import { resolveLock, type Resolution } from "../../../src/resolve/index.js";
import { locateArtifacts, nameArtifactsByHash } from "../../../src/resolve/locate.js";
import { buildFixturePackages, removeFixtures, type FixtureSet } from "../../support/fixture-packages.js";
import { startIndexServer, type IndexFile, type IndexServer } from "../../support/index-server.js";
import { tempDir } from "../../helpers.js";
import { inputIn, lockDir, pipfileLockText, PYPI_SOURCE, type PipenvEntry, type PipfileLockSpec } from "./pipfile-lock-writer.js";

const FAST = { timeoutMs: 2_000, retries: 2, backoffMs: 5 };
const sri = (hex: string) => `sha256-${Buffer.from(hex, "hex").toString("base64")}`;

/** What `generate` does, with the pipenv reader: read, name files by hash, resolve, locate, emit. */
async function generatePipenv(dir: string, indexUrl: string) {
  const lock = readPipfileLock(inputIn(dir));
  const http = new HttpClient(FAST);
  const client = new CachingIndexClient({ http, cache: new DiskCache(tempDir()), jobs: 4 });
  const ctx = { client, settings: { indexUrl }, offline: false, warnings: [] as string[], http };
  try {
    await nameArtifactsByHash(lock, ctx);
    const resolution = resolveLock(lock, { python: "3.11", systems: ["x86_64-linux"] });
    await locateArtifacts(lock, resolution, ctx);
    const nix = emitNix(lock, resolution, { outputDir: dir, recordedOptions: {} });
    return { lock, resolution, nix, warnings: [...new Set([...resolution.warnings, ...ctx.warnings])].sort() };
  } finally {
    await http.close();
  }
}

function chosen(resolution: Resolution, name: string) {
  const build = resolution.packages.get(name)?.get("x86_64-linux");
  if (build?.source.kind !== "artifact") throw new Error(`${name}: ${JSON.stringify(build)}`);
  return build.source.artifact;
}

let fixtures: FixtureSet;
const servers: IndexServer[] = [];
beforeAll(async () => {
  fixtures = await buildFixturePackages();
}, 180_000);
afterAll(() => removeFixtures());
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(files: IndexFile[]): Promise<IndexServer> {
  const server = await startIndexServer({ files });
  servers.push(server);
  return server;
}

const hashesOf = (name: string) => fixtures.get(name).files.map((f) => `sha256:${f.sha256}`);
const entry = (name: string, extra: PipenvEntry = {}): PipenvEntry => ({ hashes: hashesOf(name), version: `==${fixtures.get(name).version}`, ...extra });
const SOURCES = (privateUrl: string) => [PYPI_SOURCE, { name: "private", url: privateUrl, verify_ssl: true }];

/** What pipenv locks for `[packages] alpha = "*"` and `beta = {version = "*", index = "private"}`, `[dev-packages] cycle-a = "*"`. */
function projectLock(privateUrl: string, overrides: Record<string, PipenvEntry> = {}): PipfileLockSpec {
  return {
    sources: SOURCES(privateUrl),
    requires: { python_version: "3.11" },
    categories: {
      default: {
        alpha: entry("alpha", { index: "pypi", hashes: [...hashesOf("alpha"), `sha256:${"7".repeat(64)}`] }),
        beta: entry("beta", { index: "private" }),
        delta: entry("delta"),
        epsilon: entry("epsilon", { markers: "sys_platform == 'win32'" }),
        gamma: entry("gamma", { extras: ["fast"] }),
        ...overrides,
      },
      develop: { "cycle-a": entry("cycle-a", { index: "pypi" }), "cycle-b": entry("cycle-b") },
    },
  };
}

describe("Pipfile.lock through generate's steps against loopback indexes", () => {
  it("fetches every file from the index its source names, with the lock's hashes", async () => {
    const pypi = await serve(fixtures.indexFiles.filter((f) => f.name !== "beta"));
    const priv = await serve(fixtures.indexFiles.filter((f) => f.name === "beta"));
    const dir = lockDir(pipfileLockText(projectLock(priv.simpleUrl)));
    const { lock, resolution, nix, warnings } = await generatePipenv(dir, pypi.simpleUrl);

    expect(lock.root.requiresPython).toEqual(["==3.11.*"]);
    for (const name of ["alpha", "beta", "delta", "gamma", "cycle-a", "cycle-b"]) {
      const artifact = chosen(resolution, name);
      const file = fixtures.get(name).files.find((f) => f.filename === artifact.filename);
      expect(file, `${name}: ${artifact.filename}`).toBeDefined();
      expect(artifact.sha256).toBe(file?.sha256);
      const server = name === "beta" ? priv : pypi;
      expect(artifact.url).toBe(server.fileUrl(artifact.filename));
      expect(nix).toContain(`url = "${server.fileUrl(artifact.filename)}";`);
      expect(nix).toContain(`hash = "${sri(file?.sha256 as string)}";`);
    }
    // The stray hash (a file the index no longer has) is dropped; alpha's two files remain, named.
    expect(lock.packages.find((p) => p.name === "alpha")?.artifacts.map((a) => a.filename).sort()).toEqual(
      fixtures.get("alpha").files.map((f) => f.filename).sort(),
    );
    // epsilon is for win32 only.
    expect(resolution.packages.has("epsilon")).toBe(false);
    expect(resolution.groups.get("main")?.get("x86_64-linux")).toEqual(["alpha", "beta", "delta", "gamma"]);
    expect(resolution.groups.get("dev")?.get("x86_64-linux")).toEqual(["alpha", "beta", "cycle-a", "cycle-b", "delta", "gamma"]);
    expect(warnings).toEqual([]);
    // beta was asked of the private index only.
    expect(priv.requests.map((r) => r.path)).toEqual(["/simple/beta/"]);
    expect(pypi.requests.some((r) => r.path.includes("beta"))).toBe(false);
  }, 60_000);

  it("stops when none of a package's hashes matches a file on its index, naming the package and index", async () => {
    const pypi = await serve(fixtures.indexFiles.filter((f) => f.name !== "beta"));
    const priv = await serve(fixtures.indexFiles.filter((f) => f.name === "beta"));
    const wrong = [`sha256:${"0".repeat(64)}`];
    let dir = lockDir(pipfileLockText(projectLock(priv.simpleUrl, { delta: entry("delta", { hashes: wrong }) })));
    await expect(generatePipenv(dir, pypi.simpleUrl)).rejects.toThrow(
      `delta 2.0.0: none of the lock's hashes matches a file on index default (${pypi.simpleUrl})`,
    );
    dir = lockDir(pipfileLockText(projectLock(priv.simpleUrl, { beta: entry("beta", { index: "private", hashes: wrong }) })));
    await expect(generatePipenv(dir, pypi.simpleUrl)).rejects.toThrow(
      `beta 1.2.0: none of the lock's hashes matches a file on index private (${priv.simpleUrl})`,
    );
  }, 60_000);

  it("takes the files and hashes of a 2017 lock without hashes from the index", async () => {
    const pypi = await serve(fixtures.indexFiles);
    const old = (name: string) => ({ version: `==${fixtures.get(name).version}` });
    const text = pipfileLockText({
      spec: null,
      sources: [{ url: "https://pypi.python.org/simple", verify_ssl: true }],
      categories: { default: {}, develop: { beta: old("beta"), delta: old("delta") } },
    });
    const { lock, resolution, nix } = await generatePipenv(lockDir(text), pypi.simpleUrl);
    expect(lock.lockVersion).toBeUndefined();
    for (const name of ["beta", "delta"]) {
      const artifact = chosen(resolution, name);
      const file = fixtures.get(name).files.find((f) => f.filename === artifact.filename);
      expect(artifact.sha256).toBe(file?.sha256);
      expect(nix).toContain(`url = "${pypi.fileUrl(artifact.filename)}";`);
      expect(nix).toContain(`hash = "${sri(file?.sha256 as string)}";`);
    }
  }, 60_000);

  it("names synthetic files by hash too (sdist and wheel of one release)", async () => {
    const content = (f: string) => Buffer.from(`contents of ${f}`);
    const files: IndexFile[] = ["zeta-3.0.tar.gz", "zeta-3.0-py3-none-any.whl"].map((filename) => ({ name: "zeta", version: "3.0", filename, content: content(filename) }));
    const pypi = await serve(files);
    const sha = (f: string) => createHash("sha256").update(content(f)).digest("hex");
    const text = pipfileLockText({
      categories: { default: { zeta: { version: "==3.0", hashes: [`sha256:${sha("zeta-3.0.tar.gz")}`, `sha256:${sha("zeta-3.0-py3-none-any.whl")}`], index: "pypi" } } },
    });
    const { lock, nix } = await generatePipenv(lockDir(text), pypi.simpleUrl);
    expect(lock.packages[0]?.artifacts.map((a) => [a.filename, a.url]).sort()).toEqual(
      files.map((f) => [f.filename, pypi.fileUrl(f.filename)]).sort(),
    );
    expect(nix).toContain(`url = "${pypi.fileUrl("zeta-3.0.tar.gz")}";`);
    expect(nix).toContain(`hash = "${sri(sha("zeta-3.0.tar.gz"))}";`);
  });
});
