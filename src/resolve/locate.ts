import { createHash } from "node:crypto";
import { join } from "node:path";
import pLimit from "p-limit";
import { Lock2nixError, LockError } from "../errors.js";
import { gitSourceHash } from "../index/git.js";
import { OfflineMiss } from "../index/client.js";
import { IndexError, UnreachableError } from "../index/http.js";
import { redactUrl } from "../index/credentials.js";
import type { HttpClient } from "../index/http.js";
import { isPypiIndex, predictPypiUrl } from "../index/pypi-urls.js";
import { redirectFor, type IndexRedirect } from "../index/redirect.js";
import type { IndexClient, IndexFile, IndexLocation } from "../index/types.js";
import type { Lock, LockedPackage } from "../model.js";
import type { BuildSource, Resolution } from "./index.js";

export interface IndexSettings {
  /** Replaces PyPI for every package the lock assigns to it, as pip's --index-url does. */
  indexUrl?: string;
  /** `--index NAME=URL`: indexes the lock names, asked elsewhere (they win over indexUrl for PyPI). */
  redirects?: IndexRedirect[];
}

/** Where index lookups go: --index-url for PyPI, --index redirects for any index the lock names. */
export function indexSettings(indexUrl: string | undefined, redirects: IndexRedirect[] | undefined): IndexSettings {
  return { ...(indexUrl ? { indexUrl } : {}), ...(redirects?.length ? { redirects } : {}) };
}

export interface LocateContext {
  client: IndexClient;
  settings: IndexSettings;
  offline: boolean;
  warnings: string[];
  /** For files neither the lock nor the index hashes; absent offline. */
  http?: HttpClient;
  /** lock2nix's cache folder; git hashes are kept under `git/`. */
  cacheDir?: string;
  /** Told each index file a build pins, with the sha256 pinned (provenance is checked for these). */
  onPinned?: (name: string, version: string, index: IndexLocation, file: IndexFile, sha256: string) => void;
}

/** The index a package's files are asked of. */
export function indexFor(source: { url: string; name?: string | undefined }, settings: IndexSettings): IndexLocation {
  const redirect = redirectFor(settings.redirects, source);
  if (redirect) {
    const name = isPypiIndex(source.url) ? "pypi" : (source.name ?? hostOf(source));
    // Redirected to PyPI itself, PyPI's JSON API answers (and its URLs are predicted, as for any PyPI package).
    return isPypiIndex(redirect.url)
      ? { name, url: "https://pypi.org/simple", pypiJson: true, redirected: true }
      : { name, url: redirect.url, pypiJson: false, redirected: true };
  }
  if (isPypiIndex(source.url)) {
    return settings.indexUrl
      ? { name: "default", url: settings.indexUrl, pypiJson: false }
      : { name: "pypi", url: "https://pypi.org/simple", pypiJson: true };
  }
  return { name: source.name ?? hostOf(source), url: source.url, pypiJson: false };
}

function hostOf(source: { url: string; name?: string | undefined }): string {
  try {
    return new URL(source.url).hostname;
  } catch {
    throw new LockError(`index ${source.name ?? ""}${source.name ? " " : ""}${JSON.stringify(source.url)} is not a URL`);
  }
}

async function filesOf(pkg: LockedPackage, ctx: LocateContext, lock: Lock): Promise<{ index: IndexLocation; files: IndexFile[] } | undefined> {
  const extraIndexes = lock.root.indexes ?? [];
  if (pkg.source.kind !== "index") return undefined;
  const indexes = [
    indexFor(pkg.source, ctx.settings),
    // pip looks in every index; the extra ones only serve what the first lacks.
    ...extraIndexes.map((i) => (redirectFor(ctx.settings.redirects, i) ? indexFor(i, ctx.settings) : { name: i.name, url: i.url, pypiJson: false })),
  ];
  for (const [i, index] of indexes.entries()) {
    try {
      const files = await ctx.client.releaseFiles(index, pkg.name, pkg.version);
      if (files.length > 0 || i === indexes.length - 1) return { index, files };
    } catch (err) {
      if (err instanceof OfflineMiss) return undefined;
      // An index the lock names is down: the lockfile is where it is named, not one package.
      if (err instanceof UnreachableError) throw err.inFile(lock.file);
      const notFound = err instanceof IndexError && / is not on index /.test(err.message);
      if (!notFound || i === indexes.length - 1) throw err;
    }
  }
  return undefined;
}

/**
 * Locks that give hashes without file names (Poetry 0.12, Pipfile.lock)
 * learn the names from the index, by hash. Runs before resolving, since
 * the resolver chooses by file name.
 */
