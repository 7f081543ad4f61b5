/**
 * The override library: what a package needs to build from source that its
 * lock cannot say (build backends, native libraries, Rust), as data in
 * overrides/<name>.yaml, plus the user's own files (--overrides), applied
 * after the library's. See overrides/README.md for the format.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { satisfies } from "../pep/specifier.js";
import { Lock2nixError } from "../errors.js";
import { InputFileError, readOptional, readText } from "../fs.js";
import { packageRoot } from "../package-root.js";
import { normalizeName } from "../pep/normalize.js";
import type { NixSystem } from "../resolve/target.js";
import {
  LIST_FIELDS,
  parseLibraryFile,
  parseUserFile,
  type Block,
  type EnvValue,
  type Flag,
  type Fragment,
  type Item,
  type ListField,
  type OverrideEntry,
  type SystemBlock,
} from "./schema.js";

import type { Substitution } from "./schema.js";
export { OverrideError, parseLibraryFile, parseUserFile, ATTR_PATH, PYTHON_ATTR, FLAGS, LIST_FIELDS } from "./schema.js";
export type { OverrideEntry, OverrideProblem, EnvValue, Flag, CargoSpec, Substitution, SubstitutionPart } from "./schema.js";

/** The library's folder: `overrides/` in lock2nix's own folder. */
export function libraryDir(): string {
  return join(packageRoot(), "overrides");
}

/** What applies to one package version on one system, all files merged. */
export interface MatchedOverride {
  name: string;
  /** The `reason` lines of the entries that applied, library first. */
  reasons: string[];
  /** Python build requirements (python-package attribute names); absent: the data does not say. */
  buildSystem?: string[];
  /** `+build-system` from a user file where nothing before said what the build system is: added to the fallback. */
  buildSystemAppend: string[];
  /** nixpkgs attribute paths. */
  nativeBuildInputs: string[];
  buildInputs: string[];
  patches: string[];
  env: Record<string, EnvValue>;
  cargo?: { root?: string; maturin: boolean; gitHashes: Record<string, string> };
  networkAtBuild: boolean;
  /** `relax-build-pins`: skip pypa build's dependency check. */
  relaxBuildPins: boolean;
  flags: Partial<Record<Flag, boolean>>;
  /** postPatch substitutions, every applicable block's in order. */
  substitutions: Substitution[];
  /** Extra pypaBuildFlags. */
  buildFlags: string[];
  /** For a binary wheel (the rest is for source builds). */
  wheel: { nativeBuildInputs: string[]; buildInputs: string[]; ignoreMissingLibs: string[] };
  /** The files that contributed, in the order applied. */
  files: string[];
}

const systemBlock = (system: NixSystem): SystemBlock => (system.endsWith("-darwin") ? "darwin" : "linux");

function inRange(version: string, range: string | undefined): boolean {
  if (range === undefined) return true;
  try {
    return satisfies(version, range, { prereleases: true });
  } catch {
    return false;
  }
}

/** The fragments of `entry` that apply, in the order they apply. */
function fragmentsFor(entry: OverrideEntry, version: string, system: NixSystem): Fragment[] {
  if (!inRange(version, entry.versions)) return [];
  const sys = systemBlock(system);
  const of = (b: Block): Fragment[] => [b, ...(b.systems[sys] ? [b.systems[sys] as Fragment] : [])];
  return [...of(entry), ...entry.when.filter((b) => inRange(version, b.versions)).flatMap(of)];
}

const uniq = (xs: string[]) => [...new Set(xs)];
const values = (items: Item[] | undefined, version: string) => (items ?? []).filter((i) => inRange(version, i.versions)).map((i) => i.value);

const FIELD_KEY: Record<Exclude<ListField, "build-system">, "nativeBuildInputs" | "buildInputs" | "patches"> = {
  nativeBuildInputs: "nativeBuildInputs",
  buildInputs: "buildInputs",
  patches: "patches",
};

/**
 * Applies one entry's fragments on top of `base`. Per field, the later file
 * wins: a list written plainly replaces what came before (all of this
 * entry's applicable blocks together), a `+list` is appended to it; env
 * variables, cargo settings and flags are replaced key by key.
 */
