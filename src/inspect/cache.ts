/**
 * Inspection results on disk, one file per sdist, keyed by its sha256: the
 * bytes behind a hash never change, so an entry never goes stale. Each file
 * is written to a temporary name and renamed; a corrupt one is removed and
 * reported as a miss.
 */
import { rmSync } from "node:fs";
import { readText, writeFileAtomicLater } from "../fs.js";
import { join } from "node:path";
import { defaultCacheDir } from "../index/cache.js";
import { NATIVE_KINDS, type SdistFacts } from "./facts.js";

/** Bump when what inspection finds changes, so older entries are read again. */
// 2: importNames recorded.
const VERSION = 2;

interface StoredFacts {
  version: number;
  sha256: string;
  filename: string;
  facts: SdistFacts;
}

export function defaultInspectCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(defaultCacheDir(env), "inspect");
}

const isStringList = (value: unknown) => Array.isArray(value) && value.every((v) => typeof v === "string");

function validFacts(facts: SdistFacts): boolean {
  if (typeof facts !== "object" || facts === null || typeof facts.hasPyproject !== "boolean") return false;
  if (!Array.isArray(facts.nativeSources) || !facts.nativeSources.every((k) => NATIVE_KINDS.includes(k))) return false;
  if (facts.buildRequires !== undefined && !isStringList(facts.buildRequires)) return false;
  if (facts.importNames !== undefined && !isStringList(facts.importNames)) return false;
  return [facts.buildBackend, facts.cargoLock, facts.cargoLockPath].every((v) => v === undefined || typeof v === "string");
}

export class FactsCache {
  constructor(readonly dir: string) {}

  private path(sha256: string): string {
    return join(this.dir, sha256.slice(0, 2), `${sha256}.json`);
  }

  get(sha256: string): SdistFacts | undefined {
    const path = this.path(sha256);
    let text: string;
    try {
      text = readText(path);
    } catch {
      return undefined;
    }
    try {
      const stored = JSON.parse(text) as StoredFacts;
      if (stored.version !== VERSION || stored.sha256 !== sha256 || !validFacts(stored.facts)) throw new Error("corrupt");
      return stored.facts;
    } catch {
      rmSync(path, { force: true });
      return undefined;
    }
  }

  /** Starts writing the entry; settleWrites() (src/fs.ts) waits for it. */
  put(sha256: string, filename: string, facts: SdistFacts): void {
    const path = this.path(sha256);
    const stored: StoredFacts = { version: VERSION, sha256, filename, facts };
    writeFileAtomicLater(path, JSON.stringify(stored));
  }
}