export async function nameArtifactsByHash(lock: Lock, ctx: LocateContext): Promise<void> {
  const unnamed = lock.packages.filter(
    (p) => p.artifacts.some((a) => a.filename === "") || (p.source.kind === "index" && p.artifacts.length === 0),
  );
  const missing: string[] = [];
  await allOrFirstError(
    unnamed.map(async (pkg) => {
      const found = await filesOf(pkg, ctx, lock);
      if (!found) {
        missing.push(`${pkg.name} ${pkg.version}`);
        return;
      }
      if (pkg.artifacts.length === 0) {
        // A pin without hashes (a requirements file without --hash): the index's files and hashes it is.
        pkg.artifacts = found.files.map((f) => ({ filename: f.filename, url: f.url, ...(f.sha256 ? { sha256: f.sha256 } : {}) }));
        if (pkg.artifacts.length === 0) {
          throw new LockError(`${pkg.name} ${pkg.version}: index ${found.index.name} (${redactUrl(found.index.url)}) has no files for this release`, {
            file: lock.file,
            package: pkg.name,
          });
        }
        return;
      }
      const byHash = new Map(found.files.filter((f) => f.sha256).map((f) => [f.sha256 as string, f]));
      pkg.artifacts = pkg.artifacts.flatMap((a) => {
        if (a.filename !== "") return [a];
        const file = byHash.get(a.sha256 ?? "");
        // A hash matching no file is an old file the index dropped or a wrong hash: keep the others.
        return file ? [{ filename: file.filename, sha256: a.sha256 as string, url: file.url }] : [];
      });
      if (pkg.artifacts.length === 0) {
        throw new LockError(
          `${pkg.name} ${pkg.version}: none of the lock's hashes matches a file on index ${found.index.name} (${redactUrl(found.index.url)})`,
          { file: lock.file, package: pkg.name },
        );
      }
    }),
  );
  if (missing.length > 0) {
    throw new LockError(
      `the lock gives no file names for ${missing.sort().join(", ")}; finding their files needs the package index${ctx.offline ? ", and --offline forbids asking it (nothing cached)" : ""}`,
      { file: lock.file },
    );
  }
}

/**
 * For every artifact the resolution chose from an index: takes its URL
 * from the index where the index decides URLs (a mirror or private
 * index; PyPI's are predicted, so output does not depend on the network),
 * and stops when the index and the lock disagree on a file's sha256.
 */
export async function locateArtifacts(lock: Lock, resolution: Resolution, ctx: LocateContext, located?: Map<string, Promise<unknown>>): Promise<void> {
  const byKey = new Map(lock.packages.map((p) => [`${p.name} ${p.version}`, p]));
  const jobs: Array<Promise<void>> = [];
  // Files nobody hashes are downloaded and hashed after every lookup: their releases are located only then.
  let hashed!: () => void;
  const allHashed = new Promise<void>((resolve) => (hashed = resolve));
  for (const [name, builds] of resolution.packages) {
    const versions = new Set([...builds.values()].map((b) => b.version));
    for (const version of versions) {
      const pkg = byKey.get(`${name} ${version}`);
      if (!pkg) continue;
      const job = (async () => {
        const found = await filesOf(pkg, ctx, lock);
        const asked = pkg.source.kind === "index" ? indexFor(pkg.source, ctx.settings) : undefined;
        const toPypi = asked?.redirected === true && asked.pypiJson;
        if (found) {
          for (const file of found.files) {
            if (file.yanked) {
              const reason = typeof file.yanked === "string" ? `: ${file.yanked}` : "";
              ctx.warnings.push(`${name} ${version} is yanked on index ${found.index.name} (${file.filename}${reason})`);
              break;
            }
          }
        }
        // Systems that chose the same file keep sharing one source.
        const sources = new Map<object, BuildSource>();
        for (const build of builds.values()) {
          if (build.version !== version || build.source.kind !== "artifact") continue;
          const artifact = build.source.artifact;
          const already = sources.get(artifact);
          if (already) {
            build.source = already;
            continue;
          }
          if (found) {
            const file = found.files.find((f) => f.filename === artifact.filename);
            if (!file) {
              throw new LockError(
                `${name} ${version}: index ${found.index.name} (${redactUrl(found.index.url)}) has no file ${artifact.filename}, which the lock names`,
                { file: lock.file, package: name },
              );
            }
            if (file.sha256 && artifact.sha256 && file.sha256 !== artifact.sha256) {
              throw new LockError(
                `${name} ${version}: ${artifact.filename} has sha256 ${artifact.sha256} in the lock but ${file.sha256} on index ${found.index.name} (${redactUrl(found.index.url)}); refusing to go on`,
                { file: lock.file, package: name },
              );
            }
            const pinned = artifact.sha256 || file.sha256;
            if (pinned) ctx.onPinned?.(name, version, found.index, file, pinned);
            if (!found.index.pypiJson) {
              build.source = { kind: "artifact", artifact: { ...artifact, url: file.url, urlGuessed: false, sha256: artifact.sha256 || file.sha256 || "" } };
            } else if (toPypi) {
              // The lock's URLs name the index it was redirected from: PyPI's are predicted instead.
              build.source = { kind: "artifact", artifact: { ...artifact, url: predictPypiUrl(artifact.filename), urlGuessed: false } };
            }
            sources.set(artifact, build.source);
          } else if (toPypi) {
            // Offline and not cached, an index redirected to PyPI still has PyPI's predictable URLs.
            build.source = { kind: "artifact", artifact: { ...artifact, url: predictPypiUrl(artifact.filename), urlGuessed: false } };
            sources.set(artifact, build.source);
          }
        }
      })();
      jobs.push(job);
      const key = `${name} ${version}`;
      located?.set(
        key,
        job.then(() => ([...builds.values()].some((b) => b.version === version && b.source.kind === "artifact" && !b.source.artifact.sha256) ? allHashed : undefined)),
      );
    }
  }
  try {
    await allOrFirstError(jobs);
    await hashUnhashed(resolution, ctx, lock);
  } finally {
    hashed();
  }
  await hashGitSources(resolution, ctx, lock);
}

