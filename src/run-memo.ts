/**
 * What the last run on a lockfile learnt, kept in one file per lockfile
 * under `<cache>/runs/`, so that a warm run reads one file instead of a
 * thousand cache entries and does not parse the lock again:
 *
 * - the parsed lock (TOML formats), with the sha256 of the lockfile and of
 *   every file its reader read beside it;
 * - each release's file list as the index client gave it, with the time its
 *   cached response stops being fresh;
 * - each inspected sdist's facts, by sha256.
 *
 * It only saves work: every part is checked before use (file hashes, the
 * code that made it, freshness), the whole file carries a sha256, and the
 * per-URL and per-sdist caches stay the truth. A file that fails a check is
 * ignored and rewritten at the end of the run.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeText, readBounded, writeFileAtomic } from "./fs.js";
import type { SdistFacts } from "./inspect/facts.js";
import { redactUrl } from "./index/credentials.js";
import type { FreshnessReportingClient, IndexClient, IndexFile, IndexLocation } from "./index/types.js";
import type { FormatId, Lock } from "./model.js";
import { VERSION } from "./version.js";

/** Bump when the layout of the file changes. */
const LAYOUT = 1;

const sha256 = (text: string | Buffer) => createHash("sha256").update(text).digest("hex");

let codeId: string | undefined;

/**
 * Names the code that is running: what it memoized is only valid for the
 * same code. The bundle (dist/lock2nix.cjs) is all of lock2nix in one file; otherwise (tsc's
 * output, or the sources under a TypeScript loader) every module beside this one.
 */
function codeIdentity(): string {
  if (codeId) return codeId;
  const self = fileURLToPath(import.meta.url);
  const hash = createHash("sha256").update(`${VERSION}\0`);
  if (self.endsWith(".cjs")) {
    hash.update(readFileSync(self));
  } else {
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (/\.(ts|js|mjs)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) hash.update(`${path}\0`).update(readFileSync(path));
      }
    };
    walk(dirname(self));
  }
  return (codeId = hash.digest("hex"));
}

/** What a parsed lock depended on. */
interface LockKey {
  /** The path as the run was given it, and the folder it ran in: readers keep relative paths. */
  file: string;
  cwd: string;
  format: FormatId;
  lockSha256: string;
  /** Files the reader read beside the lock, by name: sha256 of the text, or null when absent. */
  siblings: Record<string, string | null>;
}

interface ReleaseEntry {
  files: IndexFile[];
  freshUntil: number;
}

/** The memo's second line (the parsed lock is the third, kept apart so it is not escaped twice). */
interface Body {
  lock: LockKey | null;
  releases: Record<string, ReleaseEntry>;
  facts: Record<string, SdistFacts>;
}

interface Header {
  layout: number;
  code: string;
  /** sha256 of everything after the header line. */
  sha256: string;
}

const reportsFreshness = (client: IndexClient): client is FreshnessReportingClient => "lookup" in client;

/** A password in a URL's user part: such a lock is not copied into the cache. */
const PASSWORD_IN_URL = /:\/\/[^/"@\s:]*:[^/"@\s]*@/;

export class RunMemo {
  private lockKey: LockKey | null = null;
  private lockText = "";
  private readonly releases = new Map<string, ReleaseEntry>();
  private readonly facts = new Map<string, SdistFacts>();
  private readonly usedReleases = new Set<string>();
  private readonly usedFacts = new Set<string>();
  /** Whether saving would write something other than what was read. */
  private changed = false;

  private constructor(private readonly path: string) {}

  /** The memo for `lockFile` in `cacheDir`; empty when there is none or it fails a check. */
  static open(cacheDir: string, lockFile: string): RunMemo {
    const memo = new RunMemo(join(cacheDir, "runs", `${sha256(resolve(lockFile)).slice(0, 32)}.memo`));
    let loaded = false;
    try {
      // Bounded and regular files only: a memo replaced by a symlink to /dev/zero must not hang the run.
      loaded = memo.load(readBounded(memo.path));
    } catch {
      // Unreadable: start afresh.
    }
    if (!loaded) memo.clear();
    return memo;
  }

  private clear(): void {
    this.lockKey = null;
    this.lockText = "";
    this.releases.clear();
    this.facts.clear();
    this.changed = true;
  }

