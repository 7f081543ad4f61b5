/** `lock2nix audit`'s provenance check: every file the lock pins from an index, fetched, verified and judged (findings.ts). */
import type { Finding, SkippedCheck } from "../audit/types.js";
import { previousProvenanceIn } from "../emit/previous.js";
import { isTable } from "../formats/fields.js";
import { Lock2nixError } from "../errors.js";
import { OfflineMiss } from "../index/client.js";
import { parseJson } from "../index/responses.js";
import type { IndexClient, IndexLocation } from "../index/types.js";
import type { Lock } from "../model.js";
import { normalizeName } from "../pep/normalize.js";
import { indexFor, type IndexSettings } from "../resolve/locate.js";
import { checkProvenance, type ProvenanceTarget } from "./check.js";
import type { DocumentClient } from "./fetch.js";
import { provenanceFindings } from "./findings.js";
import { identityCheckFor } from "./identities.js";

export interface ProvenanceAuditOptions {
  client: IndexClient;
  settings: IndexSettings;
  /** The file lock2nix generated last time, whose recorded publishers are compared with today's. */
  previous?: string;
  trustedRoot?: string;
  cacheDir?: string;
}

/** The URLs PyPI's JSON API says the project declares (`project_urls`, `home_page`). */
export function declaredUrls(doc: unknown): string[] {
  const info = isTable(doc) && isTable(doc["info"]) ? doc["info"] : {};
  const urls = isTable(info["project_urls"]) ? Object.values(info["project_urls"]) : [];
  return [...urls, info["home_page"]].filter((u): u is string => typeof u === "string" && u !== "");
}

async function declaredFor(client: DocumentClient, index: IndexLocation, name: string, version: string): Promise<string[] | undefined> {
  if (!index.pypiJson) return undefined;
  const base = new URL(index.url);
  const url = `${base.protocol}//${base.host}/pypi/${normalizeName(name)}/${encodeURIComponent(version)}/json`;
  try {
    // The same URL (and cache entry) the file lookup read.
    return declaredUrls(parseJson(await client.document(index, url, "application/json", `${name} ${version}`, parseJson), url));
  } catch (err) {
    if (err instanceof Lock2nixError) return undefined;
    throw err;
  }
}

export async function auditProvenance(lock: Lock, options: ProvenanceAuditOptions): Promise<{ findings: Finding[]; skipped: SkippedCheck[] }> {
  const client = options.client as IndexClient & Partial<DocumentClient>;
  if (typeof client.document !== "function") return { findings: [], skipped: [{ check: "provenance (PEP 740)", reason: "the index client cannot fetch provenance" }] };
  const documents = client as IndexClient & DocumentClient;
  const targets: ProvenanceTarget[] = [];
  const unlooked: string[] = [];
  const declared = new Map<string, Promise<string[] | undefined>>();
  await Promise.all(
    lock.packages.map(async (pkg) => {
      if (pkg.source.kind !== "index" || !pkg.artifacts.some((a) => a.filename)) return;
      const index = indexFor(pkg.source, options.settings);
      try {
        const files = await client.releaseFiles(index, pkg.name, pkg.version);
        for (const a of pkg.artifacts) {
          const file = files.find((f) => f.filename === a.filename);
          const sha256 = a.sha256 || file?.sha256;
          if (file && sha256) targets.push({ name: pkg.name, version: pkg.version, index, file, sha256 });
        }
        declared.set(pkg.name, declaredFor(documents, index, pkg.name, pkg.version));
      } catch (err) {
        if (!(err instanceof Lock2nixError)) throw err;
        // --offline checks what the cache holds (README: Provenance); the rest is not asked, as OSV is not.
        if (!(err instanceof OfflineMiss)) unlooked.push(`${pkg.name} ${pkg.version}`);
      }
    }),
  );
  const warnings: string[] = [];
  const identity = identityCheckFor(lock);
  const found = await checkProvenance(targets, {
    client: documents,
    warnings,
    ...(options.trustedRoot ? { trustedRoot: options.trustedRoot } : {}),
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
    ...(identity ? { identity } : {}),
  });
  const previous = previousProvenanceIn(options.previous);
  const findings: Finding[] = [];
  for (const [name, provenance] of found) {
    const version = targets.find((t) => t.name === name)?.version ?? "";
    const urls = await declared.get(name);
    const prev = previous.get(name);
    findings.push(...provenanceFindings({ name, version, provenance, ...(prev ? { previous: prev } : {}), ...(urls ? { declaredUrls: urls } : {}) }));
  }
  const skipped: SkippedCheck[] = [];
  if (unlooked.length > 0) skipped.push({ check: `provenance of ${unlooked.sort().join(", ")}`, reason: "the index could not be asked for their files" });
  for (const w of warnings) skipped.push({ check: "provenance", reason: w });
  return { findings, skipped };
}
