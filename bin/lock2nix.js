#!/usr/bin/env node
// A run is short: TurboFan's background compiles cost more CPU than they save,
// and the process waits for them before it exits (warm bench: 0.96 s of CPU
// against 0.70 s without). Set before lock2nix's code loads.
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";

setFlagsFromString("--no-opt");

// The CLI is one bundled file, loaded with V8's code cache (see src/cli/code-cache.ts):
// parsing and compiling it anew costs a cached run more than much of its work.
const { loadBundle } = await import("../dist/cli/code-cache.js");
const { defaultCacheDir } = await import("../dist/index/cache.js");
const cli = loadBundle(fileURLToPath(new URL("../dist/lock2nix.cjs", import.meta.url)), defaultCacheDir());

process.exitCode = await cli.exports.main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stderrIsTty: process.stderr.isTTY,
  stdoutIsTty: process.stdout.isTTY,
});
cli.saveCodeCache();
