import { createHash, type Hash } from "node:crypto";
import { lstat, mkdir, mkdtemp, open, readFile, readdir, readlink, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../fs.js";
import { defaultCacheDir } from "./cache.js";
import { redactUrl } from "./credentials.js";
import { IndexError } from "./http.js";

/** A git source cannot be fetched or hashed: unreachable repository, unknown commit, failed submodules. */
export class GitError extends IndexError {}

/* ---------- NAR hashing ---------- */

const PAD = Buffer.alloc(8);

/** Feeds Nix's archive serialisation into a hash: every string is a u64 LE length, the bytes, zero padding to 8. */
class NarSink {
  constructor(readonly hash: Hash) {}

  int(n: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    this.hash.update(b);
  }

  pad(n: number): void {
    if (n % 8 !== 0) this.hash.update(PAD.subarray(0, 8 - (n % 8)));
  }

  str(...values: (string | Buffer)[]): void {
    for (const value of values) {
      const b = typeof value === "string" ? Buffer.from(value, "utf8") : value;
      this.int(b.length);
      this.hash.update(b);
      this.pad(b.length);
    }
  }
}

const SLASH = Buffer.from("/");

async function dumpFile(sink: NarSink, path: Buffer, size: number): Promise<void> {
  sink.int(size);
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.allocUnsafe(1 << 16);
    let total = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      sink.hash.update(buffer.subarray(0, bytesRead));
      total += bytesRead;
    }
    if (total !== size) throw new Error(`${path.toString()} changed while it was being hashed`);
  } finally {
    await handle.close();
  }
  sink.pad(size);
}

async function dump(sink: NarSink, path: Buffer): Promise<void> {
  const st = await lstat(path);
  sink.str("(", "type");
  if (st.isSymbolicLink()) {
    sink.str("symlink", "target", await readlink(path, { encoding: "buffer" }));
  } else if (st.isFile()) {
    sink.str("regular");
    // Nix records only the owner's execute bit (S_IXUSR).
    if (st.mode & 0o100) sink.str("executable", "");
    sink.str("contents");
    await dumpFile(sink, path, st.size);
  } else if (st.isDirectory()) {
    sink.str("directory");
    const names = await readdir(path, { encoding: "buffer" });
    names.sort(Buffer.compare);
    for (const name of names) {
      sink.str("entry", "(", "name", name, "node");
      await dump(sink, Buffer.concat([path, SLASH, name]));
      sink.str(")");
    }
  } else {
    throw new Error(`${path.toString()} is neither a regular file, a directory nor a symlink`);
  }
  sink.str(")");
}

/**
 * The sha256 of the NAR serialisation of `dir` (what `nix-hash --type sha256`
 * and a recursive fixed-output derivation compute), as SRI `sha256-<base64>`.
 * Names are handled as raw bytes and sorted byte-wise; the archive is never
 * held in memory, only hashed as it is produced.
 */
export async function narHash(dir: string): Promise<string> {
  const sink = new NarSink(createHash("sha256"));
  sink.str("nix-archive-1");
  await dump(sink, Buffer.from(dir));
  return `sha256-${sink.hash.digest("base64")}`;
}

/* ---------- git ---------- */

export interface GitSourceOptions {
  url: string;
  /** The full commit id (40 or 64 hex digits). */
  commit: string;
  /** Check out submodules recursively, as fetchgit's `fetchSubmodules = true`. */
  submodules?: boolean;
  /** Default `$XDG_CACHE_HOME/lock2nix/git`. */
  cacheDir?: string;
  /** The git executable; default `git` from PATH. */
  git?: string;
  /** Longest one git command may run before it is stopped (default 10 minutes). */
  timeoutMs?: number;
}

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Transport settings kept from the caller's environment; every other GIT_* variable is dropped. */
const KEPT_GIT_VARS = new Set(["GIT_SSH", "GIT_SSH_COMMAND", "GIT_SSH_VARIANT", "GIT_SSL_CAINFO", "GIT_SSL_CAPATH", "GIT_SSL_NO_VERIFY", "GIT_PROXY_COMMAND"]);

