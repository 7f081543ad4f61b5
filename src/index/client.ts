import pLimit from "p-limit";
import { normalizeName } from "../pep/normalize.js";
import { compareVersions, isValidVersion, versionsEqual } from "../pep/version.js";
import { parseSdistFilename } from "../pep/tags.js";
import type { CacheEntry, DiskCache } from "./cache.js";
import { CredentialStore, credentialEnvName, redactUrl } from "./credentials.js";
import { IndexError, UnreachableError, type HttpClient } from "./http.js";
import { parsePypiJson, parseSimpleHtml, parseSimpleJson, type FileFilter } from "./responses.js";
import type { FreshnessReportingClient, IndexFile, IndexLocation, Lookup } from "./types.js";

/** PEP 691 content negotiation: JSON preferred, HTML accepted. */
const SIMPLE_ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01";
/** When a response says nothing about freshness, trust it this long before revalidating. */
const DEFAULT_MAX_AGE_SECONDS = 600;

type Validate = (body: string, url: string) => unknown;

/** A response body, and until when (ms since the epoch) it may be used without asking the index again. */
interface Fetched {
  body: string;
  freshUntil: number;
}

/** What an offline run lacked: reported all at once. */
export class OfflineMiss extends IndexError {}

/** The index answered with an HTTP error status. */
export class IndexStatusError extends IndexError {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface ClientOptions {
  http: HttpClient;
  cache?: DiskCache;
  offline?: boolean;
  jobs?: number;
  credentials?: CredentialStore;
  /** Called once per finished release lookup, for progress display. */
  onLookup?: () => void;
}

function maxAge(headers: Record<string, string | string[] | undefined>): number {
  const cc = String(headers["cache-control"] ?? "");
  if (/no-store|no-cache/.test(cc)) return 0;
  const m = /max-age=(\d+)/.exec(cc);
  return m ? Number(m[1]) : DEFAULT_MAX_AGE_SECONDS;
}

/**
 * The version a file name carries, read without parsing the rest: a page
 * lists every release's files, thousands for some projects. A wheel's
 * fields are escaped (PEP 427), so its version is the second.
 */
function versionOf(filename: string): string | undefined {
  if (filename.endsWith(".whl")) {
    const fields = filename.split("-");
    return fields.length === 5 || fields.length === 6 ? fields[1] : undefined;
  }
  return parseSdistFilename(filename)?.version;
}

function sameVersion(a: string, b: string): boolean {
  return a === b || versionsEqual(a, b);
}

/**
 * Marks each file without a provenance with the newest earlier release the page shows attested:
 * a release published outside its project's workflow (a leaked token) loses its attestations.
 */
function withLastAttested(files: IndexFile[], version: string, attested: Set<string>): IndexFile[] {
  let last: string | undefined;
  if (!isValidVersion(version)) return files;
  // A file name whose version is not PEP 440 says nothing about the order of releases.
  for (const v of [...attested].filter(isValidVersion)) {
    if (compareVersions(v, version) < 0 && (last === undefined || compareVersions(v, last) > 0)) last = v;
  }
  return last === undefined ? files : files.map((f) => (f.provenance === undefined ? { ...f, lastAttested: last } : f));
}

/**
 * Asks package indexes for a release's files: PyPI through its JSON API,
 * any other index through the PEP 691 simple API (HTML, PEP 503, when
 * that is what it answers). Lookups are bounded by `jobs`, share
 * in-flight requests, and go through the on-disk cache.
 */
export class CachingIndexClient implements FreshnessReportingClient {
  private readonly limit;
  private readonly inFlight = new Map<string, Promise<Fetched>>();
  private readonly credentials: CredentialStore;

  constructor(private readonly options: ClientOptions) {
    this.limit = pLimit(options.jobs ?? 16);
    this.credentials = options.credentials ?? new CredentialStore();
  }

  async releaseFiles(index: IndexLocation, name: string, version: string): Promise<IndexFile[]> {
    return (await this.lookup(index, name, version)).files;
  }

  /** Runs `work` (a download) in the slots lookups use, so `jobs` bounds both together. */
  schedule<T>(work: () => Promise<T>): Promise<T> {
    return this.limit(work);
  }

