import { isAbsolute, normalize } from "node:path";
import { OfflineMiss } from "../index/client.js";
import { redactUrl } from "../index/credentials.js";
import { IndexError } from "../index/http.js";
import { isPypiIndex, PYPI_FILES_HOST } from "../index/pypi-urls.js";
import type { IndexClient, IndexLocation } from "../index/types.js";
import type { Lock, LockedPackage } from "../model.js";
import { indexFor, type IndexSettings } from "../resolve/locate.js";
import type { Finding, SkippedCheck } from "./types.js";

/**
 * Sources: where each package comes from. Anything but PyPI is worth
 * knowing; a name two configured indexes both serve is dependency
 * confusion (pip takes the highest version from either).
 */

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** A path that stays inside the lock's folder is the project's own code. */
const insideProject = (path: string) => !isAbsolute(path) && !normalize(path).startsWith("..");

function packageFindings(pkg: LockedPackage): Finding[] {
  const base = { kind: "source" as const, package: pkg.name, version: pkg.version };
  const s = pkg.source;
  switch (s.kind) {
    case "index": {
      if (isPypiIndex(s.url)) return [];
      const where = `${redactUrl(s.url)}${s.name ? ` (${s.name})` : ""}`;
      return [
        {
          ...base,
          severity: "low",
          rule: "source/non-pypi-index",
          summary: `from index ${where}, not PyPI`,
          message: `comes from index ${where}, not PyPI: that index decides what the name means`,
        },
      ];
    }
    case "urls": {
      const hosts = [...new Set(pkg.artifacts.flatMap((a) => (a.url ? [hostOf(a.url)] : [])))].filter((h) => `https://${h}` !== PYPI_FILES_HOST);
      if (hosts.length === 0) return [];
      return [{ ...base, severity: "low", rule: "source/non-pypi-files", summary: `files from ${hosts.join(", ")}`, message: `files come from ${hosts.join(", ")}, not PyPI` }];
    }
    case "url":
      return [
        {
          ...base,
          severity: "low",
          rule: "source/direct-url",
          summary: "are direct URL dependencies: no index stands behind them",
          message: `direct URL dependency ${redactUrl(s.url)}: no index stands behind it (no yanking, no project ownership)`,
        },
      ];
    case "git":
      return [
        {
          ...base,
          severity: "low",
          rule: "source/git",
          message: `built from git repository ${redactUrl(s.url)} at ${s.commit.slice(0, 12)}, not from an index`,
        },
      ];
    case "file":
    case "directory": {
      const what = s.kind === "file" ? "local archive" : "local source tree";
      if (insideProject(s.path)) {
        return [{ ...base, severity: "info", rule: "source/local-path", summary: `${what} inside the project`, message: `${what} ${s.path} inside the project` }];
      }
      return [
        {
          ...base,
          severity: "medium",
          rule: "source/local-path-outside",
          message: `${what} ${s.path} lies outside the project: the build uses whatever is there, which no lock pins`,
        },
      ];
    }
  }
}

export function checkSources(lock: Lock): Finding[] {
  return lock.packages.flatMap(packageFindings);
}

export interface ConfusionContext {
  client: IndexClient;
  settings: IndexSettings;
}

/** Every index the lock asks: the packages' own and pip's extra ones, by URL. */
export function configuredIndexes(lock: Lock, settings: IndexSettings): Map<string, IndexLocation> {
  const out = new Map<string, IndexLocation>();
  const add = (loc: IndexLocation) => {
    const key = redactUrl(loc.url).replace(/\/+$/, "");
    // Existence is asked of the simple API: PyPI's JSON API only answers per version.
    if (!out.has(key)) out.set(key, { ...loc, pypiJson: false });
  };
  for (const p of lock.packages) if (p.source.kind === "index") add(indexFor(p.source, settings));
  for (const i of lock.root.indexes ?? []) add({ name: i.name, url: i.url, pypiJson: false });
  return out;
}

/**
 * Asks every other configured index whether it serves each index package's
 * name. The same version with the same files is a mirror; anything else
 * means two projects answer to one name.
 */
export async function checkDependencyConfusion(lock: Lock, ctx: ConfusionContext): Promise<{ findings: Finding[]; skipped: SkippedCheck[] }> {
  const indexes = configuredIndexes(lock, ctx.settings);
  if (indexes.size < 2) return { findings: [], skipped: [] };
  const findings: Finding[] = [];
  const failures = new Map<string, string>();
  const jobs: Array<Promise<void>> = [];
  for (const pkg of lock.packages) {
    if (pkg.source.kind !== "index") continue;
    const own = redactUrl(indexFor(pkg.source, ctx.settings).url).replace(/\/+$/, "");
    for (const [key, other] of indexes) {
      if (key === own) continue;
      jobs.push(
        (async () => {
          let files;
          try {
            files = await ctx.client.releaseFiles(other, pkg.name, pkg.version);
          } catch (err) {
            if (err instanceof IndexError && / is not on index /.test(err.message)) return;
            if (err instanceof OfflineMiss || err instanceof IndexError) {
              failures.set(other.name, err.message);
              return;
            }
            throw err;
          }
          const ours = new Set(pkg.artifacts.flatMap((a) => (a.sha256 ? [a.sha256] : [])));
          if (files.some((f) => f.sha256 && ours.has(f.sha256))) return;
          const where = `index ${other.name} (${redactUrl(other.url)})`;
          const detail =
            files.length === 0
              ? `${where} also has a project named ${pkg.name}, without this version: a higher version published there could be installed instead`
              : ours.size === 0
                ? `${where} also serves ${pkg.name} ${pkg.version}, and the lock has no hashes to tell whether it is the same project`
                : `${where} also serves ${pkg.name} ${pkg.version}, with different files: two projects answer to this name`;
          findings.push({
            kind: "source",
            severity: files.length > 0 && ours.size === 0 ? "medium" : "high",
            package: pkg.name,
            version: pkg.version,
            rule: "source/dependency-confusion",
            message: `dependency confusion: ${detail}`,
          });
        })(),
      );
    }
  }
  await Promise.all(jobs);
  const skipped = [...failures].map(([name, reason]) => ({ check: `dependency confusion (index ${name})`, reason }));
  return { findings, skipped };
}
