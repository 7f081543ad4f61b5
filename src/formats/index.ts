import { lstatSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { Lock2nixError, LockError, UsageError } from "../errors.js";
import { decodeText, InputFileError, readBounded, readOptional } from "../fs.js";
import { inScope, outOfScopeReason, pathScope, type PathScope } from "../scope.js";
import type { FormatId, Lock } from "../model.js";
import { isValidVersion } from "../pep/version.js";
import { readPoetryLock } from "./poetry/index.js";
import { readUvLock } from "./uv/index.js";
import { readPdmLock } from "./pdm/index.js";
import { readPylock } from "./pylock/index.js";
import { readPipfileLock } from "./pipenv/index.js";
import { readRequirements } from "./requirements/index.js";
import type { LockFormat, LockInput } from "./types.js";
import { sniffFormat, stdinLock } from "./stdin.js";

export const formats = {
  poetry: { id: "poetry", fileNames: ["poetry.lock"], read: readPoetryLock },
  uv: { id: "uv", fileNames: ["uv.lock"], read: readUvLock },
  pdm: { id: "pdm", fileNames: ["pdm.lock"], read: readPdmLock },
  pylock: { id: "pylock", fileNames: ["pylock.toml"], read: readPylock },
  pipenv: { id: "pipenv", fileNames: ["Pipfile.lock"], read: readPipfileLock },
  // Last: a folder holding a real lock and a requirements.txt means the lock.
  requirements: { id: "requirements", fileNames: ["requirements.txt"], read: (input) => readRequirements(input) },
} satisfies Record<FormatId, LockFormat>;


/** What is at `path`: a regular file, something else, a symlink to nothing, or nothing (a folder counts as nothing). */
function entryKind(path: string): "file" | "other" | "dangling" | "none" {
  try {
    const stat = statSync(path);
    return stat.isFile() ? "file" : stat.isDirectory() ? "none" : "other";
  } catch {
    try {
      return lstatSync(path).isSymbolicLink() ? "dangling" : "none";
    } catch {
      return "none";
    }
  }
}

/** Finds the lockfile for PATH (a lockfile or a folder holding one) and its format. */
export function locateLock(path: string, format?: FormatId): { file: string; format: LockFormat } {
  const piped = stdinLock(path);
  if (piped) {
    const sniffed = format ?? sniffFormat(decodeText(piped));
    if (!sniffed) throw new UsageError(`standard input: cannot tell the lock format from its content; pass --format (one of ${Object.keys(formats).join(", ")})`);
    return { file: path, format: formats[sniffed] };
  }
  let stat;
  try {
    stat = statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Lock2nixError(code === "ENOENT" || code === "ENOTDIR" ? `${path}: no such file or folder` : `${path}: cannot be read (${code === "EACCES" ? "permission denied" : code})`);
  }
  const all: LockFormat[] = Object.values(formats);
  if (stat.isDirectory()) {
    for (const f of format ? [formats[format]] : all) {
      for (const name of f.fileNames) {
        const candidate = join(path, name);
        const kind = entryKind(candidate);
        if (kind === "file") return { file: candidate, format: f };
        // A lock's name on something that is not a file is an error of its own, not "no lockfile".
        if (kind === "other") throw new Lock2nixError(`cannot read ${candidate}: not a regular file (a device, FIFO or socket)`);
        if (kind === "dangling") throw new Lock2nixError(`cannot read ${candidate}: a symbolic link to nothing`);
      }
    }
    const names = (format ? [formats[format]] : all).flatMap((f) => f.fileNames).join(", ");
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
export function readLock(path: string, format?: FormatId, memo?: LockMemo, scope?: PathScope): Lock {
  return readLocated(locateLock(path, format), memo, scope);
}

/** An input file's bytes (bounded, regular files only), or an error naming it. */
export function readInput(path: string): Buffer {
  const piped = stdinLock(path);
  if (piped) return piped;
  try {
    return readBounded(path);
  } catch (err) {
    if (err instanceof InputFileError) throw new Lock2nixError(`cannot read ${path}: ${err.reason}`);
    throw err;
  }
}

/**
 * readLock for a lockfile locateLock already found. Files beside it and the
 * files it includes are read only inside `scope` (default: the lock's folder).
 */
export function readLocated(located: { file: string; format: LockFormat }, memo?: LockMemo, scope?: PathScope): Lock {
  const dir = dirname(located.file);
  const bytes = readInput(located.file);
  const allowed = scope ?? pathScope(dir);
  const readSibling = (name: string) => {
    const path = join(dir, name);
    // The error names the file beside the lock, not the lock (a reader that knows a line adds it).
    if (!inScope(allowed, path)) throw new LockError(outOfScopeReason(allowed, path), { file: path });
    try {
      return readOptional(path);
    } catch (err) {
      if (err instanceof InputFileError) throw new LockError(err.reason, { file: path });
      throw err;
    }
  };
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
  checkPackages(lock);
  memoized?.recordLock(located.file, id, bytes, siblings, lock);
  return lock;
}

/**
 * Every reader's versions are PEP 440 and its index URLs parse: a version goes into derivation names,
 * store paths and version comparisons, so `""`, `0.3; rm -rf /` or a NUL
 * byte is refused here, naming the package, rather than failing later.
 */
/** PEP 440's grammar (its own check below), with nothing a version string may not hold: no space, no control character. */
const isPep440 = (v: string): boolean => /^[A-Za-z0-9.!+_-]+$/.test(v) && v.length <= 128 && isValidVersion(v);

function checkPackages(lock: Lock): void {
  for (const pkg of lock.packages) {
    if (!isPep440(pkg.version)) {
      throw new LockError(`${pkg.name}: version ${JSON.stringify(pkg.version)} is not a PEP 440 version`, { file: lock.file, package: pkg.name });
    }
    // The index client and audit parse it: a string such as `https://py pi.org` must stop here, named.
    if (pkg.source.kind === "index" && !URL.canParse(pkg.source.url)) {
      throw new LockError(`index ${JSON.stringify(pkg.source.url)} is not a URL`, { file: lock.file, package: pkg.name });
    }
  }
  for (const index of lock.root.indexes ?? []) {
    if (!URL.canParse(index.url)) throw new LockError(`index ${index.name} ${JSON.stringify(index.url)} is not a URL`, { file: lock.file });
  }
}
