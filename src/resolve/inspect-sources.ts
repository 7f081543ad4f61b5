import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pLimit from "p-limit";
import type { HttpClient } from "../index/http.js";
import { LockError } from "../errors.js";
import { gitSourceHash } from "../index/git.js";
import { ArchiveError, cargoGitCrates, gitCrateSources, HashMismatchError, inspectSdist, mapBuildRequires } from "../inspect/index.js";
import type { OverrideSet, SdistFacts, SdistFactsLookup } from "../overrides/index.js";
import type { Resolution } from "./index.js";
import type { RunMemo } from "../run-memo.js";
import { allOrFirstError } from "./locate.js";

export interface InspectContext {
  http: HttpClient;
  offline: boolean;
  /** lock2nix's cache folder; sdist facts are kept under `inspect/`. */
  cacheDir: string;
  /** Where each Cargo.lock goes, relative names under the output's folder. */
  outputDir: string;
  overrides: OverrideSet;
  warnings: string[];
  /** Downloads at once (the index client's --jobs), when `schedule` is not given. */
  jobs?: number;
  /** Runs a download in the slots index requests use, so --jobs bounds both together. */
  schedule?: <T>(download: () => Promise<T>) => Promise<T>;
  /**
   * Per `name version`, settles when locating that release's files is done
   * (see locateArtifacts): inspection starts then, while other lookups go on.
   * A package whose locating failed is not inspected (the run fails with that).
   */
  located?: Map<string, Promise<unknown>>;
  /** Facts a previous run on this lock found, in one file (see src/run-memo.ts). */
  memo?: Pick<RunMemo, "sdistFacts" | "recordSdistFacts">;
}

export interface InspectedSources {
  lookup: SdistFactsLookup;
  /** Files to write beside the output (a Rust package's Cargo.lock), by absolute path. */
  files: Map<string, string>;
}

/**
 * Reads every sdist the resolution builds from (online, or from the cache
 * offline): its `[build-system] requires` (setuptools when it has no
 * pyproject.toml, as PEP 517 says), whether it holds native code, and for
 * packages the override data marks as Rust, its Cargo.lock, written beside
 * the output so nixpkgs' importCargoLock can vendor the crates.
 */
