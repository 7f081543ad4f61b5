#!/usr/bin/env node
// A run is short: TurboFan's background compiles cost more CPU than they save,
// and the process waits for them before it exits (warm bench: 0.96 s of CPU
// against 0.70 s without). Set before lock2nix's code loads.
import { setFlagsFromString } from "node:v8";

setFlagsFromString("--no-opt");

// The CLI is one bundled module (dist/lock2nix.mjs): loading ~70 modules one by one costs more than the work of a cached run.
const { main } = await import("../dist/lock2nix.mjs");

process.exitCode = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stderrIsTty: process.stderr.isTTY,
  stdoutIsTty: process.stdout.isTTY,
});
