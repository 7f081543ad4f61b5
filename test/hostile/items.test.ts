// Issue #12, item by item: code from a lock, leaked secrets, files outside the
// project, output over input, crashes, bounds, proxies and refusals.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { connect as netConnect, createServer as createTcpServer, type Server } from "node:net";
import { createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { HttpClient } from "../../src/index/http.js";
import { gitSourceHash } from "../../src/index/git.js";
import { forgetSecrets, redact, registerSecret, urlForNix } from "../../src/redact.js";
import { HAVE_NIX, NIX_SKIP_REASON, nixParse, tempDir } from "../helpers.js";
import { closedPort, startIndexServer } from "../support/index-server.js";

const SIX = "1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926";
const SIX_URL = "https://files.pythonhosted.org/packages/71/39/171f1c67cd00715f190ba0b100d606d440a28c93c7714febeca8b79af85e/six-1.16.0.tar.gz";

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

/** A folder holding `files` (name -> text). */
function project(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const pylock = (extra = "", name = "six", version = "1.16.0") => `lock-version = "1.0"
created-by = "test"
requires-python = ">=3.11"
${extra}
[[packages]]
name = "${name}"
version = "${version}"
sdist = { url = "${SIX_URL}", hashes = { sha256 = "${SIX}" } }
`;

const servers: Array<{ close: () => unknown }> = [];
let savedEnv: NodeJS.ProcessEnv;
beforeEach(() => {
  savedEnv = { ...process.env };
  process.env["XDG_CACHE_HOME"] = tempDir();
});
afterEach(async () => {
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  Object.assign(process.env, savedEnv);
  forgetSecrets();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const noStackTrace = (text: string) => expect(text).not.toMatch(/^\s+at /m);

describe("1. text from the lock's file name", () => {
  it.skipIf(NIX_SKIP_REASON)("cannot start a line of Nix code in the header", async () => {
    // No dot but the last: a name PEP 751 allows (`pylock.<name>.toml`).
    const name = 'pylock.x\nassert (throw "pwned");\n#.toml';
    const dir = project({ [name]: pylock() });
    const out = join(dir, "out.nix");
    const r = await cli("generate", join(dir, name), "-o", out, "--offline");
    expect(r.stderr).not.toContain("error");
    expect(r.code).toBe(0);
    const text = readFileSync(out, "utf8");
    const header = text.slice(0, text.indexOf("\n{"));
    for (const line of header.split("\n")) expect(line).toMatch(/^# /);
    expect(header).toContain('from pylock.x\\u{a}assert (throw "pwned");\\u{a}#.toml.');
    nixParse(out);
  });
});

describe("2. JS replacement patterns in lock strings", () => {
  it("reach the output literally, wherever they are", async () => {
    const url = "https://example.com/a$$b/$&/$`/$'/six-1.16.0.tar.gz";
    const dir = project({ "pylock.toml": pylock().replace(SIX_URL, () => url) });
    const out = join(dir, "out.nix");
    const r = await cli("generate", dir, "-o", out, "--offline");
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out, "utf8")).toContain(`url = "${url}";`);
    if (HAVE_NIX) nixParse(out);
  });
});

describe("3. files named by includes", () => {
  it("are read only inside the project folder, and never quoted from outside it", async () => {
    process.env["LOCK2NIX_INDEX_X_PASSWORD"] = "hunter2-in-the-environment";
    for (const line of ["-r /proc/self/environ", "-c /etc/passwd", "-r ../../../../../../etc/passwd", "-r file:///etc/passwd", "foo @ file:///etc/passwd"]) {
      const dir = project({ "requirements.txt": `${line}\n` });
      const r = await cli("generate", dir, "-o", join(dir, "out.nix"), "--offline");
      expect(r.code, line).toBe(1);
      expect(r.stderr).toMatch(/outside the project folder .* `--allow-path \/\S*` allows it\)/);
      expect(r.stderr).not.toContain("hunter2");
      expect(r.stderr).not.toContain("root:x:0:0");
      expect(existsSync(join(dir, "out.nix"))).toBe(false);
    }
  });

  it("inside the project, or allowed by --allow-path, are read", async () => {
    const shared = project({ "base.txt": `six==1.16.0 --hash=sha256:${SIX}\n` });
    const dir = project({ "requirements.txt": `-r ${join(shared, "base.txt")}\n` });
    expect((await cli("generate", dir, "--offline")).code).toBe(1);
    const r = await cli("generate", dir, "--offline", "--allow-path", shared);
    expect(r.stderr).not.toContain("outside the project");
  });

  it("a symlink inside the project that points outside it counts as outside", async () => {
    const dir = project({ "requirements.txt": "-r base.txt\n" });
    symlinkSync("/etc/passwd", join(dir, "base.txt"));
    const r = await cli("generate", dir, "--offline");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cannot read requirements file");
    expect(r.stderr).toContain("outside the project folder");
  });
});

describe("4. path sources outside the project", () => {
  const uv = (source: string) => `version = 1
requires-python = ">=3.11"

[[package]]
name = "app"
version = "0.1.0"
source = { virtual = "." }
dependencies = [{ name = "evil" }]

[[package]]
name = "evil"
version = "1.0"
source = ${source}
`;
  it.each([
    ["uv path", { "uv.lock": uv('{ path = "/etc/passwd" }') }, "/etc/passwd"],
    ["uv directory", { "uv.lock": uv('{ directory = "../../../../../../../etc" }') }, "../../../../../../../etc"],
    [
      "poetry file",
      {
        "poetry.lock": `[[package]]\nname = "evil"\nversion = "1.0"\ndescription = ""\noptional = false\npython-versions = "*"\nfiles = []\n\n[package.source]\ntype = "file"\nurl = "../../../../../../../etc/passwd"\n\n[metadata]\nlock-version = "2.0"\npython-versions = "^3.11"\ncontent-hash = "0"\n`,
        "pyproject.toml": `[tool.poetry]\nname = "app"\nversion = "0"\n[tool.poetry.dependencies]\npython = "^3.11"\nevil = {path = "../../../../../../../etc/passwd"}\n`,
      },
      "../../../../../../../etc/passwd",
    ],
  ])("are refused (%s), and nothing is written", async (_kind, files, shown) => {
    const dir = project(files);
    const out = join(dir, "out.nix");
    const r = await cli("generate", dir, "-o", out, "--offline");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`evil 1.0 is a local `);
    expect(r.stderr).toContain(` dependency at ${shown}: it is outside the project folder `);
    expect(existsSync(out)).toBe(false);
  });
});

describe("5. credentials", () => {
  it("are redacted in clear, percent-encoded and as values learnt from the environment", () => {
    registerSecret("tok-3n-v@lue");
    expect(redact("see https://alice:s3cr%40t@pkgs.example.com/simple/ now")).toBe("see https://alice:***@pkgs.example.com/simple/ now");
    expect(redact("git+https://ghp_abcdef123@github.com/o/r")).toBe("git+https://***@github.com/o/r");
    expect(redact("pkg:pypi/x@1?repository_url=https%3A%2F%2Falice%3As3cr%2540t%40pkgs.example.com")).toBe("pkg:pypi/x@1?repository_url=https%3A%2F%2F***%40pkgs.example.com");
    expect(redact("token tok-3n-v@lue and tok-3n-v%40lue")).toBe("token *** and ***");
    // ssh user names are no secret; Nix output keeps them and nothing else.
    expect(urlForNix("ssh://git@github.com/o/r")).toBe("ssh://git@github.com/o/r");
    expect(urlForNix("https://alice:pw@pkgs.example.com/f.tar.gz")).toBe("https://pkgs.example.com/f.tar.gz");
  });

  it("of a Pipfile.lock source never reach stderr, --json, sbom or the Nix", async () => {
    const index = await startIndexServer({
      files: [{ name: "six", version: "1.16.0", filename: "six-1.16.0.tar.gz", content: Buffer.from("six sdist") }],
      basicAuth: { username: "alice", password: "pa55-w0rd!" },
    });
    servers.push(index);
    const hash = execFileSync("sha256sum", { input: "six sdist" }).toString().split(" ")[0] as string;
    process.env["SIX_INDEX_TOKEN"] = "pa55-w0rd!";
    const host = index.url.replace("http://", "");
    const lock = JSON.stringify({
      _meta: {
        hash: { sha256: "0" },
        "pipfile-spec": 6,
        requires: { python_version: "3.12" },
        sources: [{ name: "private", url: `http://alice:\${SIX_INDEX_TOKEN}@${host}/simple`, verify_ssl: false }],
      },
      default: { six: { hashes: [`sha256:${hash}`], index: "private", version: "==1.16.0" }, ghost: { hashes: [`sha256:${"0".repeat(64)}`], index: "private", version: "==1.0" } },
      develop: {},
    });
    const dir = project({ "Pipfile.lock": lock });
    const out = join(dir, "out.nix");
    const leaks = (text: string) => {
      expect(text).not.toContain("pa55-w0rd");
      expect(text).not.toContain("pa55-w0rd%21");
      expect(text).not.toContain("SIX_INDEX_TOKEN}@");
    };
    const failing = await cli("generate", dir, "-o", out, "--json", "--no-inspect");
    leaks(failing.stdout + failing.stderr);
    expect(failing.stdout).toContain("ghost");
    const sbomRun = await cli("sbom", dir);
    leaks(sbomRun.stdout + sbomRun.stderr);
    writeFileSync(join(dir, "Pipfile.lock"), lock.replace(/,"ghost":\{[^}]*\}/, ""));
    const ok = await cli("generate", dir, "-o", out, "--json", "--no-inspect");
    expect(ok.code, ok.stderr).toBe(0);
    leaks(ok.stdout + ok.stderr + readFileSync(out, "utf8"));
  });
});

