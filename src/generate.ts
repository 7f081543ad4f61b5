import { createHash } from "node:crypto";
import { basename, dirname, resolve } from "node:path";
import { emitNix } from "./emit/index.js";
import { generatedFileOf } from "./emit/project.js";
import { packagesWithRoot, readProject } from "./resolve/project.js";
import { localTreeReader } from "./inspect/local-tree.js";
import { previousOutputIn } from "./emit/previous.js";
import { locateLock, readLocated } from "./formats/index.js";
import { readBounded, settleWrites } from "./fs.js";
import { DiskCache, defaultCacheDir } from "./index/cache.js";
import { CachingIndexClient } from "./index/client.js";
import { redactUrl } from "./index/credentials.js";
import { HttpClient, type HttpOptions } from "./index/http.js";
import type { IndexClient } from "./index/types.js";
import { DEFAULT_GROUP, type FormatId, type Lock } from "./model.js";
import { resolveLock, type Resolution, type ResolveOptions } from "./resolve/index.js";
import { choosePythonFor, pythonChoiceNote, type PythonChoice } from "./resolve/python-choice.js";
import { inspectSources } from "./resolve/inspect-sources.js";
import { readLocalTrees } from "./resolve/local-trees.js";
import { indexSettings, locateArtifacts, nameArtifactsByHash, type LocateContext } from "./resolve/locate.js";
import { redirectRecord, type IndexRedirect } from "./index/redirect.js";
import { finishProvenance, startProvenance } from "./provenance/index.js";
import { identityCheckFor } from "./provenance/identities.js";
import type { PackageProvenance } from "./provenance/check.js";
import { defaultLibrary, libraryFingerprint, loadUserFiles, overrideWarnings, type OverrideSet, type SdistFactsLookup, type SourceBuildRef } from "./overrides/index.js";
import { choosePython, NIX_SYSTEMS, type NixSystem } from "./resolve/target.js";
import { RunMemo } from "./run-memo.js";
import { pathScope, type PathScope } from "./scope.js";
import { redact } from "./redact.js";

export interface GenerateOptions {
  /** A lockfile, or a folder holding one. */
  path: string;
  /** Where the Nix file will be written; local paths in it are relative to its folder. Default: the current folder. */
  output?: string;
  format?: FormatId;
  python?: string;
  systems?: NixSystem[];
  groups?: string[];
  extras?: string[];
  preferWheels?: boolean;
  /** Never touch the network: the lock and the cache only. */
  offline?: boolean;
  /** Replaces PyPI for every package the lock assigns to it (pip's --index-url); default $PIP_INDEX_URL. */
  indexUrl?: string;
  /** `--index NAME=URL`: indexes the lock names (by name or URL) asked at another URL. */
  indexes?: IndexRedirect[];
  /** Index lookups at once (default 16). */
  jobs?: number;
  /** Default $XDG_CACHE_HOME/lock2nix. */
  cacheDir?: string;
  http?: HttpOptions;
  /** Read the sdists built from (default true; offline, from the cache only). */
  inspect?: boolean;
  /** Use this client instead of the network (tests). */
  client?: IndexClient;
  /** Progress: called as release lookups finish. */
  onProgress?: (done: number, total: number) => void;
  /** Retries and other chatter, for --verbose. */
  onInfo?: (message: string) => void;
  /** User override files (the library's format, a map of package -> entry), applied in order after the library's. */
  overrides?: string[];
  /** The folder local paths and includes must stay in (default: the lockfile's folder; a config file's folder for its projects). */
  projectRoot?: string;
  /** More folders or files that may be read and copied into the store (`--allow-path`). */
  allowPaths?: string[];
  /**
   * The file whose build facts are kept for sources that did not change
   * (default: `output`, when it exists and lock2nix wrote it); false: none.
   */
  previousOutput?: string | false;
  /** Build the project beside the lock (its package, app, dev shells); default true (`--no-project`: false). */
  project?: boolean;
  /** Add `checks`, the project's pytest run in the sandbox (`--checks`). */
  checks?: boolean;
  /** Fetch and verify PEP 740 provenance of each pinned index file (default true). */
  provenance?: boolean;
  /** The Sigstore trusted_root.json provenance is verified against (default: the production root lock2nix ships). */
  trustedRoot?: string;
}

export interface GenerateResult {
  nix: string;
  /** Files the Nix refers to, to be written beside it (a Rust package's Cargo.lock), by absolute path. */
  files: Map<string, string>;
  lock: Lock;
  resolution: Resolution;
  warnings: string[];
  /** HTTP requests made (0 offline or fully cached). */
  requests: number;
  /** The override library and the user's files, as applied. */
  overrides: OverrideSet;
  /** A local tree's version as its pyproject.toml gives it (over the lock's, which may be a stand-in), as the Nix shows it. */
  localVersion: (name: string, version: string) => string | undefined;
  /** PEP 740 provenance per package whose pinned files an index listed (none with provenance: false). */
  provenance: Map<string, PackageProvenance>;
}