function applyEntry(base: MatchedOverride, entry: OverrideEntry, version: string, system: NixSystem): MatchedOverride {
  const fragments = fragmentsFor(entry, version, system);
  if (fragments.length === 0) return base;
  const out: MatchedOverride = { ...base, env: { ...base.env }, flags: { ...base.flags }, files: [...base.files, entry.file] };
  if (entry.reason) out.reasons = [...base.reasons, entry.reason];
  for (const field of LIST_FIELDS) {
    const replaced = fragments.some((f) => f.lists[field] !== undefined);
    const appended = fragments.some((f) => f.append[field] !== undefined);
    if (!replaced && !appended) continue;
    // A block's plain and `+` items both count; plain anywhere in the entry means replace.
    const items = fragments.flatMap((f) => [...values(f.lists[field], version), ...values(f.append[field], version)]);
    if (field === "build-system") {
      if (replaced) {
        out.buildSystem = uniq(items);
        out.buildSystemAppend = [];
      } else if (out.buildSystem) out.buildSystem = uniq([...out.buildSystem, ...items]);
      else out.buildSystemAppend = uniq([...out.buildSystemAppend, ...items]);
    } else {
      const key = FIELD_KEY[field];
      out[key] = replaced ? uniq(items) : uniq([...out[key], ...items]);
    }
  }
  // Wheel blocks: lists concatenated in order, like `+` lists (a wheel has no library lists to replace).
  for (const b of [entry, ...entry.when.filter((w) => inRange(version, w.versions))]) {
    if (!b.wheel || !inRange(version, entry.versions)) continue;
    out.wheel = {
      nativeBuildInputs: uniq([...out.wheel.nativeBuildInputs, ...values(b.wheel.nativeBuildInputs, version)]),
      buildInputs: uniq([...out.wheel.buildInputs, ...values(b.wheel.buildInputs, version)]),
      ignoreMissingLibs: uniq([...out.wheel.ignoreMissingLibs, ...(b.wheel.ignoreMissingLibs ?? [])]),
    };
  }
  for (const f of fragments) {
    Object.assign(out.env, f.env ?? {});
    Object.assign(out.flags, f.flags ?? {});
    if (f.networkAtBuild !== undefined) out.networkAtBuild = f.networkAtBuild;
    if (f.relaxBuildPins !== undefined) out.relaxBuildPins = f.relaxBuildPins;
    if (f.substitutions) out.substitutions = [...out.substitutions, ...f.substitutions];
    if (f.buildFlags) out.buildFlags = uniq([...out.buildFlags, ...f.buildFlags]);
    if (f.cargo) {
      const prev = out.cargo ?? { maturin: false, gitHashes: {} };
      out.cargo = {
        ...prev,
        ...(f.cargo.root !== undefined ? { root: f.cargo.root } : {}),
        ...(f.cargo.maturin !== undefined ? { maturin: f.cargo.maturin } : {}),
        gitHashes: { ...prev.gitHashes, ...(f.cargo.gitHashes ?? {}) },
      };
    }
  }
  return out;
}

const empty = (name: string): MatchedOverride => ({
  name,
  reasons: [],
  buildSystemAppend: [],
  nativeBuildInputs: [],
  buildInputs: [],
  patches: [],
  env: {},
  networkAtBuild: false,
  relaxBuildPins: false,
  flags: {},
  substitutions: [],
  buildFlags: [],
  wheel: { nativeBuildInputs: [], buildInputs: [], ignoreMissingLibs: [] },
  files: [],
});

/** Entries by package name, in the order they apply (library first, then each user file in turn). */
export class OverrideSet {
  private readonly byName = new Map<string, OverrideEntry[]>();

  /**
   * @param entries this set's own entries
   * @param earlier a set whose entries come before these (`concat` keeps it lazy)
   * @param loader reads the entries of one package on first use (the shipped library: one file a package)
   */
  constructor(
    entries: Iterable<OverrideEntry> = [],
    private readonly earlier?: OverrideSet,
    private readonly loader?: { names: string[]; load(name: string): OverrideEntry[] },
  ) {
    for (const e of entries) this.add(e);
  }

  /** match() results by name, version and system block: a run asks about each package once per system and per use. */
  private readonly matched = new Map<string, MatchedOverride | undefined>();

  add(entry: OverrideEntry): void {
    this.byName.set(entry.name, [...(this.byName.get(entry.name) ?? []), entry]);
    this.matched.clear();
    this.knownNames = undefined;
  }

  /** A new set: these entries, then `later`'s (which win). */
  concat(later: OverrideSet): OverrideSet {
    return new OverrideSet(later.entries(), this);
  }

  has(name: string): boolean {
    return this.entriesFor(name).length > 0;
  }

  private knownNames?: Set<string>;