describe("6. an output that is an input", () => {
  it("is refused before anything is read or written, and the input is intact", async () => {
    const lockText = pylock();
    const dir = project({ "pylock.toml": lockText, "pyproject.toml": "[project]\nname = 'x'\n", "uv.lock": "keep" });
    const lockPath = join(dir, "pylock.toml");
    const cases: Array<[string[], RegExp]> = [
      [["generate", lockPath, "-o", join(dir, "pylock.toml"), "--offline"], /^lock2nix: error: -o \S+pylock\.toml: refusing to write over \S+pylock\.toml, an input of this run; choose another output file\n/],
      [["generate", lockPath, "-o", join(dir, "pyproject.toml"), "--offline"], /-o \S+pyproject\.toml: refusing to write over a project file \(pyproject\.toml\)/],
      [["generate", lockPath, "-o", join(dir, "uv.lock"), "--offline"], /refusing to write over a lockfile \(uv\.lock\)/],
      [["sbom", lockPath, "-o", join(dir, "uv.lock"), "--offline"], /-o \S+uv\.lock: refusing to write over a lockfile/],
      [["audit", lockPath, "--sarif", join(dir, "uv.lock"), "--offline"], /--sarif \S+uv\.lock: refusing to write over a lockfile/],
      [["audit", lockPath, "--sarif", dir, "--offline"], /--sarif \S+: is a folder; give a file name/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(readFileSync(join(dir, "pylock.toml"), "utf8")).toBe(lockText);
    expect(readFileSync(join(dir, "uv.lock"), "utf8")).toBe("keep");
    expect(readdirSync(dir).sort()).toEqual(["pylock.toml", "pyproject.toml", "uv.lock"]);
  });

  it("in a lock2nix.yaml project fails that project and keeps the lock", async () => {
    const dir = project({ "app/pylock.toml": pylock(), "lock2nix.yaml": "projects:\n  - name: app\n    lock: app/pylock.toml\n    output: app/pylock.toml\n" });
    const r = await cli("generate", "--config", join(dir, "lock2nix.yaml"), "--offline");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("app: output");
    expect(r.stderr).toContain("refusing to write over");
    expect(readFileSync(join(dir, "app/pylock.toml"), "utf8")).toBe(pylock());
  });
});

describe("7. faults that crashed", () => {
  it("a direct-URL download: reset, truncation, refusal, 503 (retried) all end in one error line", async () => {
    const content = Buffer.from("an archive");
    const index = await startIndexServer({
      files: [{ name: "pkg", version: "1.0", filename: "pkg-1.0.zip", content }],
      faults: (req) => (req.path.endsWith("/pkg-1.0.zip") ? ([{ status: 503 }, "reset", "truncate", "reset", "truncate"] as const)[req.attempt - 1] : undefined),
    });
    servers.push(index);
    const dir = project({ "requirements.txt": `pkg @ ${index.fileUrl("pkg-1.0.zip")}\n` });
    const out = join(dir, "out.nix");
    const r = await cli("generate", dir, "-o", out, "--no-inspect");
    expect(r.code).toBe(1);
    noStackTrace(r.stderr);
    expect(r.stderr).toBe(
      `lock2nix: error: ${join(dir, "requirements.txt")}: package pkg: pkg 1.0: hashing pkg-1.0.zip: ${index.fileUrl("pkg-1.0.zip")}: the download failed after 5 attempts (last: the download was cut off (connection reset))\n`,
    );
    expect(existsSync(out)).toBe(false);
    // With one fault fewer than the attempts, the retries carry it.
    const later = await startIndexServer({
      files: [{ name: "pkg", version: "1.0", filename: "pkg-1.0.zip", content }],
      faults: (req) => (req.path.endsWith("/pkg-1.0.zip") ? ([{ status: 503 }, "truncate"] as const)[req.attempt - 1] : undefined),
    });
    servers.push(later);
    writeFileSync(join(dir, "requirements.txt"), `pkg @ ${later.fileUrl("pkg-1.0.zip")}\n`);
    const ok = await cli("generate", dir, "-o", out, "--no-inspect");
    expect(ok.code, ok.stderr).toBe(0);
    const sri = `sha256-${createHash("sha256").update(content).digest("base64")}`;
    expect(readFileSync(out, "utf8")).toContain(`hash = "${sri}";`);
  });

  it("a connection refused on a direct URL is reported after two attempts", async () => {
    const port = await closedPort();
    const dir = project({ "requirements.txt": `pkg @ http://127.0.0.1:${port}/pkg-1.0.zip\n` });
    const started = Date.now();
    const r = await cli("generate", dir, "--no-inspect");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`127.0.0.1:${port} cannot be reached (connection refused); check the URL, or the network`);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("a Pipfile.lock version that is not PEP 440 names the package, and leaves no temporary file", async () => {
    const cache = process.env["XDG_CACHE_HOME"] as string;
    const dir = project({
      "Pipfile.lock": JSON.stringify({ _meta: { "pipfile-spec": 6, sources: [] }, default: { foo: { hashes: [`sha256:${SIX}`], version: "==1.0e5" } }, develop: {} }),
    });
    const r = await cli("generate", dir, "-o", join(dir, "out.nix"), "--offline");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('lock2nix: error: ' + join(dir, "Pipfile.lock") + ': package foo: foo: version "1.0e5" is not a PEP 440 version\n');
    const leftovers = existsSync(cache) ? execFileSync("find", [cache, "-name", "*.tmp"]).toString() : "";
    expect(leftovers).toBe("");
  });

  it("2,000 nested parentheses in a marker are a parse error, not a stack overflow", async () => {
    const marker = `${"(".repeat(2000)}python_version >= "3"${")".repeat(2000)}`;
    const dir = project({ "requirements.txt": `six==1.16.0 ; ${marker} --hash=sha256:${SIX}\n` });
    const r = await cli("generate", dir, "--offline");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Markers nest deeper than 100 parentheses");
    expect(r.stderr.length).toBeLessThan(2000);
    noStackTrace(r.stderr);
  });

  it("a pyproject.toml that is a folder, and a lock that is a folder, are named", async () => {
    const dir = project({ "poetry.lock": `[metadata]\nlock-version = "2.0"\npython-versions = "^3.11"\ncontent-hash = "0"\n` });
    mkdirSync(join(dir, "pyproject.toml"));
    const r = await cli("generate", dir, "--offline");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("is a folder, not a file");
    const lockDir = project({});
    mkdirSync(join(lockDir, "x.lock"));
    const r2 = await cli("generate", join(lockDir, "x.lock"), "--format", "poetry", "--offline");
    expect(r2.stderr).toBe(`lock2nix: error: ${join(lockDir, "x.lock")}: no lockfile found in this folder (looked for poetry.lock)\n`);
  });

  it("sbom -o into a folder that does not exist makes it", async () => {
    const dir = project({ "pylock.toml": pylock() });
    const target = join(dir, "out", "deeper", "sbom.json");
    const r = await cli("sbom", dir, "-o", target, "--offline");
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(target, "utf8")).bomFormat).toBe("CycloneDX");
  });
});

describe("8. bounds", () => {
  it("a lock that is too large, a device or a FIFO is refused at once", async () => {
    const dir = project({});
    const big = join(dir, "requirements.txt");
    writeFileSync(big, "");
    truncateSync(big, 65 * 1024 * 1024);
    expect((await cli("generate", dir, "--offline")).stderr).toBe(`lock2nix: error: cannot read ${big}: larger than the 64 MiB lock2nix reads\n`);
    const zero = project({});
    symlinkSync("/dev/zero", join(zero, "uv.lock"));
    expect((await cli("generate", join(zero, "uv.lock"), "--offline")).stderr).toBe(
      `lock2nix: error: cannot read ${join(zero, "uv.lock")}: not a regular file (a device, FIFO or socket)\n`,
    );
    const fifo = project({});
    execFileSync("mkfifo", [join(fifo, "poetry.lock")]);
    expect((await cli("generate", join(fifo, "poetry.lock"), "--offline")).stderr).toBe(
      `lock2nix: error: cannot read ${join(fifo, "poetry.lock")}: not a regular file (a device, FIFO or socket)\n`,
    );
  });

  it("a run memo replaced by a symlink to /dev/zero is ignored", async () => {
    const dir = project({ "pylock.toml": pylock() });
    expect((await cli("generate", dir, "--offline")).code).toBe(0);
    const runs = join(process.env["XDG_CACHE_HOME"] as string, "lock2nix", "runs");
    for (const memo of readdirSync(runs)) {
      execFileSync("rm", [join(runs, memo)]);
      symlinkSync("/dev/zero", join(runs, memo));
    }
    const r = await cli("generate", dir, "--offline");
    expect(r.code, r.stderr).toBe(0);
  });

  it("a server dripping bytes is cut off at the request's deadline", async () => {
    const server = createHttpServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
      const timer = setInterval(() => res.write(" "), 100);
      res.on("close", () => clearInterval(timer));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    servers.push({ close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) });
    const http = new HttpClient({ deadlineMs: 800, retries: 1, backoffMs: 10 });
    const started = Date.now();
    await expect(http.get(`http://127.0.0.1:${(server.address() as AddressInfo).port}/simple/x/`)).rejects.toThrow(
      /the index stayed unreachable after 2 attempts \(last: the response was cut off \(took longer than lock2nix allows one request\)\)/,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    await http.close();
  });

  it("Retry-After longer than lock2nix waits fails at once, naming the wait", async () => {
    const index = await startIndexServer({ files: [], faults: () => ({ status: 503, headers: { "Retry-After": "3600" } }) });
    servers.push(index);
    const http = new HttpClient({ backoffMs: 10 });
    const started = Date.now();
    await expect(http.get(`${index.simpleUrl}six/`)).rejects.toThrow(/HTTP 503, and the server asks to retry after 3600 s, longer than lock2nix waits \(60 s\)/);
    expect(Date.now() - started).toBeLessThan(2_000);
    await http.close();
  });

  it("a host whose name does not resolve is reported after its first attempt", async () => {
    const lookup = (_host: string, _opts: unknown, cb: (err: Error) => void) => cb(Object.assign(new Error("getaddrinfo ENOTFOUND mirror.example"), { code: "ENOTFOUND" }));
    const http = new HttpClient({ connect: { lookup }, backoffMs: 10 });
    await expect(http.get("http://mirror.example/simple/six/")).rejects.toThrow(
      "http://mirror.example/simple/six/: mirror.example cannot be reached (the host name does not resolve); check the URL, or the network",
    );
    expect(http.requests).toBe(1);
    await http.close();
  });

  it("a git server that accepts and never answers is stopped at the deadline", async () => {
    const sockets: Array<{ destroy: () => void }> = [];
    const server: Server = createTcpServer((socket) => void sockets.push(socket));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    servers.push({ close: () => new Promise((r) => { sockets.forEach((s) => s.destroy()); server.close(r); }) });
    const started = Date.now();
    await expect(
      gitSourceHash({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/repo.git`, commit: "a".repeat(40), cacheDir: tempDir(), timeoutMs: 1500 }),
    ).rejects.toThrow(/lock2nix stopped git after 2 s without an end/);
    expect(Date.now() - started).toBeLessThan(8_000);
  });
});

describe("8. retries are the same for git", () => {
  it("a fetch that broke off is tried again; a repository that is not there is not", async () => {
    const repo = tempDir();
    const run = (...args: string[]) =>
      execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: repo, encoding: "utf8", env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1" } }).trim();
    run("init", "-q");
    writeFileSync(join(repo, "setup.py"), "print('hi')\n");
    run("add", ".");
    run("commit", "-q", "-m", "one");
    const commit = run("rev-parse", "HEAD");
    // A git that breaks off its first two fetches the way a dropped connection does (one more than the fallback fetch covers).
    const marks = tempDir();
    const flaky = join(tempDir(), "flaky-git");
    writeFileSync(
      flaky,
      `#!/bin/sh\ncase " $* " in *" fetch "*) for n in 1 2; do if [ ! -e ${marks}/$n ]; then : > ${marks}/$n; echo "fatal: early EOF" >&2; exit 128; fi; done;; esac\nexec git "$@"\n`,
      { mode: 0o755 },
    );
    await expect(gitSourceHash({ url: `file://${repo}`, commit, cacheDir: tempDir(), git: flaky })).resolves.toMatch(/^sha256-/);
    expect(readdirSync(marks).sort()).toEqual(["1", "2"]);
    const missing = `file://${join(repo, "nope")}`;
    await expect(gitSourceHash({ url: missing, commit, cacheDir: tempDir() })).rejects.toThrow(/repository unreachable/);
  });
});

describe("9. redirects", () => {
  it("go through HTTP_PROXY for the new host too, and credentials go only to their origin", async () => {
    const auth: Record<string, string | undefined> = {};
    const target = createHttpServer((req, res) => {
      auth["target"] = req.headers.authorization;
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("ok");
    });
    await new Promise<void>((r) => target.listen(0, "127.0.0.1", r));
    const targetPort = (target.address() as AddressInfo).port;
    const origin = createHttpServer((req, res) => {
      auth["origin"] = req.headers.authorization;
      res.writeHead(302, { location: `http://localhost:${targetPort}/simple/` });
      res.end();
    });
    await new Promise<void>((r) => origin.listen(0, "127.0.0.1", r));
    const originPort = (origin.address() as AddressInfo).port;
    // A CONNECT proxy (undici tunnels every request through one) that records where each went.
    const tunnels: string[] = [];
    const proxy = createHttpServer();
    proxy.on("connect", (req, client, head) => {
      tunnels.push(req.url ?? "");
      const [host, port] = (req.url ?? "").split(":");
      const upstream = netConnect(Number(port), host === "localhost" ? "127.0.0.1" : (host as string), () => {
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on("error", () => client.destroy());
      client.on("error", () => upstream.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    for (const s of [target, origin, proxy]) servers.push({ close: () => new Promise((r) => { s.closeAllConnections(); s.close(r); }) });
    process.env["HTTP_PROXY"] = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    for (const v of ["NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "http_proxy"]) delete process.env[v];
    const http = new HttpClient({ retries: 0 });
    const res = await http.get(`http://127.0.0.1:${originPort}/simple/`, { credentials: { username: "u", password: "p" } });
    await http.close();
    expect(res.status).toBe(200);
    expect(tunnels).toEqual([`127.0.0.1:${originPort}`, `localhost:${targetPort}`]);
    expect(auth["origin"]).toBe(`Basic ${Buffer.from("u:p").toString("base64")}`);
    expect(auth["target"]).toBeUndefined();
  });
});

describe("10. refusals", () => {
  it("the hash stop names the file and both hashes", async () => {
    const content = Buffer.from("six on the index");
    const index = await startIndexServer({ files: [{ name: "six", version: "1.16.0", filename: "six-1.16.0.tar.gz", content }] });
    servers.push(index);
    const onIndex = execFileSync("sha256sum", { input: content }).toString().split(" ")[0] as string;
    const dir = project({
      "poetry.lock": `[[package]]\nname = "six"\nversion = "1.16.0"\ndescription = ""\noptional = false\npython-versions = "*"\nfiles = [{file = "six-1.16.0.tar.gz", hash = "sha256:${SIX}"}]\n\n[package.source]\ntype = "legacy"\nurl = "${index.simpleUrl}"\nreference = "local"\n\n[metadata]\nlock-version = "2.0"\npython-versions = "^3.11"\ncontent-hash = "0"\n`,
      "pyproject.toml": `[tool.poetry]\nname = "app"\nversion = "0"\n[tool.poetry.dependencies]\npython = "^3.11"\nsix = "*"\n`,
    });
    const r = await cli("generate", dir, "--no-inspect");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`six 1.16.0: six-1.16.0.tar.gz has sha256 ${SIX} in the lock but ${onIndex} on index local`);
  });

  // TOML itself refuses a NUL: the JSON of a uv-less Pipfile.lock can hold one.
  const pipfile = (v: string) => ({
    "Pipfile.lock": JSON.stringify({ _meta: { "pipfile-spec": 6, sources: [] }, default: { six: { hashes: [`sha256:${SIX}`], version: `==${v}` } }, develop: {} }),
  });
  it.each([
    ["", '""', { "pylock.toml": pylock("", "six", "") }],
    ["0.3\u0000", '"0.3\\u0000"', pipfile("0.3\u0000")],
    ["0.3; rm -rf /", '"0.3; rm -rf /"', { "pylock.toml": pylock("", "six", "0.3; rm -rf /") }],
  ])("a version such as %j is refused", async (_version, shown, files) => {
    const dir = project(files);
    const r = await cli("generate", dir, "--offline");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`six: version ${shown} is not a PEP 440 version`);
  });

  it("a dependency on a package the lock lacks, and a lock cut short, are errors", async () => {
    const lock = `version = 1\nrequires-python = ">=3.11"\n\n[[package]]\nname = "app"\nversion = "0.1.0"\nsource = { virtual = "." }\ndependencies = [{ name = "six" }, { name = "ghost" }]\n\n[[package]]\nname = "six"\nversion = "1.16.0"\nsource = { registry = "https://pypi.org/simple" }\nsdist = { url = "${SIX_URL}", hash = "sha256:${SIX}" }\n`;
    const dir = project({ "uv.lock": lock });
    const r = await cli("generate", dir, "-o", join(dir, "out.nix"), "--offline");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("depends on ghost, which the lock does not contain; the lock is incomplete");
    writeFileSync(join(dir, "uv.lock"), lock.slice(0, Math.floor(lock.length * 0.4)));
    const cut = await cli("generate", dir, "-o", join(dir, "out.nix"), "--offline");
    expect(cut.code).toBe(1);
    expect(existsSync(join(dir, "out.nix"))).toBe(false);
  });
});

/** A loopback port nothing listens on. */
