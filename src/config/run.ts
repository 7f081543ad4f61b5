/**
 * Generates (or checks) one or many outputs, as `lock2nix generate` does
 * for a PATH or for every project of a `lock2nix.yaml`: one index client
 * and one cache shared by all projects, each output written atomically,
 * and a report of what was done that `--json` prints.
 */

import type { IndexRedirect } from "../index/redirect.js";
import { dirname, isAbsolute, relative } from "node:path";
import { parseHeader, staleReasons, unifiedDiff } from "../check.js";
import { Lock2nixError, LockError } from "../errors.js";
import { readOptional } from "../fs.js";
import { locateLock, readLocated } from "../formats/index.js";
import type { ProjectConfig } from "./index.js";
import { refuseInputAsOutput, writeOutput } from "../outputs.js";
import { redact } from "../redact.js";
import { generate, recordedOptionsFor, scopeOf, type GenerateOptions, type GenerateResult } from "../generate.js";
import { DiskCache, defaultCacheDir } from "../index/cache.js";
import { CachingIndexClient } from "../index/client.js";
import { HttpClient, type HttpOptions } from "../index/http.js";
import type { IndexClient } from "../index/types.js";
import type { OverrideSet } from "../overrides/index.js";
import type { PackageProvenance } from "../provenance/index.js";
import type { BuildSource, Resolution } from "../resolve/index.js";
import type { NixSystem } from "../resolve/target.js";
import { VERSION } from "../version.js";

/** One output to produce: a PATH from the command line, or a project of a config file. */
export interface Job {
  /** The project's name in `lock2nix.yaml`; absent for a PATH. */
  name?: string;
  /** What `generate` needs, less what `RunOptions` shares (offline, jobs, cache, client). */
  options: Omit<GenerateOptions, "offline" | "jobs" | "cacheDir" | "http" | "client" | "onProgress" | "onInfo">;
}

export interface RunOptions {
  /** Write nothing: compare each output with what would be written. */
  check?: boolean;
  offline?: boolean;
  jobs?: number;
  cacheDir?: string;
  http?: HttpOptions;
  /** Instead of the network (tests). */
  client?: IndexClient;
  onProgress?: (done: number, total: number) => void;
  onInfo?: (message: string) => void;
  /** Paths in the report are relative to this folder (default: the current one). */
  cwd?: string;
  /** Other files this run reads (the config file), which no output may replace. */
  inputs?: string[];
  /** As generate's: false skips PEP 740 provenance; a trusted_root.json to verify it against. */
  provenance?: boolean;
  trustedRoot?: string;
}

export type ProjectStatus =
  /** generated and written to its output */
  | "written"
  /** generated, no output file: the caller prints it */
  | "generated"
  /** --check: the output is what lock2nix would write */
  | "up-to-date"
  /** --check: the output would change */
  | "changed"
  /** --check: the output does not exist */
  | "missing"
  | "failed";

/** What a package is built from on one system. */
export type BuildReport =
  | { version: string; kind: "sdist" | "wheel"; filename: string; url: string; sha256: string }
  | { version: string; kind: "git"; url: string; commit: string; subdirectory?: string; hash?: string }
  | { version: string; kind: "path"; format: "sdist" | "wheel" | "directory"; path: string; sha256?: string }
  | { version: string; kind: "missing"; reason: string };

export interface PackageReport {
  name: string;
  /** Its version, when every system has the same. */
  version?: string;
  /** System -> what it is built from there (only systems that need the package). */
  systems: Partial<Record<NixSystem, BuildReport>>;
  /** PEP 740, where an index listed the package's pinned files. */
  provenance?: PackageProvenance;
}

export interface OverrideReport {
  package: string;
  version: string;
  systems: NixSystem[];
  /** The files that contributed, in the order applied (library first). */
  files: string[];
  reasons: string[];
}

export interface ProjectReport {
  name: string | null;
  lock: string;
  output: string | null;
  status: ProjectStatus;
  /** --check: whether the header decided (no network) or a new generation was compared. */
  decidedBy?: "header" | "generate";
  /** --check: why the header did not decide. */
  staleBecause?: string[];
  format?: string;
  python?: string;
  systems?: string[];
  groups?: string[];
  /** Absent when the header decided: nothing was resolved. */
  packages?: PackageReport[];
  /** Override data applied to source builds (the library's and the project's files); empty when none. */
  overrides: OverrideReport[];
  warnings: string[];
  /** --check: what would change, as a unified diff. */
  diff?: string;
  error?: string;
}

/** Bumped when a field of the --json report is removed or changes meaning (schema/generate-report.schema.json). */
export const REPORT_SCHEMA_VERSION = 1;

export interface Report {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  lock2nix: string;
  mode: "generate" | "check";
  ok: boolean;
  projects: ProjectReport[];
}

