import { join } from "node:path";
import { generate, type GenerateResult } from "../../src/generate.js";
import { corpusPypiClient } from "../config/corpus-index.js";
import { CORPUS, tempDir } from "../helpers.js";

/**
 * A corpus lock generated offline with nothing cached: with PyPI's answers from the corpus where a
 * lock names hashes but no files, else without; undefined when it needs the index even so.
 */
export async function generateCorpusOffline(name: string, output = join(tempDir(), "lock.nix")): Promise<GenerateResult | undefined> {
  const options = { path: join(CORPUS, name), output, offline: true, cacheDir: tempDir() };
  for (const extra of [{ client: corpusPypiClient() }, {}]) {
    try {
      return await generate({ ...options, ...extra });
    } catch {
      // Cases that need the index offline cannot be generated at all; callers count them.
    }
  }
  return undefined;
}