/**
 * Git sources get the hash nixpkgs' fetchgit will check, computed here
 * from a checkout, so evaluating the output never fetches. Offline, they
 * keep `builtins.fetchGit` (pinned by commit, fetched at evaluation).
 */
async function hashGitSources(resolution: Resolution, ctx: LocateContext, lock: Lock): Promise<void> {
  const limit = pLimit(4);
  const hashes = new Map<string, Promise<string>>();
  const offline: string[] = [];
  const jobs: Array<Promise<void>> = [];
  for (const [name, builds] of resolution.packages) {
    for (const build of builds.values()) {
      const source = build.source;
      if (source.kind !== "git") continue;
      if (ctx.offline) {
        offline.push(name);
        continue;
      }
      const key = `${source.url} ${source.commit}`;
      let pending = hashes.get(key);
      if (!pending) {
        pending = limit(() => gitSourceHash({ url: source.url, commit: source.commit, ...(ctx.cacheDir ? { cacheDir: join(ctx.cacheDir, "git") } : {}) }));
        hashes.set(key, pending);
      }
      jobs.push(
        pending.then(
          (hash) => {
            build.source = { ...source, hash };
          },
          (err: unknown) => {
            if (err instanceof Lock2nixError) throw new LockError(`${name} ${build.version}: ${err.message}`, { file: lock.file, package: name });
            throw err;
          },
        ),
      );
    }
  }
  await allOrFirstError(jobs);
  if (offline.length > 0) {
    ctx.warnings.push(
      `git dependencies are not hashed offline, so they use builtins.fetchGit, which fetches while Nix evaluates: ${[...new Set(offline)].sort().join(", ")}; run without --offline to pin them with fetchgit and a sha256`,
    );
  }
}

/** Downloads and hashes files that neither the lock nor the index pins. */
async function hashUnhashed(resolution: Resolution, ctx: LocateContext, lock: Lock): Promise<void> {
  const hashes = new Map<string, Promise<string>>();
  for (const [name, builds] of resolution.packages) {
    for (const build of builds.values()) {
      if (build.source.kind !== "artifact" || build.source.artifact.sha256) continue;
      const artifact = build.source.artifact;
      if (!ctx.http || ctx.offline) {
        throw new LockError(`${name} ${build.version}: ${artifact.filename} has no sha256 in the lock or the index; hashing it needs a download, which --offline forbids`, {
          file: lock.file,
          package: name,
        });
      }
      const http = ctx.http;
      let pending = hashes.get(artifact.url);
      if (!pending) {
        pending = (async () => {
          let hash = createHash("sha256");
          try {
            await http.stream(artifact.url, () => {
              hash = createHash("sha256");
              return (chunk) => hash.update(chunk);
            });
          } catch (err) {
            if (err instanceof Lock2nixError) throw new LockError(`${name} ${build.version}: hashing ${artifact.filename}: ${err.message}`, { file: lock.file, package: name });
            throw err;
          }
          return hash.digest("hex");
        })();
        hashes.set(artifact.url, pending);
      }
      build.source = { kind: "artifact", artifact: { ...artifact, sha256: await pending } };
    }
  }
}

/**
 * Waits for every job, then throws the first failure: a failed lookup must
 * not end the run while others still answer and write the cache behind it.
 */
export async function allOrFirstError(jobs: Array<Promise<unknown>>): Promise<void> {
  const results = await Promise.allSettled(jobs);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}