export interface RunResult {
  report: Report;
  /** In job order: the generation, where one ran and succeeded. */
  results: Array<GenerateResult | undefined>;
  /** In job order: the error of a failed job. */
  errors: Array<unknown>;
}

/**
 * The job for one project of a config file; `indexUrl` is used where the
 * project names none, and the project's own `indexes` win over `indexes`.
 */
export function projectJob(p: ProjectConfig, defaults: { indexUrl?: string; indexes?: IndexRedirect[] } = {}, allowPaths: string[] = []): Job {
  const url = p.indexUrl ?? defaults.indexUrl;
  const indexes = [...(defaults.indexes ?? []), ...(p.indexes ?? [])];
  return {
    name: p.name,
    options: {
      path: p.lock,
      output: p.output,
      ...(p.format ? { format: p.format } : {}),
      ...(p.python ? { python: p.python } : {}),
      ...(p.systems ? { systems: p.systems } : {}),
      ...(p.groups ? { groups: p.groups } : {}),
      ...(p.extras ? { extras: p.extras } : {}),
      preferWheels: p.preferWheels ?? false,
      ...(url ? { indexUrl: url } : {}),
      ...(indexes.length ? { indexes } : {}),
      ...(p.overrides?.length ? { overrides: p.overrides } : {}),
      projectRoot: p.root,
      ...(allowPaths.length ? { allowPaths } : {}),
    },
  };
}

function display(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel === "" ? "." : rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}

/** The packages of a resolution and what each is built from on each system. */
export function packageReport(resolution: Resolution, baseDir: string, provenance: Map<string, PackageProvenance> = new Map()): PackageReport[] {
  return [...resolution.packages].map(([name, builds]) => {
    const systems: Partial<Record<NixSystem, BuildReport>> = {};
    for (const system of [...builds.keys()].sort()) {
      const b = builds.get(system);
      if (!b) continue;
      const s = b.source;
      const version = b.version;
      systems[system] =
        s.kind === "artifact"
          ? { version, kind: s.artifact.kind, filename: s.artifact.filename, url: s.artifact.url, sha256: s.artifact.sha256 }
          : s.kind === "git"
            ? { version, kind: "git", url: s.url, commit: s.commit, ...(s.subdirectory ? { subdirectory: s.subdirectory } : {}), ...(s.hash ? { hash: s.hash } : {}) }
            : s.kind === "path"
              ? { version, kind: "path", format: s.format, path: relative(baseDir, s.path).split("\\").join("/") || ".", ...(s.sha256 ? { sha256: s.sha256 } : {}) }
              : { version, kind: "missing", reason: s.reason };
    }
    const versions = new Set([...builds.values()].map((b) => b.version));
    const attested = provenance.get(name);
    return { name, ...(versions.size === 1 ? { version: [...versions][0] as string } : {}), systems, ...(attested ? { provenance: attested } : {}) };
  });
}

function isSourceBuild(s: BuildSource): boolean {
  return (s.kind === "artifact" && s.artifact.kind !== "wheel") || s.kind === "git" || (s.kind === "path" && s.format !== "wheel");
}

/** The override data that applies to each package built from source, systems with the same data together. */
export function overrideReport(resolution: Resolution, overrides: OverrideSet, cwd: string): OverrideReport[] {
  const out: OverrideReport[] = [];
  for (const [name, builds] of resolution.packages) {
    const byMatch = new Map<string, OverrideReport>();
    for (const system of [...builds.keys()].sort()) {
      const b = builds.get(system);
      if (!b || !isSourceBuild(b.source)) continue;
      const m = overrides.match(name, b.version, system);
      if (!m) continue;
      const files = m.files.map((f) => (isAbsolute(f) ? display(f, cwd) : f));
      const key = JSON.stringify([b.version, files, m.reasons]);
      const seen = byMatch.get(key);
      if (seen) seen.systems.push(system);
      else byMatch.set(key, { package: name, version: b.version, systems: [system], files, reasons: m.reasons });
    }
    out.push(...byMatch.values());
  }
  return out;
}


/** Sets `object[key]` to `compute()` when first read; it stays an ordinary enumerable field for JSON.stringify and spreads. */
function lazyField<T extends object, K extends keyof T>(object: T, key: K, compute: () => T[K]): void {
  Object.defineProperty(object, key, {
    enumerable: true,
    configurable: true,
    get() {
      const value = compute();
      Object.defineProperty(object, key, { value, enumerable: true, configurable: true, writable: true });
      return value;
    },
    set(value: T[K]) {
      Object.defineProperty(object, key, { value, enumerable: true, configurable: true, writable: true });
    },
  });
}

