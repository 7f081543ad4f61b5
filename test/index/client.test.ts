import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { generate, type GenerateOptions } from "../../src/generate.js";
import { DiskCache } from "../../src/index/cache.js";
import { CachingIndexClient } from "../../src/index/client.js";
import { parseNetrc, redactUrl } from "../../src/index/credentials.js";
import { HttpClient } from "../../src/index/http.js";
import { parseSimpleHtml } from "../../src/index/responses.js";
import type { IndexLocation } from "../../src/index/types.js";
import { faultsByPath, startIndexServer, type Fault, type IndexFile, type IndexServer } from "../support/index-server.js";
import { tempDir } from "../helpers.js";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const file = (name: string, version: string, filename: string, extra: Partial<IndexFile> = {}): IndexFile => ({
  name,
  version,
  filename,
  content: Buffer.from(`contents of ${filename}`),
  ...extra,
});

const FILES = [
  file("alpha", "1.0.0", "alpha-1.0.0.tar.gz", { requiresPython: ">=3.8" }),
  file("alpha", "1.0.0", "alpha-1.0.0-py3-none-any.whl"),
  file("alpha", "0.9.0", "alpha-0.9.0.tar.gz"),
  file("old-thing", "2.0", "old_thing-2.0.tar.gz", { yanked: "broken build" }),
];
const hashOf = (filename: string) => sha((FILES.find((f) => f.filename === filename) as IndexFile).content);

const servers: IndexServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(options: Partial<Parameters<typeof startIndexServer>[0]> = {}): Promise<IndexServer> {
  const server = await startIndexServer({ files: FILES, ...options });
  servers.push(server);
  return server;
}

/** A poetry.lock naming `packages` on a legacy source at `indexUrl`. */
function poetryProject(indexUrl: string, packages: Array<{ name: string; version: string; files: Array<[string, string]> }>): string {
  const dir = tempDir();
  const blocks = packages.map(
    (p) => `[[package]]
name = "${p.name}"
version = "${p.version}"
description = ""
optional = false
python-versions = "*"
files = [
${p.files.map(([f, h]) => `    {file = "${f}", hash = "sha256:${h}"},`).join("\n")}
]

[package.source]
type = "legacy"
url = "${indexUrl}"
reference = "private"
`,
  );
  writeFileSync(join(dir, "poetry.lock"), `${blocks.join("\n")}\n[metadata]\nlock-version = "2.0"\npython-versions = "^3.11"\ncontent-hash = "0"\n`);
  writeFileSync(
    join(dir, "pyproject.toml"),
    `[tool.poetry]\nname = "app"\nversion = "0"\n[tool.poetry.dependencies]\npython = "^3.11"\n${packages.map((p) => `${p.name} = "*"`).join("\n")}\n[[tool.poetry.source]]\nname = "private"\nurl = "${indexUrl}"\n`,
  );
  return dir;
}

const FAST = { timeoutMs: 2_000, retries: 2, backoffMs: 5 };
// These tests are about the index: sdists are not downloaded for inspection (test/resolve-inspect.test.ts is).
const gen = (options: GenerateOptions) =>
  generate({ cacheDir: tempDir(), python: "3.11", systems: ["x86_64-linux"], http: FAST, inspect: false, ...options });
const alphaLock = (url: string) => poetryProject(url, [{ name: "alpha", version: "1.0.0", files: [["alpha-1.0.0.tar.gz", hashOf("alpha-1.0.0.tar.gz")]] }]);

