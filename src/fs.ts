import { isAscii } from "node:buffer";
import { randomBytes } from "node:crypto";
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/**
 * Writes `text` to `path` through a temporary file beside it and a rename, so
 * a failure leaves no partial file and a concurrent reader sees the old file
 * or the new one, never half of it (outputs and cache entries alike).
 */
export function writeFileAtomic(path: string, text: string | Buffer): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
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
