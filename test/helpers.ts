import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** ../shared beside the checkout, as CI lays it out: the real-lock corpus and peers' test data. */
export const SHARED = join(import.meta.dirname, "..", "..", "shared");
/** The shared corpus of real lockfiles. */
export const CORPUS = join(SHARED, "corpus");

/**
 * Why tests that read ../shared skip, or undefined when they run. A fresh clone has no ../shared, so
 * they skip with this reason printed; under CI its absence is a failure, never a skip.
 */
export const SHARED_SKIP_REASON = existsSync(CORPUS) || process.env["CI"] === "true" ? undefined : `${SHARED} not found (the shared corpus of real lockfiles and peers' data, beside the checkout in CI)`;

if (SHARED_SKIP_REASON) console.warn(`skipping tests on real lockfiles: ${SHARED_SKIP_REASON}`);

/** The corpus cases whose names start with `prefix`; none when ../shared is absent and skipped. */
export function corpusCases(prefix: string): string[] {
  if (SHARED_SKIP_REASON) return [];
  return readdirSync(CORPUS)
    .filter((name) => name.startsWith(prefix))
    .sort();
}

const made: string[] = [];

/** A fresh temporary folder, removed after the test file (see test/setup.ts). */
export function tempDir(prefix = "lock2nix-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

function hasCommand(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

export const HAVE_NIX = hasCommand("nix-instantiate") && hasCommand("nix-build");

/** Tests that need Nix run wherever it is installed, and always under CI, where its absence is a failure. */
export const NIX_SKIP_REASON = HAVE_NIX || process.env["CI"] === "true" ? undefined : "nix-instantiate/nix-build not found (install nix-bin; .ci/run does)";

if (NIX_SKIP_REASON) console.warn(`skipping Nix tests: ${NIX_SKIP_REASON}`);

/** Debian's pip (python3-pip, which .ci/run installs): tests that install with it skip without it, never under CI. */
export const PIP_SKIP_REASON = existsSync("/usr/lib/python3/dist-packages/pip") || process.env["CI"] === "true" ? undefined : "Debian's pip not found (install python3-pip; .ci/run does)";

if (PIP_SKIP_REASON) console.warn(`skipping pip tests: ${PIP_SKIP_REASON}`);

export function nixParse(file: string): void {
  execFileSync("nix-instantiate", ["--parse", file], { stdio: ["ignore", "ignore", "pipe"] });
}

/** `git ARGS` in `dir` with a fixed author, as tests that make repositories need; returns stdout, trimmed. */
export function gitIn(dir: string): (...args: string[]) => string {
  const env = { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t" };
  return (...args) => execFileSync("git", args, { cwd: dir, encoding: "utf8", env }).trim();
}