  /** The names with entries here or earlier, as a set (fixed once asked: entries are added before matching). */
  private nameSet(): Set<string> {
    return (this.knownNames ??= new Set(this.names()));
  }

  names(): string[] {
    const own = this.loader ? this.loader.names : [...this.byName.keys()];
    return [...new Set([...(this.earlier?.names() ?? []), ...own])].sort();
  }

  entries(): OverrideEntry[] {
    return this.names().flatMap((n) => this.entriesFor(n));
  }

  entriesFor(name: string): OverrideEntry[] {
    const n = normalizeName(name);
    if (this.loader && !this.byName.has(n) && this.loader.names.includes(n)) this.byName.set(n, this.loader.load(n));
    return [...(this.earlier?.entriesFor(n) ?? []), ...(this.byName.get(n) ?? [])];
  }

  /** The merged, version-filtered, system-specific override; undefined when no entry applies. */
  match(name: string, version: string, system: NixSystem): MatchedOverride | undefined {
    const n = normalizeName(name);
    // Most packages have no entry at all: answered without building a key.
    if (!this.nameSet().has(n)) return undefined;
    const key = `${n}\0${version}\0${systemBlock(system)}`;
    if (this.matched.has(key)) return this.matched.get(key);
    const entries = this.entriesFor(n);
    if (entries.length === 0) return undefined;
    const result = entries.reduce((acc, e) => applyEntry(acc, e, version, system), empty(n));
    const found = result.files.length > 0 ? result : undefined;
    this.matched.set(key, found);
    return found;
  }
}

let library: OverrideSet | undefined;

/** Reads and validates every file of a library folder (default: the one lock2nix ships). */
export function loadLibrary(dir = libraryDir()): OverrideSet {
  const set = lazyLibrary(dir);
  set.entries();
  return set;
}

/** The library, each package's file read and validated when that package is first asked about. */
function lazyLibrary(dir: string): OverrideSet {
  const files = new Map(
    readdirSync(dir)
      .filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"))
      .map((f) => [f.replace(/\.ya?ml$/, ""), f] as const),
  );
  return new OverrideSet([], undefined, {
    names: [...files.keys()].sort(),
    load: (name) => {
      const f = files.get(name) as string;
      return [parseLibraryFile(readFileSync(join(dir, f), "utf8"), `overrides/${f}`, name)];
    },
  });
}

/** The library lock2nix ships, read once: compiled by the build when that is current, else file by file. */
export function defaultLibrary(): OverrideSet {
  return (library ??= readCompiledLibrary(compiledLibraryFile()) ?? lazyLibrary(libraryDir()));
}

/** Where `npm run build` writes the compiled library. */
export function compiledLibraryFile(): string {
  return join(packageRoot(), "dist", "overrides.json");
}

interface CompiledLibrary {
  /** libraryFingerprint() of the files it was compiled from. */
  fingerprint: string;
  entries: OverrideEntry[];
}

/**
 * The library's files, read and validated, as one JSON text: parsing it is
 * much cheaper than parsing ~130 YAML files on every run.
 */
export function compileLibrary(dir = libraryDir()): string {
  const compiled: CompiledLibrary = { fingerprint: libraryFingerprint(dir), entries: loadLibrary(dir).entries() };
  return `${JSON.stringify(compiled)}\n`;
}

/** The compiled library in `file`, when it was compiled from the library's current files; undefined otherwise. */
export function readCompiledLibrary(file: string, dir = libraryDir()): OverrideSet | undefined {
  const text = readOptional(file);
  if (text === undefined) return undefined;
  let compiled: CompiledLibrary;
  try {
    compiled = JSON.parse(text) as CompiledLibrary;
  } catch {
    return undefined;
  }
  // Edited since the build (or a different checkout): the YAML files are the truth.
  if (compiled.fingerprint !== libraryFingerprint(dir) || !Array.isArray(compiled.entries)) return undefined;
  return new OverrideSet(compiled.entries);
}

const fingerprints = new Map<string, string>();

/**
 * A short hash of every file of the shipped library, recorded in each output's
 * header, so `--check` sees a changed library as a changed output.
 */
export function libraryFingerprint(dir = libraryDir()): string {
  let fingerprint = fingerprints.get(dir);
  if (fingerprint) return fingerprint;
  const hash = createHash("sha256");
  for (const f of readdirSync(dir).sort()) {
    if (f.endsWith(".yaml") || f.endsWith(".yml")) hash.update(`${f}\0${readFileSync(join(dir, f), "utf8")}\0`);
  }
  fingerprint = hash.digest("hex").slice(0, 16);
  fingerprints.set(dir, fingerprint);
  return fingerprint;
}