describe("index client against a loopback index", () => {
  it("takes file URLs from a private index's PEP 691 JSON simple API", async () => {
    const server = await serve();
    const { nix } = await gen({ path: alphaLock(server.simpleUrl) });
    expect(nix).toContain(`url = "${server.fileUrl("alpha-1.0.0.tar.gz")}";`);
    expect(server.requests.map((r) => [r.path, r.accept?.split(",")[0]])).toEqual([["/simple/alpha/", "application/vnd.pypi.simple.v1+json"]]);
  });

  it("reads the PEP 503 HTML simple API the same way", async () => {
    const server = await serve();
    const res = await fetch(`${server.simpleUrl}alpha/`, { headers: { accept: "text/html" } });
    const files = parseSimpleHtml(await res.text(), `${server.simpleUrl}alpha/`);
    expect(files.find((f) => f.filename === "alpha-1.0.0.tar.gz")).toEqual({
      filename: "alpha-1.0.0.tar.gz",
      url: server.fileUrl("alpha-1.0.0.tar.gz"),
      sha256: hashOf("alpha-1.0.0.tar.gz"),
      requiresPython: ">=3.8",
      yanked: false,
    });
  });

  it("parses PEP 503 pages as HTML: unescaped `>` in attributes, entities, bare attributes, <base>, any case", () => {
    const sha = "ab".repeat(32);
    const page = `<!DOCTYPE html><html><head><base href="https://files.example.org/pkgs/"></head><body>
<a href="alpha-1.0.tar.gz#sha256=${sha}" data-requires-python=">=3.8" data-yanked>alpha-1.0.tar.gz</a><br/>
<A HREF='alpha-1.1.tar.gz' data-requires-python="&gt;=3.9,&lt;4" DATA-YANKED="broken &amp; bad">alpha-1.1.tar.gz</A>
<a href="/abs/alpha-1.2.tar.gz" class=x>
  alpha-1.2.tar.gz
</a></body></html>`;
    expect(parseSimpleHtml(page, "https://index.example.org/simple/alpha/")).toEqual([
      { filename: "alpha-1.0.tar.gz", url: "https://files.example.org/pkgs/alpha-1.0.tar.gz", sha256: sha, requiresPython: ">=3.8", yanked: true },
      { filename: "alpha-1.1.tar.gz", url: "https://files.example.org/pkgs/alpha-1.1.tar.gz", requiresPython: ">=3.9,<4", yanked: "broken & bad" },
      { filename: "alpha-1.2.tar.gz", url: "https://files.example.org/abs/alpha-1.2.tar.gz", yanked: false },
    ]);
  });

  it("asks PyPI's JSON API for a release when the index is PyPI", async () => {
    const server = await serve();
    const client = new CachingIndexClient({ http: new HttpClient(FAST) });
    const index: IndexLocation = { name: "pypi", url: `${server.url}/simple`, pypiJson: true };
    const files = await client.releaseFiles(index, "Alpha", "1.0.0");
    expect(files.map((f) => f.filename).sort()).toEqual(["alpha-1.0.0-py3-none-any.whl", "alpha-1.0.0.tar.gz"]);
    expect(server.requests.map((r) => r.path)).toEqual(["/pypi/alpha/1.0.0/json"]);
  });

  it("uses --index-url in place of PyPI for packages the lock assigns to PyPI", async () => {
    const server = await serve();
    const dir = alphaLock("https://pypi.org/simple");
    const { nix } = await gen({ path: dir, indexUrl: server.simpleUrl });
    expect(nix).toContain(`url = "${server.fileUrl("alpha-1.0.0.tar.gz")}";`);
    expect(nix).toContain(`# option index-url: ${server.simpleUrl}`);
  });

  it("stops when the lock and the index disagree on a hash, naming both", async () => {
    const server = await serve();
    const wrong = "0".repeat(64);
    const dir = poetryProject(server.simpleUrl, [{ name: "alpha", version: "1.0.0", files: [["alpha-1.0.0.tar.gz", wrong]] }]);
    await expect(gen({ path: dir })).rejects.toThrow(
      `alpha 1.0.0: alpha-1.0.0.tar.gz has sha256 ${wrong} in the lock but ${hashOf("alpha-1.0.0.tar.gz")} on index private (${server.simpleUrl}); refusing to go on`,
    );
  });

  it("reports a yanked release", async () => {
    const server = await serve();
    const dir = poetryProject(server.simpleUrl, [{ name: "old-thing", version: "2.0", files: [["old_thing-2.0.tar.gz", hashOf("old_thing-2.0.tar.gz")]] }]);
    const { warnings } = await gen({ path: dir });
    expect(warnings).toContain("old-thing 2.0 is yanked on index private (old_thing-2.0.tar.gz: broken build)");
  });

  it("sends credentials from the environment to a private index with basic auth, and never writes them", async () => {
    const server = await serve({ basicAuth: { username: "ci", password: "s3cret" } });
    const dir = alphaLock(server.simpleUrl);
    await expect(gen({ path: dir })).rejects.toThrow(/index private refused access \(HTTP 401\); give credentials in the index URL, in ~\/\.netrc, or as LOCK2NIX_INDEX_PRIVATE_USERNAME and LOCK2NIX_INDEX_PRIVATE_PASSWORD/);
    process.env["LOCK2NIX_INDEX_PRIVATE_USERNAME"] = "ci";
    process.env["LOCK2NIX_INDEX_PRIVATE_PASSWORD"] = "s3cret";
    try {
      const { nix } = await gen({ path: dir });
      expect(nix).toContain(server.fileUrl("alpha-1.0.0.tar.gz"));
      expect(nix).not.toContain("s3cret");
    } finally {
      delete process.env["LOCK2NIX_INDEX_PRIVATE_USERNAME"];
      delete process.env["LOCK2NIX_INDEX_PRIVATE_PASSWORD"];
    }
  });

  it("takes credentials from the index URL and keeps them out of the output", async () => {
    const server = await serve({ basicAuth: { username: "ci", password: "s3cret" } });
    const withAuth = server.simpleUrl.replace("http://", "http://ci:s3cret@");
    const { nix } = await gen({ path: alphaLock(withAuth) });
    expect(nix).toContain(`url = "${server.fileUrl("alpha-1.0.0.tar.gz")}";`);
    expect(nix).not.toContain("s3cret");
    expect(redactUrl(withAuth)).toBe(server.simpleUrl);
  });

  it("reads ~/.netrc entries", () => {
    const entries = parseNetrc("machine 127.0.0.1 login ci password pw\n# comment\ndefault login anon password x");
    expect(entries.get("127.0.0.1")).toEqual({ username: "ci", password: "pw" });
    expect(entries.get("")).toEqual({ username: "anon", password: "x" });
  });

  it.each<[string, Fault[]]>([
    ["429 with Retry-After", [{ status: 429, headers: { "Retry-After": "0" } }]],
    ["a 500", [{ status: 500 }]],
    ["a connection reset", ["reset"]],
    ["a truncated body", ["truncate"]],
  ])("retries after %s and succeeds", async (_what, faults) => {
    const server = await serve({ faults: faultsByPath({ "/simple/alpha/": faults }) });
    const { nix } = await gen({ path: alphaLock(server.simpleUrl) });
    expect(nix).toContain(server.fileUrl("alpha-1.0.0.tar.gz"));
    expect(server.requests.filter((r) => r.path === "/simple/alpha/")).toHaveLength(faults.length + 1);
  });

  it("honours Retry-After before retrying", async () => {
    const server = await serve({ faults: faultsByPath({ "/simple/alpha/": [{ status: 429, headers: { "Retry-After": "1" } }] }) });
    const started = Date.now();
    await gen({ path: alphaLock(server.simpleUrl) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it("gives up with a clear error when the index stays unreachable, and writes no output", async () => {
    const server = await serve({ faults: () => ({ status: 503 }) });
    const dir = alphaLock(server.simpleUrl);
    const out = join(dir, "out.nix");
    await expect(gen({ path: dir, output: out })).rejects.toThrow(
      `${server.simpleUrl}alpha/: the index stayed unreachable after 3 attempts (last: HTTP 503)`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it("times out a request that never answers", async () => {
    const server = await serve({ faults: () => "hang" });
    await expect(gen({ path: alphaLock(server.simpleUrl), http: { timeoutMs: 200, retries: 1, backoffMs: 5 } })).rejects.toThrow(
      /the index stayed unreachable after 2 attempts \(last: timed out\)/,
    );
  });

  it("answers from the cache on a warm run, and revalidates a stale entry with its ETag", async () => {
    const server = await serve();
    const cacheDir = tempDir();
    const dir = alphaLock(server.simpleUrl);
    const cold = await gen({ path: dir, cacheDir });
    const warm = await gen({ path: dir, cacheDir });
    expect(warm.nix).toBe(cold.nix);
    expect(warm.requests).toBe(0);
    expect(new DiskCache(cacheDir).get(`${server.simpleUrl}alpha/`)?.etag).toBeTruthy();
    // An hour later every answer is stale (the cache's and the run memo's): the next run asks with If-None-Match and gets 304.
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(Date.now() + 3_600_000);
      const revalidated = await gen({ path: dir, cacheDir });
      expect(revalidated.nix).toBe(cold.nix);
      expect(revalidated.requests).toBe(1);
      expect(server.requests.at(-1)?.status).toBe(304);
      // Revalidated, the answer is fresh again.
      expect((await gen({ path: dir, cacheDir })).requests).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it("discards a corrupt cache entry and fetches it again", async () => {
    const server = await serve();
    const cacheDir = tempDir();
    const dir = alphaLock(server.simpleUrl);
    await gen({ path: dir, cacheDir });
    const shard = join(cacheDir, "http-v2");
    for (const sub of readdirSync(shard)) {
      for (const f of readdirSync(join(shard, sub))) writeFileSync(join(shard, sub, f), readFileSync(join(shard, sub, f), "utf8").slice(0, 40));
    }
    // The run memo would answer first (test/run-memo.test.ts covers it): without it, the corrupt entry is what the run meets.
    rmSync(join(cacheDir, "runs"), { recursive: true });
    const again = await gen({ path: dir, cacheDir });
    expect(again.requests).toBe(1);
    expect(again.nix).toContain(server.fileUrl("alpha-1.0.0.tar.gz"));
  });

  it("still generates when the cache cannot be written, and says so", async () => {
    const server = await serve();
    const blocked = join(tempDir(), "not-a-folder");
    writeFileSync(blocked, "");
    const result = await gen({ path: alphaLock(server.simpleUrl), cacheDir: join(blocked, "cache") });
    expect(result.nix).toContain(server.fileUrl("alpha-1.0.0.tar.gz"));
    expect(result.warnings).toContainEqual(expect.stringMatching(/^the cache in .*not-a-folder\/cache could not be written \(ENOTDIR\); later runs will ask the index again$/));
  });

  it("works --offline from a warm cache and says what it lacks without one", async () => {
    const server = await serve();
    const cacheDir = tempDir();
    const lockDir = alphaLock(server.simpleUrl);
    const online = await gen({ path: lockDir, cacheDir });
    const offline = await gen({ path: lockDir, cacheDir, offline: true });
    expect(offline.nix).toBe(online.nix);
    expect(offline.requests).toBe(0);
    const cold = await gen({ path: lockDir, offline: true });
    expect(cold.requests).toBe(0);
    expect(cold.warnings.join("\n")).toContain("come from an index whose file URLs only it knows, and it was not asked; using PyPI's URLs for them");
  });

  it("names the files of a Poetry 0.12 lock (hashes only) by asking the index", async () => {
    const server = await serve();
    const dir = tempDir();
    writeFileSync(
      join(dir, "poetry.lock"),
      `[[package]]\ncategory = "main"\nname = "alpha"\nversion = "1.0.0"\noptional = false\npython-versions = "*"\n\n[metadata]\npython-versions = "^3.11"\ncontent-hash = "0"\n\n[metadata.hashes]\nalpha = ["${hashOf("alpha-1.0.0.tar.gz")}", "${"1".repeat(64)}"]\n`,
    );
    const { nix } = await gen({ path: dir, indexUrl: server.simpleUrl });
    expect(nix).toContain(`url = "${server.fileUrl("alpha-1.0.0.tar.gz")}";`);
    writeFileSync(join(dir, "poetry.lock"), readFileSync(join(dir, "poetry.lock"), "utf8").replace(hashOf("alpha-1.0.0.tar.gz"), "2".repeat(64)));
    await expect(gen({ path: dir, indexUrl: server.simpleUrl })).rejects.toThrow(
      `alpha 1.0.0: none of the lock's hashes matches a file on index default (${server.simpleUrl})`,
    );
  });

  it("ends a failure through the CLI with exit 1, the message, and no partial output file", async () => {
    const server = await serve({ faults: () => ({ status: 500 }) });
    const dir = alphaLock(server.simpleUrl);
    const out = join(dir, "lock.nix");
    let stderr = "";
    const env = process.env;
    process.env = { ...env, XDG_CACHE_HOME: tempDir() };
    try {
      const code = await main(["generate", dir, "-o", out, "--python", "3.11"], { stdout: () => {}, stderr: (t) => (stderr += t) });
      expect(code).toBe(1);
    } finally {
      process.env = env;
    }
    expect(stderr).toContain("the index stayed unreachable after 5 attempts (last: HTTP 500)");
    expect(existsSync(out)).toBe(false);
  }, 20_000);
});

describe("requirements files against loopback indexes", () => {
  it("finds a release on an --extra-index-url when the first index lacks it, and honours --only-binary", async () => {
    const first = await serve({ files: [FILES[0] as IndexFile] });
    const extra = await serve({ files: [file("beta", "2.0", "beta-2.0.tar.gz"), file("beta", "2.0", "beta-2.0-py3-none-any.whl")] });
    const dir = tempDir();
    writeFileSync(
      join(dir, "requirements.txt"),
      `--index-url ${first.simpleUrl}\n--extra-index-url ${extra.simpleUrl}\n--only-binary beta\nalpha==1.0.0\nbeta==2.0\n`,
    );
    const { nix } = await gen({ path: dir });
    expect(nix).toContain(`url = "${first.fileUrl("alpha-1.0.0.tar.gz")}";`);
    // --only-binary beta: the wheel, though lock2nix prefers sdists by default.
    expect(nix).toContain(`url = "${extra.fileUrl("beta-2.0-py3-none-any.whl")}";`);
    expect(nix).not.toContain("beta-2.0.tar.gz");
  });
});
