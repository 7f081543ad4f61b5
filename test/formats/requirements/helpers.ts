import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Lock2nixError } from "../../../src/errors.js";
import { readRequirementsTree, type ReadRequirementsOptions, type RequirementsResult } from "../../../src/formats/requirements/index.js";
import type { LockInput } from "../../../src/formats/types.js";

/** The LockInput readLock builds for `path`. */
export function inputFor(path: string): LockInput {
  const dir = dirname(path);
  return {
    text: readFileSync(path, "utf8"),
    path,
    readSibling: (name) => {
      try {
        return readFileSync(join(dir, name), "utf8");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw err;
      }
    },
    siblingPath: (name) => join(dir, name),
  };
}

export function read(path: string, options: ReadRequirementsOptions = {}): RequirementsResult {
  return readRequirementsTree(inputFor(path), { env: {}, ...options });
}

/** Writes `files` (path -> text) under `dir`. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

/** The error reading throws, as the CLI prints it. */
export function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof Lock2nixError) return err.format();
    throw err;
  }
  throw new Error("expected an error");
}