  /** Throws when the file cannot be read (no memo yet, among others). */
  private load(bytes: Buffer): boolean {
    const newline = bytes.indexOf(0x0a);
    if (newline < 0) return false;
    let header: Header;
    try {
      header = JSON.parse(bytes.subarray(0, newline).toString("utf8")) as Header;
    } catch {
      return false;
    }
    // Hashed as bytes: hashing the decoded text would encode it again.
    if (header.layout !== LAYOUT || header.code !== codeIdentity() || header.sha256 !== sha256(bytes.subarray(newline + 1))) return false;
    const rest = decodeText(bytes.subarray(newline + 1));
    const second = rest.indexOf("\n");
    if (second < 0) return false;
    const body = JSON.parse(rest.slice(0, second)) as Body;
    this.lockKey = body.lock;
    this.lockText = rest.slice(second + 1);
    for (const [key, entry] of Object.entries(body.releases)) this.releases.set(key, entry);
    for (const [key, facts] of Object.entries(body.facts)) this.facts.set(key, facts);
    return true;
  }

  /**
   * The lock as the last run parsed it, when the lockfile, every file read
   * beside it, the path, the folder and the format are what they were.
   */
  lock(file: string, format: FormatId, bytes: Buffer, readSibling: (name: string) => string | undefined): Lock | undefined {
    const key = this.lockKey;
    if (!key || key.file !== file || key.cwd !== process.cwd() || key.format !== format || key.lockSha256 !== sha256(bytes)) return undefined;
    for (const [name, hash] of Object.entries(key.siblings)) {
      const sibling = readSibling(name);
      if ((sibling === undefined ? null : sha256(sibling)) !== hash) return undefined;
    }
    return JSON.parse(this.lockText) as Lock;
  }

  /** Remembers a freshly parsed lock (call before anything changes it). */
  recordLock(file: string, format: FormatId, bytes: Buffer, siblings: Map<string, string | undefined>, lock: Lock): void {
    const lockText = JSON.stringify(lock);
    if (PASSWORD_IN_URL.test(lockText)) return;
    this.lockKey = {
      file,
      cwd: process.cwd(),
      format,
      lockSha256: sha256(bytes),
      siblings: Object.fromEntries([...siblings].map(([name, t]) => [name, t === undefined ? null : sha256(t)])),
    };
    this.lockText = lockText;
    this.changed = true;
  }

  /**
   * `client` with the remembered file lists in front: one is used while its
   * response is fresh (offline, always, as the cache is), and what the client
   * answers is remembered when it says how long it stays fresh.
   */
  releasesVia(client: IndexClient, offline: boolean): IndexClient {
    return {
      releaseFiles: async (index: IndexLocation, name: string, version: string): Promise<IndexFile[]> => {
        const key = `${index.pypiJson ? "json" : "simple"} ${redactUrl(index.url)} ${name} ${version}`;
        const known = this.releases.get(key);
        if (known && (offline || Date.now() < known.freshUntil)) {
          this.usedReleases.add(key);
          return known.files;
        }
        if (!reportsFreshness(client)) return client.releaseFiles(index, name, version);
        const found = await client.lookup(index, name, version);
        this.releases.set(key, found);
        this.usedReleases.add(key);
        this.changed = true;
        return found.files;
      },
    };
  }

  /** The facts of the sdist with this sha256, when a run inspected it. */
  sdistFacts(sha: string): SdistFacts | undefined {
    const facts = this.facts.get(sha);
    if (facts) this.usedFacts.add(sha);
    return facts;
  }

  recordSdistFacts(sha: string, facts: SdistFacts): void {
    this.facts.set(sha, facts);
    this.usedFacts.add(sha);
    this.changed = true;
  }

  /**
   * Writes what this run used (nothing else, so the file does not grow),
   * unless that is what was read. A memo that cannot be written only costs
   * the next run time, so that is not an error.
   */
  save(): void {
    try {
      this.write();
    } catch {
      // Read-only or full cache folder: the next run works without it.
    }
  }

  private write(): void {
    const unused = this.releases.size !== this.usedReleases.size || this.facts.size !== this.usedFacts.size;
    if (!this.changed && !unused) return;
    const pick = <T>(map: Map<string, T>, used: Set<string>) => Object.fromEntries([...used].sort().map((k) => [k, map.get(k) as T]));
    const body: Body = { lock: this.lockKey, releases: pick(this.releases, this.usedReleases), facts: pick(this.facts, this.usedFacts) };
    const rest = `${JSON.stringify(body)}\n${this.lockText}`;
    const header: Header = { layout: LAYOUT, code: codeIdentity(), sha256: sha256(rest) };
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileAtomic(this.path, `${JSON.stringify(header)}\n${rest}`);
  }
}
