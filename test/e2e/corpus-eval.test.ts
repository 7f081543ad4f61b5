import { execFile } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateCorpusOffline } from "../support/corpus-offline.js";
import { CORPUS, NIX_SKIP_REASON, SHARED_SKIP_REASON, tempDir } from "../helpers.js";
import { STAND_IN } from "./nix-build.js";

/**
 * Every corpus output (offline) evaluates against the stand-in nixpkgs with no missing attribute:
 * each package's derivation is instantiated for x86_64-linux. `tryEval` catches only the
 * deliberate `throw`s (a Rust sdist whose Cargo.lock was not read offline, a file for another
 * system); a missing attribute, a wrong argument or a type error fails the evaluation.
 */
function instantiate(file: string): Promise<{ ok: boolean; out: string }> {
  const expr = `let set = import ${file} { pkgs = import ${STAND_IN} { system = "x86_64-linux"; }; }; ` +
    `results = map (p: (builtins.tryEval (builtins.seq p.drvPath true)).success) (builtins.attrValues set.packages); ` +
    `in { total = builtins.length results; evaluated = builtins.length (builtins.filter (x: x) results); env = (builtins.tryEval (builtins.seq set.env.drvPath true)).success; }`;
  return new Promise((resolve) => {
    execFile("nix-instantiate", ["--eval", "--strict", "--json", "--expr", expr], { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ ok: !err, out: err ? stderr : stdout });
    });
  });
}

describe.skipIf(NIX_SKIP_REASON ?? SHARED_SKIP_REASON)("corpus outputs against the stand-in nixpkgs", () => {
  it("evaluate with no missing attribute, every package of every lock that generates offline", async () => {
    const failures: string[] = [];
    let locks = 0;
    let packages = 0;
    let evaluated = 0;
    for (const name of readdirSync(CORPUS).filter((n) => !n.endsWith(".md")).sort()) {
      const dir = tempDir();
      const output = join(dir, "lock.nix");
      const result = await generateCorpusOffline(name, output);
      if (!result) continue;
      writeFileSync(output, result.nix);
      for (const [path, text] of result.files) {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, text);
      }
      locks++;
      const got = await instantiate(output);
      // A git dependency the lock gives no hash for is fetched by builtins.fetchGit at evaluation,
      // which this offline machine cannot (poetry-p2n-git-deps): not a missing attribute.
      if (!got.ok && /program 'git' failed/.test(got.out)) continue;
      if (!got.ok) {
        failures.push(`${name}: ${got.out.split("\n").filter((l) => l.includes("error")).slice(0, 3).join(" | ")}`);
        continue;
      }
      const counts = JSON.parse(got.out) as { total: number; evaluated: number };
      packages += counts.total;
      evaluated += counts.evaluated;
    }
    expect(failures).toEqual([]);
    expect(locks).toBeGreaterThanOrEqual(12);
    // What does not instantiate is a Rust sdist whose Cargo.lock offline generation could not read
    // (a deliberate throw) and what depends on one (ruff, uv, watchfiles, jiter, cryptography, ...).
    expect(evaluated / packages).toBeGreaterThan(0.85);
  }, 600_000);
});
