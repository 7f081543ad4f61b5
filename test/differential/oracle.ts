/**
 * Runs test/differential/oracle.py (Debian's python3-packaging and pip) on a
 * batch of cases: one child process per batch, JSON in and out.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

export type Answer = { ok: unknown } | { error: string };

// Debian's interpreter, whose packaging is the one CI installs (a pyenv python on PATH may carry another).
const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
const SCRIPT = join(import.meta.dirname, "oracle.py");

function probe(): string | undefined {
  const r = spawnSync(PYTHON, ["-c", "import packaging, pip; print(packaging.__version__, pip.__version__)"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** "packaging-version pip-version", or undefined when python3-packaging or python3-pip is missing. */
export const ORACLE_VERSIONS = probe();

export function ask(kind: string, cases: unknown[]): Answer[] {
  const out = execFileSync(PYTHON, [SCRIPT], {
    input: JSON.stringify({ kind, cases }),
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  const answers = JSON.parse(out) as Answer[];
  if (answers.length !== cases.length) throw new Error(`oracle answered ${answers.length} of ${cases.length} ${kind} cases`);
  return answers;
}

/** A fixed-seed generator (mulberry32), so every run checks the same cases. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