/** Reads a lock, finds its files on the index, resolves it for the targets and renders the Nix file's text. */
export async function generate(options: GenerateOptions): Promise<GenerateResult> {
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const lockFile = locateLock(options.path, options.format);
  const scope = scopeOf(options, lockFile.file);
  const memo = RunMemo.open(cacheDir, lockFile.file);
  const lock = readLocated(lockFile, memo, scope);
  // Read before any network use, so a mistake in an override file fails fast.
  const overrides = defaultLibrary().concat(loadUserFiles(options.overrides ?? []));
  const offline = options.offline ?? false;
  const indexUrl = options.indexUrl ?? (process.env["PIP_INDEX_URL"] || undefined);
  let done = 0;
  const total = () => lock.packages.length;
  const http = new HttpClient({ ...options.http, ...(options.onInfo ? { onRetry: options.onInfo } : {}) });
  const client =
    options.client ??
    new CachingIndexClient({
      http,
      cache: new DiskCache(cacheDir),
      offline,
      jobs: options.jobs ?? 16,
      onLookup: () => options.onProgress?.(++done, total()),
    });
  const warnings: string[] = [];
  const identity = identityCheckFor(lock);
  const checks =
    options.provenance === false
      ? undefined
      : startProvenance(client, {
          warnings,
          cacheDir,
          ...(options.trustedRoot ? { trustedRoot: options.trustedRoot } : {}),
          ...(identity ? { identity } : {}),
        });
  const ctx: LocateContext = {
    client: memo.releasesVia(client, offline),
    settings: indexSettings(indexUrl, options.indexes),
    offline,
    warnings,
    http,
    cacheDir,
    ...(checks ? { onPinned: (name, version, index, file, sha256) => checks.add({ name, version, index, file, sha256 }) } : {}),
  };
  try {
    const resolveOptions = {
      ...(options.systems ? { systems: options.systems } : {}),
      ...(options.groups ? { groups: options.groups } : {}),
      ...(options.extras ? { extras: options.extras } : {}),
      preferWheels: options.preferWheels ?? false,
      scope,
    };
    // Decided on the lock as read, before the index names any file, as --check decides it.
    const choice = options.python ? undefined : choosePythonFor(lock, resolveOptions);
    const python = options.python ?? (choice as PythonChoice).python;
    // The index changes nothing the resolution reads when every package names its files: reuse the choice's.
    const named = lock.packages.every((p) => p.source.kind !== "index" || (p.artifacts.length > 0 && p.artifacts.every((a) => a.filename !== "")));
    await nameArtifactsByHash(lock, ctx);
    const resolution = (named ? choice?.resolution : undefined) ?? resolveLock(lock, { ...resolveOptions, python });
    const outputDir = options.output ? dirname(resolve(options.output)) : process.cwd();
    const inspect = options.inspect !== false;
    // Online, every sdist built from is read once (then cached by hash); offline, only the cache answers.
    // Each is read as soon as its release is located, while other lookups go on, in the same --jobs slots.
    const located = new Map<string, Promise<unknown>>();
    const locating = locateArtifacts(lock, resolution, ctx, inspect ? located : undefined);
    const inspecting = inspect
      ? inspectSources(resolution, {
          http,
          offline,
          cacheDir,
          outputDir,
          overrides,
          warnings,
          jobs: options.jobs ?? 16,
          memo,
          located,
          ...(client instanceof CachingIndexClient ? { schedule: <T>(download: () => Promise<T>) => client.schedule(download) } : {}),
        })
      : undefined;
    // Both are waited for, so no download outlives the run; a failure to locate is reported first.
    const [locateResult, inspectResult] = await Promise.allSettled([locating, inspecting]);
    if (locateResult.status === "rejected") throw locateResult.reason;
    if (inspectResult.status === "rejected") throw inspectResult.reason;
    const inspected = inspectResult.value;
    const provenance = await finishProvenance(checks, lock.file);
    // Local trees are read from disk; sdists as inspected. A name and version is one or the other.
    const readTree = localTreeReader();
    const project = options.project === false ? undefined : readProject(lock, resolution, { checks: options.checks ?? false, readTree });
    const localTrees = readLocalTrees(packagesWithRoot(resolution, project), warnings, readTree);
    const sdistFacts: SdistFactsLookup = (name, version) => localTrees(name, version) ?? inspected?.lookup(name, version);
    const previousFile = options.previousOutput ?? options.output;
    const sourceBuilds: SourceBuildRef[] = [];
    for (const [name, builds] of resolution.packages) {
      for (const [system, b] of builds) {
        const s = b.source;
        const fromSource = (s.kind === "artifact" && s.artifact.kind !== "wheel") || s.kind === "git" || (s.kind === "path" && s.format !== "wheel");
        if (fromSource) sourceBuilds.push({ name, version: b.version, system });
      }
    }
    warnings.push(...overrideWarnings(sourceBuilds, overrides, sdistFacts, offline));
    const guessed = new Set<string>();
    for (const [name, builds] of resolution.packages) {
      for (const b of builds.values()) {
        if (b.source.kind === "artifact" && b.source.artifact.urlGuessed) guessed.add(name);
      }
    }
    warnings.push(...resolution.warnings);
    if (guessed.size > 0) {
      warnings.push(
        `${guessed.size} package(s) come from an index whose file URLs only it knows, and it was not asked; using PyPI's URLs for them (the sha256 from the lock pins the content whichever host serves it): ${[...guessed].sort().join(", ")}`,
      );
    }
    const nix = emitNix(lock, resolution, {
      outputDir,
      recordedOptions: recordedOptionsFor(lock, { ...options, python, ...(indexUrl ? { indexUrl } : {}) }),
      ...(choice && pythonChoiceNote(choice) ? { notes: [pythonChoiceNote(choice) as string] } : {}),
      overrides,
      sdistFacts,
      previous: previousOutputIn(previousFile || undefined),
      provenance,
      // What is printed, counted the same way (distinct, redacted); a cache that cannot be written is not the lock's.
      warningCount: new Set(warnings.map(redact)).size,
      ...(project ? { project } : {}),
      generatedFile: generatedFileOf(options.output),
    });
    memo.save();
    const unwritten = await settleWrites();
    if (unwritten) warnings.push(`the cache in ${cacheDir} could not be written (${(unwritten as NodeJS.ErrnoException).code ?? unwritten.message}); later runs will ask the index again`);
    return { nix, files: inspected?.files ?? new Map(), lock, resolution, warnings: [...new Set(warnings.map(redact))].sort(), requests: http.requests, overrides, localVersion: (n, v) => localTrees(n, v)?.version, provenance };
  } finally {
    await checks?.settle();
    await http.close();
    await settleWrites();
  }
}

