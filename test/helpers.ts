import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The shared corpus of real lockfiles, beside the checkout as CI lays it out. */
export const CORPUS = join(import.meta.dirname, "..", "..", "shared", "corpus");

export function corpusCases(prefix: string): string[] {
  return readdirSync(CORPUS)
    .filter((name) => name.startsWith(prefix))
    .sort();
}

export function tempDir(prefix = "lock2nix-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

function hasCommand(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

export const HAVE_NIX = hasCommand("nix-instantiate") && hasCommand("nix-build");

/** Tests that need Nix run wherever it is installed, and always under CI, where its absence is a failure. */
export const NIX_SKIP_REASON = HAVE_NIX || process.env["CI"] === "true" ? undefined : "nix-instantiate/nix-build not found (install nix-bin; .ci/run does)";

if (NIX_SKIP_REASON) console.warn(`skipping Nix tests: ${NIX_SKIP_REASON}`);

export function nixParse(file: string): void {
  execFileSync("nix-instantiate", ["--parse", file], { stdio: ["ignore", "ignore", "pipe"] });
}
