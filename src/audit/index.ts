import { Lock2nixError } from "../errors.js";
import { readLock } from "../formats/index.js";
import { DiskCache, defaultCacheDir } from "../index/cache.js";
import { CachingIndexClient } from "../index/client.js";
import { HttpClient, type HttpOptions } from "../index/http.js";
import type { IndexClient } from "../index/types.js";
import type { FormatId, Lock } from "../model.js";
import { defaultLibrary, matchOverride } from "../overrides/index.js";
import { settleWrites } from "../fs.js";
import { indexSettings, nameArtifactsByHash, type IndexSettings } from "../resolve/locate.js";
import type { IndexRedirect } from "../index/redirect.js";
import { NIX_SYSTEMS } from "../resolve/target.js";
import { checkBuildRisk, type NetworkAtBuild } from "./build-risk.js";
import { auditProvenance } from "../provenance/audit.js";
import { DEFAULT_OSV_URL, queryOsv } from "./osv.js";
import { OsvDatabase } from "./osv-db.js";
import { advisoryFinding } from "./osv-match.js";
import { checkPinning, refusalFinding } from "./pinning.js";
import { checkDependencyConfusion, checkSources, configuredIndexes } from "./sources.js";
import { checkTyposquats, type PopularNames } from "./typosquat.js";
import { atLeast, countBySeverity, sortFindings, type FailOn, type Finding, type SkippedCheck } from "./types.js";

export * from "./types.js";
export type { NetworkAtBuild } from "./build-risk.js";

export interface AuditOptions {
  /** A lockfile, or a folder holding one. */
  path: string;
  format?: FormatId;
  /** No network: OSV and index look-ups are skipped (an --osv-db still counts). */
  offline?: boolean;
  /** OSV API root; default $LOCK2NIX_OSV_URL, else https://api.osv.dev. */
  osvUrl?: string;
  /** A folder of OSV advisory JSON files (OSV's PyPI export) to use instead of the API. */
  osvDb?: string;
  /** As generate's --index-url: replaces PyPI for packages the lock assigns to it. */
  indexUrl?: string;
  /** As generate's --index NAME=URL. */
  indexes?: IndexRedirect[];
  /** As generate's --prefer-wheels, for the build-risk check. */
  preferWheels?: boolean;
  cacheDir?: string;
  http?: HttpOptions;
  jobs?: number;
  /** Use this index client instead of the network (tests). */
  client?: IndexClient;
  /** Network-at-build verdicts; default the override library lock2nix ships. */
  networkAtBuild?: NetworkAtBuild;
  /** The popular names typosquats are judged against (tests); default data/top-pypi-packages.txt. */
  popular?: PopularNames;
  /** Check PEP 740 provenance (default true). */
  provenance?: boolean;
  /** The Nix file lock2nix generated before, whose recorded publishers are compared. */
  previous?: string;
  /** As generate's --trusted-root. */
  trustedRoot?: string;
}

export interface AuditResult {
  /** Undefined when the lock could not be read (a weak hash; see the findings). */
  lock?: Lock;
  /** Most severe first. */
  findings: Finding[];
  skipped: SkippedCheck[];
}

/** The checks that need nothing but the lock: what `generate` runs by default. */
export function auditLock(lock: Lock, options: { popular?: PopularNames } = {}): Finding[] {
  return sortFindings(dedupe([...checkPinning(lock), ...checkSources(lock), ...checkTyposquats(lock, options.popular)]));
}

/** Reads the lock and runs the cheap checks; a lock with a weak hash comes back as that one finding. */
export function quickAudit(path: string, format?: FormatId): Finding[] {
  try {
    return auditLock(readLock(path, format));
  } catch (err) {
    const refused = refusalFinding(err);
    if (refused) return [refused];
    throw err;
  }
}

/** The override library's verdict: a package whose build downloads on any system. */
export const libraryNetworkAtBuild: NetworkAtBuild = (name, version) => {
  for (const system of NIX_SYSTEMS) {
    const m = matchOverride(name, version, system);
    if (m?.networkAtBuild) return m.reasons.join("; ") || "no reason given";
  }
  return undefined;
};

/** Packages whose name and version mean a PyPI project: local code has no advisories of its own. */
const osvQueries = (lock: Lock) =>
  lock.packages.filter((p) => p.source.kind !== "directory" && p.source.kind !== "file").map((p) => ({ name: p.name, version: p.version }));