/**
 * The environment nix-prefetch-git gives git: no system or user config (so
 * autocrlf, filters such as git-lfs and url rewrites cannot change the
 * checkout), a private HOME that only links ~/.netrc, and never a prompt.
 */
async function gitEnv(home: string): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith("GIT_") && !KEPT_GIT_VARS.has(key)) continue;
    if (key === "XDG_CONFIG_HOME") continue;
    env[key] = value;
  }
  const netrc = process.env["NETRC"] ?? (process.env["HOME"] ? join(process.env["HOME"], ".netrc") : undefined);
  if (netrc) await symlink(netrc, join(home, ".netrc")).catch(() => {});
  // ssh must fail rather than ask for a password or a host key confirmation.
  if (env["GIT_SSH"] === undefined && env["GIT_SSH_COMMAND"] === undefined) env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes";
  return { ...env, HOME: home, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" };
}

const DEFAULT_GIT_TIMEOUT_MS = 600_000;
const GIT_ATTEMPTS = 3;
/** What git prints when a transfer broke off rather than was refused (git's http and pack code). */
const TRANSIENT_GIT_FAILURE = /Connection reset|connection timed out|Operation timed out|early EOF|RPC failed|returned error: 5\d\d|unexpected disconnect|the remote end hung up unexpectedly|transfer closed/i;

let childProcess: Promise<typeof import("node:child_process")> | undefined;

async function run(git: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs = DEFAULT_GIT_TIMEOUT_MS): Promise<RunResult> {
  // Loaded here: most runs never start git, and node:child_process costs every run's start 7 ms.
  const { spawn } = await (childProcess ??= import("node:child_process"));
  return new Promise((resolve, reject) => {
    // Its own process group: git's helpers (git-remote-http) hold the pipes open, and must be stopped too.
    const child = spawn(git, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], shell: false, detached: true });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout = (stdout + chunk.toString()).slice(-65536)));
    child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-65536)));
    // A server that accepts the connection and then sends nothing would hold the run forever.
    const timer = setTimeout(() => {
      stderr += `\nfatal: lock2nix stopped git after ${Math.round(timeoutMs / 1000)} s without an end`;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    }, timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

/** Git's own complaint, last lines only, with credentials taken out of any URL in it. */
function gitMessage(result: RunResult, url: string): string {
  const text = result.stderr.split(url).join(redactUrl(url)).replace(/(\w+:\/\/)[^/@\s]*@/g, "$1");
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "");
  return lines.slice(-3).join("; ") || `git exited with status ${result.code}`;
}

/** Every file or directory named `.git`, at any depth, as nix-prefetch-git removes them. */
async function removeDotGit(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.name === ".git") await rm(path, { recursive: true, force: true });
    else if (entry.isDirectory()) await removeDotGit(path);
  }
}

function isLocal(url: string): boolean {
  return url.startsWith("file:") || url.startsWith("/") || url.startsWith(".");
}

interface CachedHash {
  version: 1;
  url: string;
  commit: string;
  submodules: boolean;
  hash: string;
}

const SRI_SHA256 = /^sha256-[A-Za-z0-9+/]{43}=$/;

/**
 * The NAR hash of `url` at `commit` with every `.git` removed: the `hash` of
 * nixpkgs' `fetchgit { url; rev = commit; fetchSubmodules = submodules; }`.
 * Fetches only that commit where the server allows it, else everything;
 * results are cached on disk by (url, commit, submodules).
 */
