import { createHash } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/index.js";
import type { ParseError } from "../../src/errors.js";
import { generate, type GenerateOptions } from "../../src/generate.js";
import { parseIndexRedirect, redirectFor } from "../../src/index/redirect.js";
import { runCli } from "../support/cli.js";
import { closedPort, startIndexServer, type IndexFile, type IndexServer } from "../support/index-server.js";
import { CORPUS, SHARED_SKIP_REASON, tempDir } from "../helpers.js";

const content = (filename: string) => Buffer.from(`bytes of ${filename}`);
const sha = (filename: string) => createHash("sha256").update(content(filename)).digest("hex");
const NAMES = ["alpha", "beta", "gamma"];
const FILES: IndexFile[] = NAMES.map((name) => ({ name, version: "1.0", filename: `${name}-1.0.tar.gz`, content: content(`${name}-1.0.tar.gz`) }));

const servers: IndexServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(options: Partial<Parameters<typeof startIndexServer>[0]> = {}): Promise<IndexServer> {
  const server = await startIndexServer({ files: FILES, ...options });
  servers.push(server);
  return server;
}

/** A Poetry 2 project whose packages all come from the source `mirror` at `url`. */
function poetryOn(url: string, names = NAMES.slice(0, 1)): string {
  const dir = tempDir();
  const entries = names.map(
    (n) =>
      `[[package]]\nname = "${n}"\nversion = "1.0"\ndescription = ""\noptional = false\npython-versions = "*"\nfiles = [{file = "${n}-1.0.tar.gz", hash = "sha256:${sha(`${n}-1.0.tar.gz`)}"}]\n\n[package.source]\ntype = "legacy"\nurl = "${url}"\nreference = "mirror"\n`,
  );
  writeFileSync(join(dir, "poetry.lock"), `${entries.join("\n")}\n[metadata]\nlock-version = "2.0"\npython-versions = "^3.11"\ncontent-hash = "0"\n`);
  const deps = names.map((n) => `${n} = "*"`).join("\n");
  writeFileSync(join(dir, "pyproject.toml"), `[tool.poetry]\nname = "app"\nversion = "0"\n[tool.poetry.dependencies]\npython = "^3.11"\n${deps}\n[[tool.poetry.source]]\nname = "mirror"\nurl = "${url}"\n`);
  return dir;
}

/** A uv.lock whose registry (and every file URL) is `url`, which names no index: matched by URL. */
function uvOn(url: string): string {
  const dir = tempDir();
  const f = "alpha-1.0.tar.gz";
  writeFileSync(
    join(dir, "uv.lock"),
    `version = 1\nrequires-python = ">=3.11"\n\n[[package]]\nname = "alpha"\nversion = "1.0"\nsource = { registry = "${url}" }\nsdist = { url = "${url.replace(/simple\/?$/, "packages")}/${f}", hash = "sha256:${sha(f)}" }\n\n[[package]]\nname = "app"\nversion = "0"\nsource = { virtual = "." }\ndependencies = [{ name = "alpha" }]\n`,
  );
  writeFileSync(join(dir, "pyproject.toml"), `[project]\nname = "app"\nversion = "0"\nrequires-python = ">=3.11"\ndependencies = ["alpha"]\n`);
  return dir;
}

const gen = (options: GenerateOptions) =>
  generate({ cacheDir: tempDir(), python: "3.11", systems: ["x86_64-linux"], inspect: false, http: { retries: 4, backoffMs: 5 }, ...options });


