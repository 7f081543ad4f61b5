import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../helpers.js";

const LOADER = join(import.meta.dirname, "..", "..", "src", "cli", "code-cache.ts");

/** A small CommonJS bundle standing in for dist/lock2nix.cjs. */
function bundle(body = "exports.answer = (x) => x * 2; exports.file = __filename; exports.join = typeof require('node:path').join;"): string {
  const file = join(tempDir(), "bundle.cjs");
  writeFileSync(file, body);
  return file;
}

/** Loads `file` in a fresh process, as the CLI does (V8 keeps compiled code within a process). */
function load(file: string, cacheDir: string): { codeCache: string; exports: Record<string, unknown> } {
  const script = `import { loadBundle } from ${JSON.stringify(LOADER)};
const loaded = loadBundle(${JSON.stringify(file)}, ${JSON.stringify(cacheDir)});
const exports = Object.fromEntries(Object.entries(loaded.exports).map(([k, v]) => [k, typeof v === "function" ? v(21) : v]));
loaded.saveCodeCache();
console.log(JSON.stringify({ codeCache: loaded.codeCache, exports }));`;
  return JSON.parse(execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8" }));
}

const cacheFiles = (cacheDir: string) => readdirSync(join(cacheDir, "code")).map((f) => join(cacheDir, "code", f));

describe("loading the CLI bundle with V8's code cache", () => {
  it("runs the bundle as CommonJS, keeps its bytecode after the first run and uses it after", () => {
    const file = bundle();
    const cacheDir = tempDir();
    expect(load(file, cacheDir)).toEqual({ codeCache: "none", exports: { answer: 42, file, join: "function" } });
    const [cache] = cacheFiles(cacheDir) as [string];
    const written = readFileSync(cache);
    expect(written.length).toBeGreaterThan(0);
    expect(load(file, cacheDir)).toMatchObject({ codeCache: "used", exports: { answer: 42 } });
    expect(readFileSync(cache).equals(written)).toBe(true);
  });

  it("keys the cache by the bundle's content, not only its length", () => {
    const cacheDir = tempDir();
    const file = bundle("exports.value = 'aaaa';");
    load(file, cacheDir);
    // Same length, other code: V8's own check would not tell.
    writeFileSync(file, "exports.value = 'bbbb';");
    expect(load(file, cacheDir)).toEqual({ codeCache: "none", exports: { value: "bbbb" } });
    expect(cacheFiles(cacheDir)).toHaveLength(2);
  });

  it("runs without a cache V8 rejects, and replaces it", () => {
    const file = bundle();
    const cacheDir = tempDir();
    load(file, cacheDir);
    const [cache] = cacheFiles(cacheDir) as [string];
    writeFileSync(cache, "not V8's code cache");
    expect(load(file, cacheDir)).toMatchObject({ codeCache: "rejected", exports: { answer: 42 } });
    expect(load(file, cacheDir)).toMatchObject({ codeCache: "used" });
  });
});
