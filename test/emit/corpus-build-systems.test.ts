// Done-when of issue 15: offline, with nothing cached, every corpus lock that generates names a
// real build backend (not the fallback) for at least 95 % of its source builds.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generate, type GenerateResult } from "../../src/generate.js";
import { corpusPypiClient } from "../config/corpus-index.js";
import { CORPUS, tempDir } from "../helpers.js";

async function offline(name: string): Promise<GenerateResult | undefined> {
  const options = { path: join(CORPUS, name), output: join(tempDir(), "lock.nix"), offline: true, cacheDir: tempDir() };
  // PyPI's answers from the corpus where a lock names hashes but no files; a mirror's locks without.
  for (const extra of [{ client: corpusPypiClient() }, {}]) {
    try {
      return await generate({ ...options, ...extra });
    } catch {
      // Cases that need the index offline cannot be generated at all; they are counted below.
    }
  }
  return undefined;
}

describe("offline generation of the corpus", () => {
  it("names a real build backend for at least 95 % of source builds", async () => {
    let builds = 0;
    let generated = 0;
    const fellBack: string[] = [];
    for (const name of readdirSync(CORPUS).filter((n) => !n.endsWith(".md")).sort()) {
      const result = await offline(name);
      if (!result) continue;
      generated++;
      for (const bySystem of result.resolution.packages.values()) {
        const s = [...bySystem.values()][0]!.source;
        if ((s.kind === "artifact" && s.artifact.kind !== "wheel") || s.kind === "git" || (s.kind === "path" && s.format !== "wheel")) builds++;
      }
      const header = /^# build-system fell back \([^)]*\): (.*)$/m.exec(result.nix)?.[1];
      if (header) fellBack.push(...header.split(" ").map((p) => `${name}: ${p}`));
    }
    // Not vacuous: most of the corpus generates offline, with more than a thousand source builds.
    expect(generated).toBeGreaterThanOrEqual(12);
    expect(builds).toBeGreaterThan(1000);
    expect(1 - fellBack.length / builds, fellBack.join("\n")).toBeGreaterThanOrEqual(0.95);
  }, 120_000);
});
