import { isAscii } from "node:buffer";
import { closeSync, constants, fstatSync, openSync, readSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

let tempCounter = 0;

/** A name beside `path` no other write uses: this process's id and a counter (random bytes cost a cold run 90 ms). */
function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${++tempCounter}.tmp`);
}

/**
 * Writes `text` to `path` through a temporary file beside it and a rename, so
 * a failure leaves no partial file and a concurrent reader sees the old file
 * or the new one, never half of it (outputs and cache entries alike).
 */
export function writeFileAtomic(path: string, text: string | Buffer): void {
  const tmp = tempPathFor(path);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * A file's text, as UTF-8. Lockfiles, cache entries and the run memo are
 * nearly always pure ASCII, which is decoded several times faster as such
 * than through Node's UTF-8 decoder (30 ms against 4 for a 3 MB memo).
 */
export function readText(path: string): string {
  return decodeText(readBounded(path));
}

/** The largest input lock2nix reads: the largest real lock seen is 3 MB; a 200 MB one exhausted the heap. */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

/** A file that cannot be read as an input: not there, not a regular file, too large, not permitted. */
export class InputFileError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
    readonly code: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

const ERRNO_REASONS: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EISDIR: "is a folder, not a file",
  ENOTDIR: "a part of the path is not a folder",
  ELOOP: "too many symbolic links",
  ENAMETOOLONG: "the path is too long",
};

/**
 * A file's bytes, only if it is a regular file of at most `maxBytes`: a FIFO
 * (opened non-blocking, so opening it cannot hang), a device such as a symlink
 * to /dev/zero, or a huge file is refused instead of read until killed. Reads
 * stop at the bound even where the size is unknown (/proc files say 0).
 */
export function readBounded(path: string, maxBytes = MAX_INPUT_BYTES): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "EIO";
    throw new InputFileError(path, ERRNO_REASONS[code] ?? `cannot be read (${code})`, code);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new InputFileError(path, ERRNO_REASONS["EISDIR"] as string, "EISDIR");
    if (!stat.isFile()) throw new InputFileError(path, "not a regular file (a device, FIFO or socket)", "ENOTREG");
    if (stat.size > maxBytes) throw new InputFileError(path, `larger than the ${maxBytes / 1024 / 1024} MiB lock2nix reads`, "EFBIG");
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, maxBytes + 1 - total));
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? "EIO";
        throw new InputFileError(path, ERRNO_REASONS[code] ?? `cannot be read (${code})`, code);
      }
      if (n === 0) break;
      chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
      total += n;
      if (total > maxBytes) throw new InputFileError(path, `larger than the ${maxBytes / 1024 / 1024} MiB lock2nix reads`, "EFBIG");
    }
    return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

/** Folders created (or being created) for writeFileAtomicLater, made once each. */
const madeFolders = new Map<string, Promise<unknown>>();

function folderMade(dir: string): Promise<unknown> {
  let made = madeFolders.get(dir);
  if (!made) {
    made = mkdir(dir, { recursive: true });
    // A failure is the writes' to report; the next run tries again.
    made.catch(() => madeFolders.delete(dir));
    madeFolders.set(dir, made);
  }
  return made;
}

/** Cache writes started by writeFileAtomicLater and not yet done. */
const pendingWrites = new Set<Promise<void>>();
let failedWrite: unknown;

/**
 * writeFileAtomic off the main thread, not waited for: a cold run writes a
 * cache entry for each of thousands of responses, and waiting for each, or
 * writing synchronously, stalls the network work in between. settleWrites()
 * waits for them all.
 */
export function writeFileAtomicLater(path: string, text: string | Buffer): void {
  const tmp = tempPathFor(path);
  const write = folderMade(dirname(path))
    .then(() => writeFile(tmp, text))
    .then(() => rename(tmp, path))
    .catch(async (err: unknown) => {
      await rm(tmp, { force: true }).catch(() => {});
      // The folder may have been removed since: make it again next time.
      madeFolders.delete(dirname(path));
      failedWrite ??= err;
    })
    .finally(() => pendingWrites.delete(write));
  pendingWrites.add(write);
}

/**
 * Waits for every write writeFileAtomicLater started, and returns the first
 * that failed since the last call: only a cache is written so, and a cache
 * that cannot be written costs later runs time, not this one its result.
 */
export async function settleWrites(): Promise<Error | undefined> {
  while (pendingWrites.size > 0) await Promise.all([...pendingWrites]);
  const err = failedWrite;
  failedWrite = undefined;
  return err === undefined ? undefined : err instanceof Error ? err : new Error(String(err));
}

/** UTF-8 bytes as text, pure ASCII by the fast path (see readText). */
export function decodeText(bytes: Buffer): string {
  return bytes.toString(isAscii(bytes) ? "latin1" : "utf8");
}

/** The file's text, or undefined when it does not exist (a path through a file counts as missing; other errors are thrown). */
export function readOptional(path: string): string | undefined {
  try {
    return readText(path);
  } catch (err) {
    if (err instanceof InputFileError && (err.code === "ENOENT" || err.code === "ENOTDIR")) return undefined;
    throw err;
  }
}