describe("--index NAME=URL", () => {
  it("reads NAME=URL and URL=URL, and refuses anything else naming the option", () => {
    expect(parseIndexRedirect("aliyun=http://127.0.0.1:1/simple")).toEqual({ match: "aliyun", url: "http://127.0.0.1:1/simple" });
    expect(parseIndexRedirect("https://mirrors.aliyun.com/pypi/simple=https://proxy.example/simple?a=b")).toEqual({
      match: "https://mirrors.aliyun.com/pypi/simple",
      url: "https://proxy.example/simple?a=b",
    });
    expect(() => parseIndexRedirect("aliyun")).toThrow(
      "--index aliyun: expected NAME=URL (an index name or URL the lock names, then the http(s) URL to ask instead)",
    );
    expect(() => parseIndexRedirect("aliyun=ftp://x/simple")).toThrow("--index aliyun=ftp://x/simple: expected NAME=URL");
    expect(() => parseIndexRedirect("=http://x/simple")).toThrow("--index =http://x/simple: expected NAME=URL");
  });

  it("matches a name in any case, a URL with or without its trailing slash or credentials, `pypi` for PyPI; the last given wins", () => {
    const to = (url: string) => ({ match: "m", url });
    const r = [
      { match: "Aliyun", url: "http://a/simple" },
      { match: "https://Mirror.example/simple/", url: "http://b/simple" },
      { match: "pypi", url: "http://c/simple" },
      { match: "aliyun", url: "http://d/simple" },
    ];
    expect(redirectFor(r, { name: "aliyun", url: "https://mirrors.aliyun.com/pypi/simple" })?.url).toBe("http://d/simple");
    expect(redirectFor(r, { url: "https://user:pw@mirror.example/simple" })?.url).toBe("http://b/simple");
    expect(redirectFor(r, { url: "https://pypi.org/simple/" })?.url).toBe("http://c/simple");
    expect(redirectFor(r, { name: "other", url: "https://other.example/simple" })).toBeUndefined();
    expect(redirectFor([to("http://x")], { url: "https://mirror.example/simple" })).toBeUndefined();
  });

  it("asks the loopback index in place of the source the lock names, by name, and records it in the header", async () => {
    const server = await serve();
    const { nix } = await gen({ path: poetryOn("https://mirrors.aliyun.invalid/pypi/simple"), indexes: [{ match: "mirror", url: server.simpleUrl }] });
    expect(nix).toContain(`url = "${server.fileUrl("alpha-1.0.tar.gz")}";`);
    expect(nix).not.toContain("aliyun");
    expect(nix).toContain(`# option indexes: mirror=${server.simpleUrl}`);
    expect(server.requests.map((r) => r.path)).toEqual(["/simple/alpha/"]);
  });

  it("matches a uv.lock's registry by URL, and takes file URLs from the index asked, not the lock's", async () => {
    const server = await serve();
    const dir = uvOn("https://mirrors.aliyun.invalid/pypi/simple");
    const { nix } = await gen({ path: dir, indexes: [{ match: "https://mirrors.aliyun.invalid/pypi/simple/", url: server.simpleUrl }] });
    expect(nix).toContain(`url = "${server.fileUrl("alpha-1.0.tar.gz")}";`);
    expect(nix).not.toContain("mirrors.aliyun.invalid/pypi/packages");
  });

  it("sends the credentials found by the lock's index name to the index asked instead", async () => {
    const server = await serve({ basicAuth: { username: "ci", password: "t0ken" } });
    process.env["LOCK2NIX_INDEX_MIRROR_USERNAME"] = "ci";
    process.env["LOCK2NIX_INDEX_MIRROR_PASSWORD"] = "t0ken";
    try {
      const { nix } = await gen({ path: poetryOn("https://mirrors.aliyun.invalid/pypi/simple"), indexes: [{ match: "mirror", url: server.simpleUrl }] });
      expect(nix).toContain(server.fileUrl("alpha-1.0.tar.gz"));
      expect(nix).not.toContain("t0ken");
    } finally {
      delete process.env["LOCK2NIX_INDEX_MIRROR_USERNAME"];
      delete process.env["LOCK2NIX_INDEX_MIRROR_PASSWORD"];
    }
  });

  it("works from the command line (repeatable), and a malformed value is wrong usage", async () => {
    const server = await serve();
    const dir = poetryOn("https://mirrors.aliyun.invalid/pypi/simple");
    const argv = ["generate", dir, "-o", "-", "--python", "3.11", "--system", "x86_64-linux", "--no-inspect", "--no-audit"];
    const ok = await runCli([...argv, "--index", "other=http://127.0.0.1:9/simple", "--index", `mirror=${server.simpleUrl}`]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(server.fileUrl("alpha-1.0.tar.gz"));
    for (const command of ["audit", "sbom"]) {
      const other = await runCli([command, dir, "--offline", "--index", "mirror"]);
      expect([other.code, other.stderr.split("\n")[0]], command).toEqual([2, "lock2nix: error: --index mirror: expected NAME=URL (an index name or URL the lock names, then the http(s) URL to ask instead)"]);
    }
    // sbom asks the index given in place of the lock's, as generate does.
    const sbomRun = await runCli(["sbom", dir, "--python", "3.11", "--system", "x86_64-linux", "--index", `mirror=${server.simpleUrl}`]);
    expect(sbomRun.code, sbomRun.stderr).toBe(0);
    expect(sbomRun.stdout).toContain(server.fileUrl("alpha-1.0.tar.gz"));
    const bad = await runCli([...argv, "--index", "mirror"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("lock2nix: error: --index mirror: expected NAME=URL (an index name or URL the lock names, then the http(s) URL to ask instead)\nRun `lock2nix help generate` for usage.\n");
  });

  it("is read from lock2nix.yaml, at the top for every project and per project, with errors at the value's line", () => {
    const text = `indexes:\n  mirror: http://127.0.0.1:1/simple\nprojects:\n  - name: a\n    lock: a\n    output: a.nix\n    indexes:\n      pypi: http://127.0.0.1:2/simple\n  - name: b\n    lock: b\n    output: b.nix\n`;
    const config = parseConfig(text, join(tempDir(), "lock2nix.yaml"));
    expect(config.projects.map((p) => p.indexes)).toEqual([
      [
        { match: "mirror", url: "http://127.0.0.1:1/simple" },
        { match: "pypi", url: "http://127.0.0.1:2/simple" },
      ],
      [{ match: "mirror", url: "http://127.0.0.1:1/simple" }],
    ]);
    const bad = (() => {
      try {
        parseConfig(text.replace("http://127.0.0.1:2/simple", "file:///srv/simple"), "/p/lock2nix.yaml");
      } catch (err) {
        return (err as ParseError).format();
      }
    })();
    expect(bad).toBe("/p/lock2nix.yaml:8:13: projects[0].indexes pypi: file:///srv/simple is not an http(s) URL");
  });
});

describe.skipIf(SHARED_SKIP_REASON)("the corpus' locks on an aliyun mirror", () => {
  const offline = (name: string, indexes: GenerateOptions["indexes"] = []) =>
    generate({ path: join(CORPUS, name), offline: true, cacheDir: tempDir(), systems: ["x86_64-linux"], inspect: false, ...(indexes.length ? { indexes } : {}) });

  it.each([
    ["poetry-jumpserver", "aliyun"],
    ["uv-jumpserver", "https://mirrors.aliyun.com/pypi/simple/"],
  ])("%s, its mirror (%s) redirected to PyPI offline, gets PyPI's predicted URLs, without a guess", async (name, match) => {
    const before = await offline(name);
    // Without the redirect: the mirror's URLs from the lock (uv), or PyPI's guessed with a warning (Poetry names no URLs).
    expect(before.nix.includes("mirrors.aliyun.com/pypi/packages") || before.warnings.join("\n").includes("whose file URLs only it knows")).toBe(true);
    const { nix, warnings } = await offline(name, [{ match, url: "https://pypi.org/simple" }]);
    expect(nix).not.toContain("mirrors.aliyun.com/pypi/packages");
    expect(nix).toContain("url = \"https://files.pythonhosted.org/packages/");
    expect(warnings.join("\n")).not.toContain("whose file URLs only it knows");
  });
});

describe("an index that cannot be reached fails fast, naming it", () => {
  it("a refused 127.0.0.1 port: two attempts for the first package, none for the others", async () => {
    const port = await closedPort();
    const retries: string[] = [];
    const url = `http://127.0.0.1:${port}/simple`;
    await expect(gen({ path: poetryOn(url, NAMES), jobs: 1, onInfo: (m) => retries.push(m) })).rejects.toThrow(
      `index mirror (${url}) cannot be reached: 127.0.0.1:${port}: connection refused; check its URL and the network, or ask another index in its place with --index mirror=URL`,
    );
    // Without the fail-fast path each of the three packages would be tried (and retried) in turn.
    expect(retries).toEqual([expect.stringMatching(new RegExp(`^${url}/alpha/: connection refused; retrying in \\d+ ms \\(attempt 2 of 5\\)$`))]);
  });

  it("a redirect to a refused port names the lock's index and the URL asked (credentials removed)", async () => {
    const port = await closedPort();
    await expect(
      gen({ path: poetryOn("https://mirrors.aliyun.invalid/pypi/simple"), indexes: [{ match: "mirror", url: `http://user:pw@127.0.0.1:${port}/simple` }] }),
    ).rejects.toThrow(`index mirror (http://127.0.0.1:${port}/simple) cannot be reached: 127.0.0.1:${port}: connection refused`);
  });

  it("a host in .invalid (which never resolves) is reported after its first attempt, without retries", async () => {
    const retries: string[] = [];
    const url = "http://mirror.lock2nix.invalid/simple";
    await expect(gen({ path: poetryOn(url, NAMES), jobs: 1, onInfo: (m) => retries.push(m) })).rejects.toThrow(
      `index mirror (${url}) cannot be reached: mirror.lock2nix.invalid: the host name does not resolve; check its URL and the network, or ask another index in its place with --index mirror=URL`,
    );
    expect(retries).toEqual([]);
    // Through the CLI: one line naming the lockfile and the index, exit 1, no output.
    const dir = poetryOn(url);
    const r = await runCli(["generate", dir, "-o", join(dir, "lock.nix"), "--python", "3.11", "--no-inspect", "--no-audit"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `lock2nix: error: ${join(dir, "poetry.lock")}: index mirror (${url}) cannot be reached: mirror.lock2nix.invalid: the host name does not resolve; check its URL and the network, or ask another index in its place with --index mirror=URL\n`,
    );
    expect(existsSync(join(dir, "lock.nix"))).toBe(false);
  });
});
