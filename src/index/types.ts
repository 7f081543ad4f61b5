/** A file a package index lists for a release. */
export interface IndexFile {
  filename: string;
  /** Absolute URL, without credentials. */
  url: string;
  /** Lower-case hex, when the index reports one. */
  sha256?: string;
  requiresPython?: string;
  /** False, or the reason given (true when none). */
  yanked: boolean | string;
  /** PEP 740: the absolute URL of the file's provenance object (Integrity API), when the index names one. */
  provenance?: string;
  /** Without a provenance: the newest earlier release whose files the same page shows with one. */
  lastAttested?: string;
}

/** Which index to ask, and how. */
export interface IndexLocation {
  /** The index's name, for messages and for LOCK2NIX_INDEX_<NAME>_USERNAME/_PASSWORD. */
  name: string;
  /** PEP 503 simple API root, e.g. `https://pypi.org/simple`; may hold credentials. */
  url: string;
  /** PyPI itself: ask the JSON API (`/pypi/<name>/<version>/json`). */
  pypiJson: boolean;
  /** Asked in place of the index the lock names (`--index NAME=URL`). */
  redirected?: boolean;
}

/** What generate needs from an index: the files of one release. */
export interface IndexClient {
  releaseFiles(index: IndexLocation, name: string, version: string): Promise<IndexFile[]>;
}

/** A release's files, and until when (ms since the epoch) the answer they came from stays fresh. */
export interface Lookup {
  files: IndexFile[];
  freshUntil: number;
}

/** A client that can tell how long its answers stay fresh, so they can be remembered between runs. */
export interface FreshnessReportingClient extends IndexClient {
  lookup(index: IndexLocation, name: string, version: string): Promise<Lookup>;
}
