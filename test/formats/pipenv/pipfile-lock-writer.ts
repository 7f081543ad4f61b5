// Writes Pipfile.lock text the way pipenv does (project.py `write_lockfile`):
// json.dumps(indent=4, separators=(",", ": "), sort_keys=True) and a final
// newline, so `_meta` comes first and every table's keys are sorted.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LockInput } from "../../../src/formats/types.js";
import { tempDir } from "../../helpers.js";

export type PipenvEntry = {
  version?: string;
  hashes?: string[];
  index?: string;
  markers?: string;
  extras?: string[];
  [key: string]: unknown;
};

export interface PipenvSource {
  name?: string;
  url: string;
  verify_ssl?: boolean;
}

export interface PipfileLockSpec {
  sources?: PipenvSource[];
  requires?: Record<string, string>;
  /** Default 6; `null` leaves the key out (locks before pipenv 8.3). */
  spec?: unknown;
  /** Category name -> entries; default and develop are always written. */
  categories: Record<string, Record<string, PipenvEntry>>;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

export const PYPI_SOURCE: PipenvSource = { name: "pypi", url: "https://pypi.org/simple", verify_ssl: true };

export function pipfileLockText(spec: PipfileLockSpec): string {
  const meta: Record<string, unknown> = {
    hash: { sha256: "0".repeat(64) },
    requires: spec.requires ?? {},
    sources: (spec.sources ?? [PYPI_SOURCE]).map((s) => ({ ...s, verify_ssl: s.verify_ssl ?? true })),
  };
  if (spec.spec !== null) meta["pipfile-spec"] = spec.spec ?? 6;
  const doc = { _meta: meta, default: {}, develop: {}, ...spec.categories };
  // pipenv writes hashes sorted (sorted(set(hashes))).
  for (const [k, entries] of Object.entries(doc)) {
    if (k === "_meta") continue;
    for (const entry of Object.values(entries as Record<string, PipenvEntry>)) {
      if (Array.isArray(entry.hashes)) entry.hashes = [...new Set(entry.hashes)].sort();
    }
  }
  return `${JSON.stringify(sortKeys(doc), null, 4)}\n`;
}

/** A LockInput over the files in `dir`. */
export function inputIn(dir: string, name = "Pipfile.lock"): LockInput {
  const read = (n: string) => {
    try {
      return readFileSync(join(dir, n), "utf8");
    } catch {
      return undefined;
    }
  };
  return { text: read(name) as string, path: join(dir, name), readSibling: read, siblingPath: (n) => join(dir, n) };
}

/** Writes `text` as Pipfile.lock in a fresh folder (with `dirs` made inside) and returns that folder. */
export function lockDir(text: string, dirs: string[] = []): string {
  const dir = tempDir();
  for (const d of dirs) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, "Pipfile.lock"), text);
  return dir;
}