export async function inspectSources(resolution: Resolution, ctx: InspectContext): Promise<InspectedSources> {
  const limit = ctx.schedule ? undefined : pLimit(ctx.jobs ?? 16);
  const schedule = ctx.schedule ?? (<T>(download: () => Promise<T>): Promise<T> => (limit as ReturnType<typeof pLimit>)(download));
  const failed = new FailedInspections(join(ctx.cacheDir, "inspect-failed"));
  const facts = new Map<string, SdistFacts>();
  const files = new Map<string, string>();
  const unknown = new Set<string>();
  const jobs: Array<Promise<void>> = [];
  const seen = new Set<string>();
  for (const [name, builds] of resolution.packages) {
    for (const version of new Set([...builds.values()].map((b) => b.version))) {
      const key = `${name} ${version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      jobs.push(
        (async () => {
          // Where the index decides a file's URL (and may supply its hash), the source is final once located.
          if (!(await settled(ctx.located?.get(key)))) return;
          const picked = [...builds].find(([, b]) => b.version === version && b.source.kind === "artifact" && b.source.artifact.kind === "sdist" && b.source.artifact.sha256);
          if (!picked) return;
          const [system, build] = picked;
          const artifact = (build.source as Extract<typeof build.source, { kind: "artifact" }>).artifact;
          const rust = ctx.overrides.match(name, version, system)?.cargo !== undefined;
          let found = ctx.memo?.sdistFacts(artifact.sha256);
          if (!found) {
            if (failed.has(artifact.sha256)) return;
            try {
              found = await schedule(() =>
                inspectSdist({
                  url: artifact.url,
                  filename: artifact.filename,
                  sha256: artifact.sha256,
                  http: ctx.http,
                  cacheDir: join(ctx.cacheDir, "inspect"),
                  offline: ctx.offline,
                  onWarning: (m) => ctx.warnings.push(m),
                }),
              );
            } catch (err) {
              // The file is not what the lock pins: that stops the run. Anything else only costs the facts.
              if (err instanceof HashMismatchError) throw err;
              ctx.warnings.push(`${name} ${version}: its sdist could not be inspected (${(err as Error).message}); its build system comes from the previous output, the table or the fallback set`);
              // An archive that cannot be read stays so: remember it by hash rather than download it every run.
              if (err instanceof ArchiveError) failed.add(artifact.sha256);
              return;
            }
            if (!found) return;
            ctx.memo?.recordSdistFacts(artifact.sha256, found);
          }
          const mapped = found.hasPyproject && found.buildRequires ? mapBuildRequires(found.buildRequires) : undefined;
          for (const u of mapped?.unknown ?? []) unknown.add(`${name} (${u})`);
          let cargoLockFile: string | undefined;
          let cargoGitHashes: Record<string, string> | undefined;
          if (rust && found.cargoLock) {
            cargoLockFile = join(ctx.outputDir, "cargo-locks", `${name}-${version}`, "Cargo.lock");
            files.set(cargoLockFile, found.cargoLock);
            const known = ctx.overrides.match(name, version, system)?.cargo?.gitHashes ?? {};
            cargoGitHashes = await hashGitCrates(found.cargoLock, known, key, ctx);
          }
          facts.set(key, {
            from: "sdist",
            buildRequires: mapped ? mapped.attrs : ["setuptools"],
            ...(mapped && mapped.hooks.length > 0 ? { buildHooks: mapped.hooks } : {}),
            ...(mapped && mapped.pinned.length > 0 ? { relaxBuildPins: true } : {}),
            nativeSources: found.nativeSources.length > 0,
            ...(found.importNames ? { importNames: found.importNames } : {}),
            ...(cargoLockFile ? { cargoLockFile } : {}),
            ...(cargoGitHashes ? { cargoGitHashes } : {}),
          });
        })(),
      );
    }
  }
  await allOrFirstError(jobs);
  if (unknown.size > 0) {
    ctx.warnings.push(`build requirements with no nixpkgs attribute known to lock2nix (add them with --overrides): ${[...unknown].sort().join(", ")}`);
  }
  return { lookup: (name, version) => facts.get(`${name} ${version}`), files };
}

/** Whether `pending` (when there is one) succeeded; its failure is reported where it is awaited. */
async function settled(pending: Promise<unknown> | undefined): Promise<boolean> {
  try {
    await pending;
    return true;
  } catch {
    return false;
  }
}

/**
 * importCargoLock needs `outputHashes` for a Cargo.lock's git crates: the
 * hash of each crate repository's checkout (submodules included, as nixpkgs
 * fetches them). Computed here; offline, only the override data can give
 * them, and a missing one stops the run naming the crate.
 */
async function hashGitCrates(cargoLock: string, known: Record<string, string>, owner: string, ctx: InspectContext): Promise<Record<string, string>> {
  const hashes: Record<string, string> = {};
  for (const source of gitCrateSources(cargoGitCrates(cargoLock, `${owner}'s Cargo.lock`))) {
    const missing = source.keys.filter((k) => known[k] === undefined);
    if (missing.length === 0) continue;
    if (ctx.offline) {
      throw new LockError(
        `${owner}: its Cargo.lock takes the crate(s) ${missing.join(", ")} from git (${source.url} at ${source.rev}); their hash needs a checkout, which --offline forbids (or give cargo.gitHashes in an override)`,
      );
    }
    const hash = await gitSourceHash({ url: source.url, commit: source.rev, submodules: true, cacheDir: join(ctx.cacheDir, "git") });
    for (const key of missing) hashes[key] = hash;
  }
  return hashes;
}

/** Sdists (by sha256) whose archive could not be read, one empty file each. */
class FailedInspections {
  constructor(private readonly dir: string) {}
  has(sha256: string): boolean {
    return existsSync(join(this.dir, sha256));
  }
  add(sha256: string): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(join(this.dir, sha256), "");
  }
}
