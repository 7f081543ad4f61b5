import { createHash } from "node:crypto";
import { rmSync } from "node:fs";
import { readText, writeFileAtomicLater } from "../fs.js";
import { homedir } from "node:os";
import { join } from "node:path";

/** One cached response. */
export interface CacheEntry {
  url: string;
  etag?: string;
  /** Milliseconds since the epoch when it was stored or last revalidated. */
  storedAt: number;
  /** Seconds the entry is fresh without asking the server again. */
  maxAge: number;
  body: string;
}

/** The first line of an entry's file; the body follows as it came, so it is not escaped twice. */
interface StoredHeader extends Omit<CacheEntry, "body"> {
  version: 2;
  /** Guards against a torn or edited file: sha256 of the body. */
  bodySha256: string;
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env["XDG_CACHE_HOME"] || join(env["HOME"] || homedir(), ".cache"), "lock2nix");
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * An on-disk HTTP cache keyed by URL (credentials stripped before keying).
 * Each entry is one file written to a temporary name and renamed, so two
 * runs sharing the cache never see half an entry; a corrupt entry is
 * removed and reported as a miss.
 */
export class DiskCache {
  private readonly dir: string;

  constructor(root: string) {
    this.dir = join(root, "http-v2");
  }

  private path(url: string): string {
    const key = sha256(url);
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  get(url: string): CacheEntry | undefined {
    const path = this.path(url);
    let text: string;
    try {
      text = readText(path);
    } catch {
      return undefined;
    }
    try {
      const newline = text.indexOf("\n");
      if (newline < 0) throw new Error("corrupt");
      const header = JSON.parse(text.slice(0, newline)) as StoredHeader;
      const body = text.slice(newline + 1);
      if (header.version !== 2 || header.url !== url || sha256(body) !== header.bodySha256) throw new Error("corrupt");
      return {
        url: header.url,
        storedAt: header.storedAt,
        maxAge: header.maxAge,
        body,
        ...(header.etag !== undefined ? { etag: header.etag } : {}),
      };
    } catch {
      rmSync(path, { force: true });
      return undefined;
    }
  }

  /** Starts writing the entry; settleWrites() (src/fs.ts) waits for it. */
  put(entry: CacheEntry): void {
    const path = this.path(entry.url);
    const { body, ...rest } = entry;
    const header: StoredHeader = { version: 2, ...rest, bodySha256: sha256(body) };
    writeFileAtomicLater(path, `${JSON.stringify(header)}\n${body}`);
  }
}
