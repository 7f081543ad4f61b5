import { isAscii } from "node:buffer";
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
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
  return decodeText(readFileSync(path));
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

/** The file's text, or undefined when it does not exist (other errors are thrown). */
export function readOptional(path: string): string | undefined {
  try {
    return readText(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}