/** Where a generation may read local files: the project's root and what --allow-path adds. */
export function scopeOf(options: Pick<GenerateOptions, "projectRoot" | "allowPaths">, lockFile: string): PathScope {
  return pathScope(options.projectRoot ?? dirname(resolve(lockFile)), options.allowPaths ?? []);
}

/**
 * The options that shape the output, as its header records them, computed
 * from the lock alone (no index), so `--check` can tell whether a file is
 * current without the network. They equal what the resolution decides.
 */
export function recordedOptionsFor(
  lock: Lock,
  options: Pick<GenerateOptions, "python" | "systems" | "groups" | "extras" | "preferWheels" | "indexUrl" | "indexes" | "overrides" | "projectRoot" | "allowPaths">,
): Record<string, string> {
  const indexUrl = options.indexUrl ?? (process.env["PIP_INDEX_URL"] || undefined);
  return {
    python: options.python ? choosePython(lock, options.python) : choosePythonFor(lock, { ...resolveOptionsOf(options), scope: scopeOf(options, lock.file) }).python,
    systems: [...new Set(options.systems ?? NIX_SYSTEMS)].sort().join(" "),
    groups: [...new Set([DEFAULT_GROUP, ...(options.groups ?? Object.keys(lock.root.groups))])].sort().join(" "),
    extras: [...(options.extras ?? [])].sort().join(" ") || "none",
    artifacts: options.preferWheels ? "prefer-wheels" : "prefer-sdists",
    ...(indexUrl ? { "index-url": redactUrl(indexUrl) } : {}),
    ...(options.indexes?.length ? { indexes: redirectRecord(options.indexes) } : {}),
    ...(options.overrides?.length ? { overrides: userOverrideRecord(options.overrides) } : {}),
    "override-library": libraryFingerprint(),
  };
}

/** What choosing the default interpreter resolves with: the options that shape a resolution. */
function resolveOptionsOf(options: Pick<GenerateOptions, "systems" | "groups" | "extras" | "preferWheels">): Omit<ResolveOptions, "python"> {
  return {
    ...(options.systems ? { systems: options.systems } : {}),
    ...(options.groups ? { groups: options.groups } : {}),
    ...(options.extras ? { extras: options.extras } : {}),
    preferWheels: options.preferWheels ?? false,
  };
}

/** --overrides as the header records them: each file's name and the start of its content's sha256. */
function userOverrideRecord(paths: string[]): string {
  return paths.map((p) => `${basename(p)}@sha256:${createHash("sha256").update(readBounded(p)).digest("hex").slice(0, 16)}`).join(" ");
}


export { writeFileAtomic } from "./fs.js";