/** The user's --overrides files, in order (a later file wins over an earlier one). */
export function loadUserFiles(paths: string[]): OverrideSet {
  const set = new OverrideSet();
  for (const path of paths) {
    let text: string;
    try {
      text = readText(path);
    } catch (err) {
      throw new Lock2nixError(`--overrides ${path}: ${err instanceof InputFileError ? err.reason : (err as Error).message}`);
    }
    for (const e of parseUserFile(text, path)) set.add(e);
  }
  return set;
}

/** The override for one package version on one system: the library's, then `user`'s on top. */
export function matchOverride(name: string, version: string, system: NixSystem, user?: OverrideSet): MatchedOverride | undefined {
  const set = user ? defaultLibrary().concat(user) : defaultLibrary();
  return set.match(name, version, system);
}

/**
 * What reading a package's sdist found: the seam for src/inspect, whose
 * `inspectSdist(...)` streams the archive. generate maps its result here:
 * `buildRequires` from `[build-system] requires`, already mapped to the
 * interpreter's package attribute names; `cargoLockFile`, the absolute path
 * where the sdist's Cargo.lock was written beside the generated file;
 * `nativeSources`, whether C/C++/Cython/Rust/Fortran sources or a
 * CMake/meson build were found.
 */
export interface SdistFacts {
  buildRequires?: string[];
  /** Build hooks standing in for a requirement (maturin: `rustPlatform.maturinBuildHook`). */
  buildHooks?: string[];
  /** A build requirement nixpkgs' set cannot meet as written (see mapBuildRequires' `pinned`). */
  relaxBuildPins?: boolean;
  /** Where the facts were read: an sdist, or a local tree on disk. */
  from?: "sdist" | "local";
  /** A local tree's own version (its pyproject.toml or version file), when it states one. */
  version?: string;
  /** A local tree whose version comes from git: the variable its version plugin reads instead. */
  versionEnv?: string;
  /** That plugin's name, for messages. */
  versionPlugin?: string;
  /** Top-level modules the sdist's build installs (pythonImportsCheck), when the sdist says. */
  importNames?: string[];
  cargoLockFile?: string;
  /** importCargoLock's outputHashes for the git crates of that Cargo.lock, by `<name>-<version>`. */
  cargoGitHashes?: Record<string, string>;
  nativeSources: boolean;
}

/** How a package's sdist is looked up in the facts: `name version`. */
export type SdistFactsLookup = (name: string, version: string) => SdistFacts | undefined;

/** A source build of these: built from an sdist, a git checkout or a local tree (not a wheel). */
export interface SourceBuildRef {
  name: string;
  version: string;
  system: NixSystem;
}

/**
 * The warnings overrides give for the packages built from source: a build
 * that would download something, Rust without a Cargo.lock, native code no
 * entry describes. Sorted and deduplicated.
 */
export function overrideWarnings(builds: SourceBuildRef[], set: OverrideSet, facts?: SdistFactsLookup, offline = true): string[] {
  const out = new Set<string>();
  const network = new Set<string>();
  const rustUnread = new Set<string>();
  const undescribed = new Set<string>();
  for (const b of builds) {
    const m = set.match(b.name, b.version, b.system);
    const f = facts?.(b.name, b.version);
    if (m?.networkAtBuild) network.add(`${b.name} ${b.version}`);
    if (m?.cargo && !f?.cargoLockFile) rustUnread.add(`${b.name} ${b.version}`);
    if (!m && f?.nativeSources) undescribed.add(`${b.name} ${b.version}`);
  }
  for (const p of network) {
    out.add(`${p}: its build downloads files, which Nix's sandbox forbids (the override library says network-at-build); generate with --prefer-wheels to use a wheel instead`);
  }
  for (const p of rustUnread) {
    const why = offline ? "offline, nothing cached" : "its sdist was not inspected, or holds no Cargo.lock";
    out.add(`${p} builds Rust code, and the Cargo.lock of its sdist was not read (${why}): its build will fail with a message; ${offline ? "run lock2nix online" : "give cargo.lockFile in an override"}, or generate with --prefer-wheels`);
  }
  for (const p of undescribed) out.add(`${p} builds native code, no override known: its build may fail (see overrides/README.md to describe it)`);
  return [...out].sort();
}
