/**
 * Loads the bundled CLI (dist/lock2nix.cjs) with V8's code cache: the
 * bytecode of every function a run compiled, kept in the cache folder after
 * the first run, so later runs neither parse the 700 kB bundle nor compile
 * its functions again. Keyed by the bundle's sha256 and Node's version, as
 * V8's own check looks at the source's length only; a cache V8 rejects
 * (another V8, other flags) is replaced.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Script } from "node:vm";
import { writeFileAtomic } from "../fs.js";

export interface LoadedBundle<T> {
  exports: T;
  /** What became of the code cache: there was none, V8 used it, or V8 refused it. */
  codeCache: "none" | "used" | "rejected";
  /** Writes the code cache when there was none (call after the run, so it holds what the run compiled). */
  saveCodeCache(): void;
}

export function loadBundle<T>(bundle: string, cacheDir: string): LoadedBundle<T> {
  const bytes = readFileSync(bundle);
  const key = createHash("sha256").update(bytes).digest("hex").slice(0, 32);
  const cacheFile = join(cacheDir, "code", `${key}-node${process.versions.node}-${process.arch}.v8`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // None yet.
  }
  // The wrapper CommonJS gives a module, on one line so line numbers in stack traces stay the bundle's.
  const wrapped = `(function (exports, require, module, __filename, __dirname) { ${bytes.toString("utf8")}\n})`;
  const script = new Script(wrapped, { filename: bundle, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} as T };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  const codeCache = cachedData === undefined ? "none" : script.cachedDataRejected === true ? "rejected" : "used";
  return {
    exports: module.exports,
    codeCache,
    saveCodeCache() {
      if (codeCache === "used") return;
      try {
        mkdirSync(dirname(cacheFile), { recursive: true });
        writeFileAtomic(cacheFile, script.createCachedData());
      } catch {
        // A cache folder that cannot be written only costs the next run its compile time.
      }
    },
  };
}
