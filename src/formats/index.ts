import { readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { Lock2nixError } from "../errors.js";
import { decodeText, readOptional } from "../fs.js";
import type { FormatId, Lock } from "../model.js";
import { readPoetryLock } from "./poetry/index.js";
import { readUvLock } from "./uv/index.js";
import { readPdmLock } from "./pdm/index.js";
import { readPylock } from "./pylock/index.js";
import { readPipfileLock } from "./pipenv/index.js";
import { readRequirements } from "./requirements/index.js";
import type { LockFormat, LockInput } from "./types.js";

export const formats = {
  poetry: { id: "poetry", fileNames: ["poetry.lock"], read: readPoetryLock },
  uv: { id: "uv", fileNames: ["uv.lock"], read: readUvLock },
  pdm: { id: "pdm", fileNames: ["pdm.lock"], read: readPdmLock },
  pylock: { id: "pylock", fileNames: ["pylock.toml"], read: readPylock },
  pipenv: { id: "pipenv", fileNames: ["Pipfile.lock"], read: readPipfileLock },
  // Last: a folder holding a real lock and a requirements.txt means the lock.
  requirements: { id: "requirements", fileNames: ["requirements.txt"], read: (input) => readRequirements(input) },
} satisfies Record<FormatId, LockFormat>;


function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Finds the lockfile for PATH (a lockfile or a folder holding one) and its format. */
export function locateLock(path: string, format?: FormatId): { file: string; format: LockFormat } {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new Lock2nixError(`${path}: no such file or folder`);
  }
  const all: LockFormat[] = Object.values(formats);
  if (stat.isDirectory()) {
    for (const f of format ? [formats[format]] : all) {
      for (const name of f.fileNames) {
        const candidate = join(path, name);
        if (isFile(candidate)) return { file: candidate, format: f };
      }
    }
    const names = all.flatMap((f) => f.fileNames).join(", ");
    throw new Lock2nixError(`${path}: no lockfile found in this folder (looked for ${names})`);
  }
  if (format) return { file: path, format: formats[format] };
  // PEP 751 also names lockfiles `pylock.<name>.toml`.
  const found =
    all.find((f) => f.fileNames.includes(basename(path))) ??
    (/^pylock\.[^.]+\.toml$/.test(basename(path)) ? formats.pylock : undefined) ??
    // `uv lock --script example.py` writes example.py.lock beside the PEP 723 script.
    (/.\.py\.lock$/.test(basename(path)) ? formats.uv : undefined) ??
    (/^requirements-.+\.txt$/.test(basename(path)) ? formats.requirements : undefined);
  if (!found) {
    throw new Lock2nixError(
      `${path}: cannot tell the lock format from the file name; pass --format (one of ${Object.keys(formats).join(", ")})`,
    );
  }
  return { file: path, format: found };
}

/** Remembers parsed locks between runs (see src/run-memo.ts). */
export interface LockMemo {
  lock(file: string, format: FormatId, bytes: Buffer, readSibling: (name: string) => string | undefined): Lock | undefined;
  recordLock(file: string, format: FormatId, bytes: Buffer, siblings: Map<string, string | undefined>, lock: Lock): void;
}

/**
 * The formats whose parsed locks are remembered: the TOML ones, whose parse
 * is the cost. Pipfile.lock (JSON) and requirements files are read each
 * time; their readers also expand environment variables, which a memo
 * keyed by file contents would miss.
 */
const MEMOIZED: ReadonlySet<FormatId> = new Set(["poetry", "uv", "pdm", "pylock"]);

/** Reads and normalizes a lockfile, through `memo` when given. Errors carry the file path. */
export function readLock(path: string, format?: FormatId, memo?: LockMemo): Lock {
  return readLocated(locateLock(path, format), memo);
}

/** readLock for a lockfile locateLock already found. */
export function readLocated(located: { file: string; format: LockFormat }, memo?: LockMemo): Lock {
  const dir = dirname(located.file);
  const bytes = readFileSync(located.file);
  const readSibling = (name: string) => readOptional(join(dir, name));
  const id = located.format.id;
  const memoized = memo && MEMOIZED.has(id) ? memo : undefined;
  const known = memoized?.lock(located.file, id, bytes, readSibling);
  if (known) return known;
  const text = decodeText(bytes);
  const siblings = new Map<string, string | undefined>();
  const input: LockInput = {
    text,
    path: located.file,
    readSibling: (name) => {
      const sibling = readSibling(name);
      siblings.set(name, sibling);
      return sibling;
    },
    siblingPath: (name) => join(dir, name),
  };
  let lock: Lock;
  try {
    lock = located.format.read(input);
  } catch (err) {
    if (err instanceof Lock2nixError) throw err.inFile(located.file);
    throw err;
  }
  memoized?.recordLock(located.file, id, bytes, siblings, lock);
  return lock;
}
