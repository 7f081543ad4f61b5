/**
 * The normalized lock model. Every format reader produces a `Lock`; the
 * resolver and emitter read nothing else. Names are PEP 503 normalized,
 * versions are PEP 440 strings as the lock wrote them.
 */

export type FormatId = "poetry" | "uv" | "pdm" | "pylock" | "pipenv" | "requirements";

/** Where a package's files come from. */
export type PackageSource =
  /** A PEP 503/691 package index; `url` is its simple API root. PyPI is `https://pypi.org/simple`. */
  | { kind: "index"; url: string; name?: string }
  /** Files at the URLs the lock gives for each, with no index to ask (PEP 751 without `index`). */
  | { kind: "urls" }
  /** A single archive at a URL (poetry `type = "url"`, PEP 508 `name @ https://…`). */
  | { kind: "url"; url: string; subdirectory?: string }
  /** A git repository at a full commit. */
  | { kind: "git"; url: string; commit: string; ref?: string; subdirectory?: string }
  /** A local archive file, relative to the lock's folder. */
  | { kind: "file"; path: string }
  /** A local source tree, relative to the lock's folder. */
  | { kind: "directory"; path: string; editable: boolean };

export const PYPI_SIMPLE_URL = "https://pypi.org/simple";

/** One file a package can be installed from. */
export interface Artifact {
  /** The file name, e.g. `requests-2.31.0-py3-none-any.whl` or `requests-2.31.0.tar.gz`. */
  filename: string;
  /** Lower-case hex sha256, when the lock (or index) gives one. */
  sha256?: string;
  /** Where to download it, when known without asking an index. */
  url?: string;
}

/** A dependency edge, as PEP 508 describes it. */
export interface Dependency {
  /** Normalized name of the package depended upon. */
  name: string;
  /** Extras requested of that package (normalized). */
  extras: string[];
  /** PEP 508 marker text; absent means always. */
  marker?: string;
  /** When a lock holds several entries of one name, the source this edge means. */
  source?: PackageSource;
  /** When a lock holds several versions of one name (uv's forks), the version this edge means. */
  version?: string;
  /** The version specifier as written (informational). */
  specifier?: string;
}

export interface LockedPackage {
  name: string;
  /** As the lock gives it; `0` when it gives none (see versionUnknown). */
  version: string;
  /** The lock gives no version (a git or local entry, a dynamic version): `version` is a stand-in `0`. */
  versionUnknown?: boolean;
  source: PackageSource;
  artifacts: Artifact[];
  /** Unconditional and marker-guarded runtime dependencies. */
  dependencies: Dependency[];
  /** Extra name -> the dependencies it adds. */
  extras: Record<string, Dependency[]>;
  /** Groups (poetry groups, Pipfile categories) that pull this package in, where the lock says. */
  groups: string[];
  /** Environments where this entry applies (poetry 2.1 `markers`); absent means everywhere. */
  marker?: string;
  /** The package's own python requirement (PEP 440 specifier), informational. */
  requiresPython?: string;
  /**
   * The lock does not record this package's dependencies (Pipfile.lock,
   * requirements files, PEP 751 without `dependencies`): every package is
   * installed beside it, and the build must not check for them.
   */
  unknownDependencies?: boolean;
  /** pip's --only-binary / --no-binary verdict: only this kind of file may be used. */
  only?: "wheel" | "sdist";
  /** PEP 751 `attestation-identities`: the publishers the files must be attested by (pylock.toml). */
  attestationIdentities?: Array<Record<string, string>>;
}

export interface RootProject {
  name?: string;
  /**
   * The Python versions the project supports, as alternatives of which any
   * may hold, each a PEP 440 specifier such as `>=3.10,<4.0` (Poetry's `||`
   * makes more than one). Absent means any.
   */
  requiresPython?: string[];
  /** Group name -> direct dependencies. The default group is `main`. */
  groups: Record<string, Dependency[]>;
  /** The project's own extras -> the dependencies they add. */
  extras: Record<string, Dependency[]>;
  /**
   * Further indexes to look in when a package's own index lacks its release
   * (pip's --extra-index-url), in order.
   */
  indexes?: Array<{ url: string; name: string }>;
  /**
   * Workspace members (uv) that no group installs: still packages of the
   * generated set, each with its own dependencies, as the lock resolves them.
   */
  members?: Dependency[];
  /** Sets of the project's extras and groups that cannot be installed together (uv's `conflicts`). */
  conflicts?: Array<Array<{ kind: "extra" | "group"; name: string }>>;
}

export interface Lock {
  format: FormatId;
  /** Path of the lockfile as given. */
  file: string;
  /** Hex sha256 of the lockfile's bytes. */
  sha256: string;
  lockVersion?: string;
  root: RootProject;
  /** Sorted by name, then version. A name may appear more than once (different sources or markers). */
  packages: LockedPackage[];
  /** Things the reader could read but the user should know. */
  warnings: string[];
}

export const DEFAULT_GROUP = "main";

/** The order `Lock.packages` is kept in: by name, then version. */
export function comparePackages(a: LockedPackage, b: LockedPackage): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return a.version.localeCompare(b.version);
}
