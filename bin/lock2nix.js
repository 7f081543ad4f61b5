#!/usr/bin/env node
// The CLI is one bundled module (dist/lock2nix.mjs): loading ~70 modules one by one costs more than the work of a cached run.
import { main } from "../dist/lock2nix.mjs";

process.exitCode = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stderrIsTty: process.stderr.isTTY,
  stdoutIsTty: process.stdout.isTTY,
});