/** Runs every job (concurrently, sharing one index client and cache) and reports on each. */
export async function runJobs(jobs: Job[], options: RunOptions = {}): Promise<RunResult> {
  const cwd = options.cwd ?? process.cwd();
  const offline = options.offline ?? false;
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  let done = 0;
  let total = 0;
  const http = options.client ? undefined : new HttpClient({ ...options.http, ...(options.onInfo ? { onRetry: options.onInfo } : {}) });
  const client =
    options.client ??
    new CachingIndexClient({
      http: http as HttpClient,
      cache: new DiskCache(cacheDir),
      offline,
      jobs: options.jobs ?? 16,
      onLookup: () => options.onProgress?.(++done, Math.max(total, done)),
    });
  const shared = {
    offline,
    cacheDir,
    client,
    ...(options.jobs ? { jobs: options.jobs } : {}),
    ...(options.http ? { http: options.http } : {}),
    ...(options.onInfo ? { onInfo: options.onInfo } : {}),
    ...(options.provenance === false ? { provenance: false } : {}),
    ...(options.trustedRoot ? { trustedRoot: options.trustedRoot } : {}),
  };

  const results: Array<GenerateResult | undefined> = jobs.map(() => undefined);
  const errors: unknown[] = jobs.map(() => undefined);

  const runOne = async (job: Job, index: number): Promise<ProjectReport> => {
    const output = job.options.output;
    const report: ProjectReport = {
      name: job.name ?? null,
      lock: display(job.options.path, cwd),
      output: output ? display(output, cwd) : null,
      status: "failed",
      overrides: [],
      warnings: [],
    };
    try {
      if (output) {
        const lockFile = locateLock(job.options.path, job.options.format).file;
        refuseInputAsOutput(output, job.name ? `${job.name}: output` : "-o", [lockFile, ...(job.options.overrides ?? []), ...(options.inputs ?? [])]);
      }
      const existing = options.check && output ? readOptional(output) : undefined;
      if (options.check) {
        if (!output) throw new LockError("--check needs an output file to compare");
        if (existing !== undefined) {
          // Decide from the header: the lock, the version and the options; no index, no network.
          const located = locateLock(job.options.path, job.options.format);
          const lock = readLocated(located, undefined, scopeOf(job.options, located.file));
          const recorded = recordedOptionsFor(lock, job.options);
          const reasons = staleReasons(parseHeader(existing), lock, recorded);
          Object.assign(report, { format: lock.format, python: recorded["python"], systems: recorded["systems"]?.split(" "), groups: recorded["groups"]?.split(" ") });
          if (reasons.length === 0) {
            report.status = "up-to-date";
            report.decidedBy = "header";
            return report;
          }
          report.staleBecause = reasons;
        }
      }
      const result = await generate({ ...job.options, ...shared });
      results[index] = result;
      Object.assign(report, {
        format: result.lock.format,
        python: result.resolution.python,
        systems: [...result.resolution.systems],
        groups: [...result.resolution.groups.keys()].sort(),
        warnings: result.warnings,
      });
      // Worked out when read (--json, a library caller): a plain run for 1,000 packages saves 25 ms.
      lazyField(report, "packages", () => packageReport(result.resolution, dirname(result.lock.file), result.provenance));
      lazyField(report, "overrides", () => overrideReport(result.resolution, result.overrides, cwd));
      if (options.check && output) {
        report.decidedBy = "generate";
        // git's a/ and b/ names for a file under the current folder, else its absolute path.
        const name = display(output, cwd).split("\\").join("/");
        const [a, b] = isAbsolute(name) ? [name, name] : [`a/${name}`, `b/${name}`];
        if (existing === undefined) {
          report.status = "missing";
          report.diff = unifiedDiff("", result.nix, { oldName: "/dev/null", newName: b });
        } else if (existing === result.nix) {
          report.status = "up-to-date";
        } else {
          report.status = "changed";
          report.diff = unifiedDiff(existing, result.nix, { oldName: a, newName: b });
        }
      } else if (output) {
        for (const [path, text] of result.files) writeOutput(path, text);
        writeOutput(output, result.nix);
        report.status = "written";
      } else {
        report.status = "generated";
      }
    } catch (err) {
      if (!(err instanceof Lock2nixError)) throw err;
      errors[index] = err;
      report.status = "failed";
      report.error = redact(err.format());
    }
    return report;
  };

  try {
    for (const job of options.onProgress ? jobs : []) {
      try {
        const located = locateLock(job.options.path, job.options.format);
        total += readLocated(located, undefined, scopeOf(job.options, located.file)).packages.length;
      } catch {
        // Reported by the job itself.
      }
    }
    const projects = await Promise.all(jobs.map(runOne));
    const ok = projects.every((p) => p.status === "written" || p.status === "generated" || p.status === "up-to-date");
    return { report: { schemaVersion: REPORT_SCHEMA_VERSION, lock2nix: VERSION, mode: options.check ? "check" : "generate", ok, projects }, results, errors };
  } finally {
    await http?.close();
  }
}