export async function audit(options: AuditOptions): Promise<AuditResult> {
  let lock: Lock;
  try {
    lock = readLock(options.path, options.format);
  } catch (err) {
    const refused = refusalFinding(err);
    if (!refused) throw err;
    return { findings: [refused], skipped: [{ check: "all other checks", reason: "the lock could not be read" }] };
  }
  const offline = options.offline ?? false;
  const findings = [...checkPinning(lock), ...checkSources(lock), ...checkTyposquats(lock, options.popular)];
  const skipped: SkippedCheck[] = [];
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const cache = new DiskCache(cacheDir);
  const http = new HttpClient(options.http);
  const indexUrl = options.indexUrl ?? (process.env["PIP_INDEX_URL"] || undefined);
  const settings: IndexSettings = indexSettings(indexUrl, options.indexes);
  const client = options.client ?? new CachingIndexClient({ http, cache, offline, jobs: options.jobs ?? 16 });
  try {
    if (offline && configuredIndexes(lock, settings).size >= 2) {
      skipped.push({ check: "dependency confusion", reason: "--offline: the indexes were not asked which names they serve" });
    } else if (!offline) {
      const confusion = await checkDependencyConfusion(lock, { client, settings });
      findings.push(...confusion.findings);
      skipped.push(...confusion.skipped);
    }

    // Hash-only locks name their files only through the index; build risk needs the names.
    const forBuild = structuredClone(lock);
    if (forBuild.packages.some((p) => p.artifacts.some((a) => a.filename === "") || (p.source.kind === "index" && p.artifacts.length === 0))) {
      try {
        await nameArtifactsByHash(forBuild, { client, settings, offline, warnings: [] });
      } catch (err) {
        if (!(err instanceof Lock2nixError)) throw err;
        skipped.push({ check: "build risk (packages whose files the lock does not name)", reason: err.message });
      }
    }
    let networkAtBuild = options.networkAtBuild;
    if (!networkAtBuild) {
      try {
        defaultLibrary();
        networkAtBuild = libraryNetworkAtBuild;
      } catch (err) {
        skipped.push({ check: "network-at-build (override library)", reason: (err as Error).message });
      }
    }
    findings.push(...checkBuildRisk(forBuild, { preferWheels: options.preferWheels ?? false, ...(networkAtBuild ? { networkAtBuild } : {}) }));

    if (options.provenance !== false) {
      const checked = await auditProvenance(lock, {
        client,
        settings,
        cacheDir,
        ...(options.previous ? { previous: options.previous } : {}),
        ...(options.trustedRoot ? { trustedRoot: options.trustedRoot } : {}),
      });
      findings.push(...checked.findings);
      skipped.push(...checked.skipped);
    }

    const queries = osvQueries(lock);
    if (options.osvDb) {
      const db = OsvDatabase.load(options.osvDb);
      for (const q of queries) for (const a of db.lookup(q.name, q.version)) findings.push(advisoryFinding(a, q.name, q.version));
    } else if (offline) {
      skipped.push({ check: "vulnerabilities and malicious packages (OSV)", reason: "--offline; give --osv-db DIR (an unzipped OSV PyPI export) to check without the network" });
    } else {
      const url = options.osvUrl ?? (process.env["LOCK2NIX_OSV_URL"] || DEFAULT_OSV_URL);
      const found = await queryOsv(queries, { url, http, cache, ...(options.http?.timeoutMs ? { timeoutMs: options.http.timeoutMs } : {}), ...(options.http?.retries !== undefined ? { retries: options.http.retries } : {}) });
      for (const q of queries) for (const a of found.get(`${q.name} ${q.version}`) ?? []) findings.push(advisoryFinding(a, q.name, q.version));
    }
  } finally {
    await http.close();
    // OSV answers are cached for speed only: one that could not be written is asked again next time.
    await settleWrites();
  }
  return { lock, findings: sortFindings(dedupe(findings)), skipped };
}

/** One finding per rule, package and version: a lock listing one release twice (per-platform entries) is one problem. */
function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.rule}\0${f.package}\0${f.version}\0${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Whether the findings reach `--fail-on`'s level. */
export const failsOn = (findings: Finding[], level: FailOn): boolean => findings.some((f) => atLeast(f.severity, level));

/** generate's one line on stderr: `audit: 2 findings: 1 high, 1 low (python3-dateutil: typosquat); run lock2nix audit for details`. */
export function summaryLine(findings: Finding[]): string {
  const shown = findings.filter((f) => f.severity !== "info");
  if (shown.length === 0) return "audit: no findings (pinning, sources, typosquats)";
  const worst = sortFindings(shown)[0] as Finding;
  return `audit: ${countBySeverity(shown)} (worst: ${worst.package || "the lock"}: ${worst.kind}); run \`lock2nix audit\` for details`;
}

/** The cheap checks of the lock at `path`, as generate's one-line summary; a lock that cannot be read says so. */
export function auditSummaryFor(path: string, format?: FormatId): string {
  try {
    return summaryLine(quickAudit(path, format));
  } catch (err) {
    if (err instanceof Lock2nixError) return `audit: not run (${err.message})`;
    throw err;
  }
}
