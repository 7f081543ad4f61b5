// PyPI's answers for a few releases, without the network: the file names,
// URLs and sha256 hashes that real lockfiles in ../shared/corpus record for
// files on files.pythonhosted.org (uv.lock writes each file's PyPI URL and
// hash). For the pip-compile examples, whose lines name hashes but not
// files, this is the one thing lock2nix asks PyPI's JSON API; the answer is
// the same, so the output is what generating against PyPI writes.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { OfflineMiss } from "../../src/index/client.js";
import type { IndexClient, IndexFile, IndexLocation } from "../../src/index/types.js";
import { normalizeName } from "../../src/pep/normalize.js";
import { parseSdistFilename, parseWheelFilename } from "../../src/pep/tags.js";
import { CORPUS } from "../helpers.js";

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

function release(filename: string): { name: string; version: string } | undefined {
  if (filename.endsWith(".whl")) {
    try {
      const w = parseWheelFilename(filename);
      return { name: normalizeName(w.name), version: w.version };
    } catch {
      return undefined;
    }
  }
  const s = parseSdistFilename(filename);
  return s ? { name: s.name, version: s.version } : undefined;
}

let files: Map<string, IndexFile[]> | undefined;

/** name@version -> the PyPI files the corpus records for that release. */
function corpusFiles(): Map<string, IndexFile[]> {
  if (files) return files;
  files = new Map();
  const seen = new Set<string>();
  const entry = /url = "(https:\/\/files\.pythonhosted\.org\/packages\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{60}\/([^"/]+))", hash = "sha256:([0-9a-f]{64})"/g;
  for (const path of walk(CORPUS).filter((p) => p.endsWith(".lock")).sort()) {
    for (const m of readFileSync(path, "utf8").matchAll(entry)) {
      const [, url, rawName, sha256] = m as unknown as [string, string, string, string];
      const filename = decodeURIComponent(rawName);
      const r = release(filename);
      if (!r || seen.has(filename)) continue;
      seen.add(filename);
      const key = `${r.name}@${r.version}`;
      files.set(key, [...(files.get(key) ?? []), { filename, url, sha256, yanked: false }]);
    }
  }
  return files;
}

/** An IndexClient that answers for PyPI from the corpus (as if offline with those answers cached) and refuses every other index. */
export function corpusPypiClient(): IndexClient & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async releaseFiles(index: IndexLocation, name: string, version: string): Promise<IndexFile[]> {
      asked.push(`${name} ${version}`);
      if (!index.pypiJson) throw new Error(`the corpus stands in for PyPI only, not ${index.url}`);
      const found = corpusFiles().get(`${normalizeName(name)}@${version}`);
      // As an offline client without a cache entry: locks that name their files go on without the answer.
      if (!found) throw new OfflineMiss(`the corpus records no PyPI files for ${name} ${version}`);
      return found;
    },
  };
}
