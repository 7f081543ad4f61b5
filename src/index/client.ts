import pLimit from "p-limit";
import { eq } from "@renovatebot/pep440";
import { normalizeName } from "../pep/normalize.js";
import { parseSdistFilename, parseWheelFilename } from "../pep/tags.js";
import type { DiskCache } from "./cache.js";
import { CredentialStore, credentialEnvName, redactUrl } from "./credentials.js";
import { IndexError, type HttpClient } from "./http.js";
import { parsePypiJson, parseSimpleHtml, parseSimpleJson } from "./responses.js";
import type { IndexClient, IndexFile, IndexLocation } from "./types.js";

/** PEP 691 content negotiation: JSON preferred, HTML accepted. */
const SIMPLE_ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01";
/** When a response says nothing about freshness, trust it this long before revalidating. */
const DEFAULT_MAX_AGE_SECONDS = 600;

type Validate = (body: string, url: string) => unknown;

/** What an offline run lacked: reported all at once. */
export class OfflineMiss extends IndexError {}

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

function versionOf(filename: string): string | undefined {
  try {
    if (filename.endsWith(".whl")) return parseWheelFilename(filename).version;
  } catch {
    return undefined;
  }
  return parseSdistFilename(filename)?.version;
}

function sameVersion(a: string, b: string): boolean {
  return a === b || eq(a, b);
}

/**
 * Asks package indexes for a release's files: PyPI through its JSON API,
 * any other index through the PEP 691 simple API (HTML, PEP 503, when
 * that is what it answers). Lookups are bounded by `jobs`, share
 * in-flight requests, and go through the on-disk cache.
 */
export class CachingIndexClient implements IndexClient {
  private readonly limit;
  private readonly inFlight = new Map<string, Promise<string>>();
  private readonly credentials: CredentialStore;

  constructor(private readonly options: ClientOptions) {
    this.limit = pLimit(options.jobs ?? 16);
    this.credentials = options.credentials ?? new CredentialStore();
  }

  async releaseFiles(index: IndexLocation, name: string, version: string): Promise<IndexFile[]> {
    try {
      if (index.pypiJson) {
        const base = new URL(index.url);
        const url = `${base.protocol}//${base.host}/pypi/${normalizeName(name)}/${encodeURIComponent(version)}/json`;
        return parsePypiJson(await this.fetch(index, url, "application/json", `${name} ${version}`, parsePypiJson), url);
      }
      const url = `${index.url.replace(/\/+$/, "")}/${normalizeName(name)}/`;
      const parseSimple = (body: string, at: string) =>
        body.trimStart().startsWith("{") ? parseSimpleJson(body, at) : parseSimpleHtml(body, at);
      const files = parseSimple(await this.fetch(index, url, SIMPLE_ACCEPT, name, parseSimple), url);
      return files.filter((f) => {
        const v = versionOf(f.filename);
        return v !== undefined && sameVersion(v, version);
      });
    } finally {
      this.options.onLookup?.();
    }
  }

  /** `validate` throws on a body that must not be cached (truncated or malformed). */
  private fetch(index: IndexLocation, url: string, accept: string, what: string, validate: Validate): Promise<string> {
    const key = `${accept} ${redactUrl(url)}`;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.limit(() => this.fetchUncached(index, url, accept, what, validate));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async fetchUncached(index: IndexLocation, url: string, accept: string, what: string, validate: Validate): Promise<string> {
    const cacheKey = redactUrl(url);
    const cached = this.options.cache?.get(cacheKey);
    if (cached && Date.now() - cached.storedAt < cached.maxAge * 1000) return cached.body;
    if (this.options.offline) {
      if (cached) return cached.body;
      throw new OfflineMiss(`${what}: not in the cache (${cacheKey}), and --offline forbids asking index ${index.name}`);
    }
    const credentials = this.credentials.lookup(index.name, new URL(url));
    const res = await this.options.http.get(url, {
      accept,
      ...(cached?.etag ? { etag: cached.etag } : {}),
      ...(credentials ? { credentials } : {}),
    });
    if (res.status === 304 && cached) {
      this.options.cache?.put({ ...cached, storedAt: Date.now(), maxAge: maxAge(res.headers) });
      return cached.body;
    }
    if (res.status === 401 || res.status === 403) {
      throw new IndexError(
        `${cacheKey}: index ${index.name} refused access (HTTP ${res.status}); give credentials in the index URL, in ~/.netrc, or as ${credentialEnvName(index.name, "USERNAME")} and ${credentialEnvName(index.name, "PASSWORD")}`,
      );
    }
    if (res.status === 404) throw new IndexError(`${what} is not on index ${index.name} (${cacheKey} answered 404)`);
    if (res.status !== 200) throw new IndexError(`${cacheKey}: index ${index.name} answered HTTP ${res.status}`);
    const body = res.body.toString("utf8");
    validate(body, url);
    const etag = res.headers["etag"];
    this.options.cache?.put({
      url: cacheKey,
      ...(typeof etag === "string" ? { etag } : {}),
      storedAt: Date.now(),
      maxAge: maxAge(res.headers),
      body,
    });
    return body;
  }
}