  async lookup(index: IndexLocation, name: string, version: string): Promise<Lookup> {
    try {
      if (index.pypiJson) {
        const base = new URL(index.url);
        const url = `${base.protocol}//${base.host}/pypi/${normalizeName(name)}/${encodeURIComponent(version)}/json`;
        const { body, freshUntil } = await this.fetch(index, url, "application/json", `${name} ${version}`, parsePypiJson);
        return { files: parsePypiJson(body, url), freshUntil };
      }
      const url = `${index.url.replace(/\/+$/, "")}/${normalizeName(name)}/`;
      const parseSimple = (body: string, at: string, keep?: FileFilter) =>
        body.trimStart().startsWith("{") ? parseSimpleJson(body, at, keep) : parseSimpleHtml(body, at, keep);
      // Checking the page's shape needs no URL built: a page lists every release's files, and only one release's are kept.
      const { body, freshUntil } = await this.fetch(index, url, SIMPLE_ACCEPT, name, (b, at) => parseSimple(b, at, () => false));
      const attested = new Set<string>();
      const files = parseSimple(body, url, (filename, hasProvenance) => {
        const v = versionOf(filename);
        if (v !== undefined && hasProvenance) attested.add(v);
        return v !== undefined && sameVersion(v, version);
      });
      return { files: withLastAttested(files, version, attested), freshUntil };
    } finally {
      this.options.onLookup?.();
    }
  }

  /**
   * Another document the index serves (the PEP 740 Integrity API), through the same slots, cache,
   * retries and --offline rule as its pages. Throws IndexStatusError on an HTTP error, OfflineMiss offline.
   */
  async document(index: IndexLocation, url: string, accept: string, what: string, validate: Validate): Promise<string> {
    return (await this.fetch(index, url, accept, what, validate)).body;
  }

  /** `validate` throws on a body that must not be cached (truncated or malformed). */
  private fetch(index: IndexLocation, url: string, accept: string, what: string, validate: Validate): Promise<Fetched> {
    const key = `${accept} ${redactUrl(url)}`;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.limit(() => this.fetchUncached(index, url, accept, what, validate));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async fetchUncached(index: IndexLocation, url: string, accept: string, what: string, validate: Validate): Promise<Fetched> {
    const cacheKey = redactUrl(url);
    const cached = this.options.cache?.get(cacheKey);
    const fresh = (entry: CacheEntry): Fetched => ({ body: entry.body, freshUntil: entry.storedAt + entry.maxAge * 1000 });
    if (cached && Date.now() < fresh(cached).freshUntil) return fresh(cached);
    if (this.options.offline) {
      if (cached) return fresh(cached);
      throw new OfflineMiss(`${what}: not in the cache (${cacheKey}), and --offline forbids asking index ${index.name}`);
    }
    const credentials = this.credentials.lookup(index.name, new URL(url));
    const res = await this.options.http
      .get(url, {
        accept,
        ...(cached?.etag ? { etag: cached.etag } : {}),
        ...(credentials ? { credentials } : {}),
      })
      .catch((err: unknown) => {
        if (!(err instanceof UnreachableError)) throw err;
        throw new UnreachableError(
          `index ${index.name} (${redactUrl(index.url)}) cannot be reached: ${err.host}: ${err.reason}; check its URL and the network, or ask another index in its place with --index ${index.name}=URL`,
          err.host,
          err.reason,
        );
      });
    if (res.status === 304 && cached) {
      const revalidated = { ...cached, storedAt: Date.now(), maxAge: maxAge(res.headers) };
      this.options.cache?.put(revalidated);
      return fresh(revalidated);
    }
    if (res.status === 401 || res.status === 403) {
      throw new IndexStatusError(
        `${cacheKey}: index ${index.name} refused access (HTTP ${res.status}); give credentials in the index URL, in ~/.netrc, or as ${credentialEnvName(index.name, "USERNAME")} and ${credentialEnvName(index.name, "PASSWORD")}`,
        res.status,
      );
    }
    if (res.status === 404) throw new IndexStatusError(`${what} is not on index ${index.name} (${cacheKey} answered 404)`, 404);
    if (res.status !== 200) throw new IndexStatusError(`${cacheKey}: index ${index.name} answered HTTP ${res.status}`, res.status);
    const body = res.body.toString("utf8");
    validate(body, url);
    const etag = res.headers["etag"];
    const entry: CacheEntry = {
      url: cacheKey,
      ...(typeof etag === "string" ? { etag } : {}),
      storedAt: Date.now(),
      maxAge: maxAge(res.headers),
      body,
    };
    this.options.cache?.put(entry);
    return fresh(entry);
  }
}