export async function gitSourceHash(options: GitSourceOptions): Promise<string> {
  const { url, commit } = options;
  const submodules = options.submodules ?? false;
  const shown = redactUrl(url);
  if (!/^([0-9a-f]{40}|[0-9a-f]{64})$/.test(commit)) {
    throw new GitError(`git source ${shown}: "${commit}" is not a full commit id (40 or 64 lowercase hex digits)`);
  }
  if (url.startsWith("-") || url === "") throw new GitError(`git source "${shown}" is not a repository URL`);

  const cacheDir = options.cacheDir ?? join(defaultCacheDir(), "git");
  const key = createHash("sha256").update(JSON.stringify([shown, commit, submodules])).digest("hex");
  const cacheFile = join(cacheDir, key.slice(0, 2), `${key}.json`);
  try {
    const cached = JSON.parse(await readFile(cacheFile, "utf8")) as CachedHash;
    if (cached.version === 1 && cached.url === shown && cached.commit === commit && cached.submodules === submodules && SRI_SHA256.test(cached.hash)) {
      return cached.hash;
    }
  } catch {
    // A miss, or a corrupt entry that is about to be replaced.
  }

  const hash = await hashCheckout(url, commit, submodules, options.git ?? "git", options.timeoutMs);

  const entry: CachedHash = { version: 1, url: shown, commit, submodules, hash };
  try {
    await mkdir(join(cacheDir, key.slice(0, 2)), { recursive: true });
    writeFileAtomic(cacheFile, JSON.stringify(entry) + "\n");
  } catch {
    // An unwritable cache only costs a fetch next time.
  }
  return hash;
}

async function hashCheckout(url: string, commit: string, submodules: boolean, git: string, timeoutMs: number | undefined): Promise<string> {
  const shown = redactUrl(url);
  const where = `commit ${commit} of git repository ${shown}`;
  const temp = await mkdtemp(join(tmpdir(), "lock2nix-git-"));
  try {
    const home = join(temp, "home");
    const checkout = join(temp, "source");
    await mkdir(home);
    await mkdir(checkout);
    const env = await gitEnv(home);
    // Submodules of a local repository are themselves local; git refuses the file protocol for them by default.
    // A transfer slower than 1 kB/s for a minute is given up, as a stalled one.
    const config = [...(isLocal(url) ? ["-c", "protocol.file.allow=always"] : []), "-c", "http.lowSpeedLimit=1000", "-c", "http.lowSpeedTime=60"];
    const git_ = (args: string[]) =>
      run(git, [...config, ...args], checkout, env, timeoutMs).catch((error: NodeJS.ErrnoException) => {
        throw new GitError(`cannot run ${git} to fetch ${where}: ${error.message}`);
      });
    const must = async (args: string[], what: string) => {
      const result = await git_(args);
      if (result.code !== 0) throw new GitError(`${what} ${where}: ${gitMessage(result, url)}`);
      return result;
    };

    await must(["init", "--quiet", ...(commit.length === 64 ? ["--object-format=sha256"] : [])], "cannot create a repository for");
    await must(["remote", "add", "origin", url], "cannot add the remote for");
    // Transfers that broke off are tried again, as the index client retries: a reset or a 5xx, not a wrong URL.
    const fetch = async (args: string[]): Promise<RunResult> => {
      let result = await git_(args);
      for (let attempt = 1; attempt < GIT_ATTEMPTS && result.code !== 0 && TRANSIENT_GIT_FAILURE.test(result.stderr); attempt++) {
        await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
        result = await git_(args);
      }
      return result;
    };
    const shallow = await fetch(["fetch", "--quiet", "--no-tags", "--depth", "1", "origin", commit]);
    if (shallow.code !== 0) {
      // Servers that refuse fetching by id: take every branch and tag, then look for the commit.
      const full = await fetch(["fetch", "--quiet", "--tags", "origin", "+refs/heads/*:refs/remotes/origin/*"]);
      if (full.code !== 0) throw new GitError(`cannot fetch ${where}: repository unreachable: ${gitMessage(full, url)}`);
    }
    const found = await git_(["cat-file", "-e", `${commit}^{commit}`]);
    if (found.code !== 0) throw new GitError(`commit ${commit} not found in git repository ${shown}`);
    await must(["-c", "advice.detachedHead=false", "checkout", "--quiet", commit], "cannot check out");

    if (submodules) {
      const update = ["submodule", "update", "--init", "--recursive", "--quiet"];
      const shallowSub = await git_([...update, "--depth", "1"]);
      if (shallowSub.code !== 0) await must(update, "cannot fetch the submodules of");
    }

    await removeDotGit(checkout);
    return await narHash(checkout);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}
