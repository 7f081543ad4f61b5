/**
 * Verified provenance remembered between runs, so a warm run does not verify again (about 12 ms an
 * attestation): `provenance/<key>.json` in the cache folder, keyed by everything the verdict read
 * (the provenance object, the pinned file's name and sha256, the trusted root's bytes, lock2nix's
 * version). Only successes are kept; a failure is checked again every run.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { readOptional, writeFileAtomicLater } from "../fs.js";
import { VERSION } from "../version.js";

/** Bump when what a verification checks changes within one version. */
const LAYOUT = 1;

export interface VerifiedRecord {
  commit?: string;
  logIndex?: string;
}

export class VerifiedMemo {
  constructor(
    private readonly dir: string | undefined,
    /** The trusted root's bytes, read once per run. */
    private readonly root: () => Buffer,
  ) {}

  key(object: unknown, filename: string, sha256: string): string {
    return createHash("sha256").update(JSON.stringify([LAYOUT, VERSION, filename, sha256, object])).update(this.root()).digest("hex");
  }

  get(key: string): VerifiedRecord | undefined {
    if (!this.dir) return undefined;
    let text: string | undefined;
    try {
      text = readOptional(join(this.dir, "provenance", `${key}.json`));
    } catch {
      return undefined;
    }
    if (text === undefined) return undefined;
    try {
      const v = JSON.parse(text) as unknown;
      if (typeof v !== "object" || v === null) return undefined;
      const { commit, logIndex } = v as Record<string, unknown>;
      return { ...(typeof commit === "string" ? { commit } : {}), ...(typeof logIndex === "string" ? { logIndex } : {}) };
    } catch {
      // A corrupt entry: verify again, and write it anew.
      return undefined;
    }
  }

  put(key: string, record: VerifiedRecord): void {
    if (this.dir) writeFileAtomicLater(join(this.dir, "provenance", `${key}.json`), JSON.stringify(record));
  }
}
