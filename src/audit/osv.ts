import type { Dispatcher } from "undici";
import { isTable } from "../formats/fields.js";
import type { DiskCache } from "../index/cache.js";
import { IndexError, type HttpClient } from "../index/http.js";
import { parseJson } from "../index/responses.js";
import { parseAdvisory, type OsvAdvisory } from "./osv-match.js";

/**
 * OSV's API (https://google.github.io/osv.dev/api/): `POST /v1/querybatch`
 * says which advisories name each (package, version), `GET /v1/vulns/{id}`
 * gives one advisory. Both go through lock2nix's disk cache: a batch answer
 * for an hour, an advisory until the batch reports it modified.
 */

export const DEFAULT_OSV_URL = "https://api.osv.dev";
/** OSV answers at most this many queries per batch. */
const BATCH = 1000;
const QUERY_MAX_AGE_SECONDS = 3600;
const ADVISORY_MAX_AGE_SECONDS = 7 * 24 * 3600;

export interface OsvClientOptions {
  /** API root, e.g. https://api.osv.dev (default) or a mirror. */
  url?: string;
  /** For GETs (advisories): retries, proxies, timeouts. */
  http: HttpClient;
  cache?: DiskCache;
  timeoutMs?: number;
  retries?: number;
}

export interface OsvQuery {
  name: string;
  version: string;
}

interface VulnRef {
  id: string;
  modified?: string;
}

/** POSTs JSON; retries on 5xx, 429 and network errors like HttpClient does for GETs. */
async function postJson(url: string, body: unknown, options: OsvClientOptions, state: { dispatcher?: Dispatcher }): Promise<unknown> {
  // Loaded on first use, as HttpClient does: a run that never asks OSV never pays for it.
  const undici = await import("undici");
  const proxied = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"].some((v) => process.env[v]);
  const timeout = options.timeoutMs ?? 30_000;
  state.dispatcher ??= proxied
    ? new undici.EnvHttpProxyAgent({ headersTimeout: timeout, bodyTimeout: timeout })
    : new undici.Agent({ headersTimeout: timeout, bodyTimeout: timeout });
  const retries = options.retries ?? 3;
  let last = "";
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, Math.random() * 250 * 2 ** attempt));
    let res;
    try {
      res = await undici.request(url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json", "user-agent": "lock2nix" },
        body: JSON.stringify(body),
        dispatcher: state.dispatcher,
      });
    } catch (err) {
      last = (err as Error).message;
      continue;
    }
    const text = await res.body.text().catch((err: Error) => {
      last = `the response was cut off (${err.message})`;
      return undefined;
    });
    if (text === undefined) continue;
    if (res.statusCode === 429 || res.statusCode >= 500) {
      last = `HTTP ${res.statusCode}`;
      continue;
    }
    if (res.statusCode !== 200) throw new IndexError(`${url}: OSV answered HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
    return parseJson(text, url);
  }
  throw new IndexError(`${url}: OSV stayed unreachable after ${retries + 1} attempts (last: ${last})`);
}

function vulnRefs(result: unknown, url: string): { vulns: VulnRef[]; next?: string } {
  if (!isTable(result)) throw new IndexError(`${url}: unexpected answer from OSV: a result is not an object`);
  const vulns = result["vulns"] ?? [];
  if (!Array.isArray(vulns) || vulns.some((v) => !isTable(v) || typeof v["id"] !== "string")) {
    throw new IndexError(`${url}: unexpected answer from OSV: \`vulns\` must be a list of objects with an \`id\``);
  }
  const next = typeof result["next_page_token"] === "string" && result["next_page_token"] ? result["next_page_token"] : undefined;
  return {
    vulns: vulns.map((v) => ({ id: v["id"] as string, ...(typeof v["modified"] === "string" ? { modified: v["modified"] } : {}) })),
    ...(next ? { next } : {}),
  };
}

/** Which advisories affect each query, keyed `name version`. */
export async function queryOsv(queries: OsvQuery[], options: OsvClientOptions): Promise<Map<string, OsvAdvisory[]>> {
  const base = (options.url ?? DEFAULT_OSV_URL).replace(/\/+$/, "");
  const batchUrl = `${base}/v1/querybatch`;
  const key = (q: OsvQuery) => `${q.name} ${q.version}`;
  const cacheKey = (q: OsvQuery) => `POST ${batchUrl} PyPI ${q.name} ${q.version}`;
  const refs = new Map<string, VulnRef[]>();
  const unique = [...new Map(queries.map((q) => [key(q), q])).values()];
  const ask: OsvQuery[] = [];
  for (const q of unique) {
    const cached = options.cache?.get(cacheKey(q));
    if (cached && Date.now() - cached.storedAt < cached.maxAge * 1000) refs.set(key(q), JSON.parse(cached.body) as VulnRef[]);
    else ask.push(q);
  }
  const state: { dispatcher?: Dispatcher } = {};
  try {
    for (let i = 0; i < ask.length; i += BATCH) {
      const chunk = ask.slice(i, i + BATCH);
      let pending = chunk.map((q) => ({ q, page: undefined as string | undefined }));
      const found = new Map<string, VulnRef[]>(chunk.map((q) => [key(q), []]));
      // A query with more results than one page returns a token; ask again for just those.
      while (pending.length > 0) {
        const body = {
          queries: pending.map(({ q, page }) => ({ package: { name: q.name, ecosystem: "PyPI" }, version: q.version, ...(page ? { page_token: page } : {}) })),
        };
        const doc = await postJson(batchUrl, body, options, state);
        const results = isTable(doc) ? doc["results"] : undefined;
        if (!Array.isArray(results) || results.length !== pending.length) {
          throw new IndexError(`${batchUrl}: unexpected answer from OSV: expected \`results\` with ${pending.length} entries`);
        }
        const next: typeof pending = [];
        for (const [j, result] of results.entries()) {
          const { q } = pending[j] as (typeof pending)[number];
          const { vulns, next: token } = vulnRefs(result, batchUrl);
          found.get(key(q))?.push(...vulns);
          if (token) next.push({ q, page: token });
        }
        pending = next;
      }
      for (const q of chunk) {
        const list = found.get(key(q)) ?? [];
        refs.set(key(q), list);
        options.cache?.put({ url: cacheKey(q), storedAt: Date.now(), maxAge: QUERY_MAX_AGE_SECONDS, body: JSON.stringify(list) });
      }
    }
  } finally {
    await state.dispatcher?.close();
  }
  const advisories = new Map<string, Promise<OsvAdvisory | undefined>>();
  for (const list of refs.values()) {
    for (const ref of list) if (!advisories.has(ref.id)) advisories.set(ref.id, fetchAdvisory(base, ref, options));
  }
  const out = new Map<string, OsvAdvisory[]>();
  for (const q of unique) {
    const list = await Promise.all((refs.get(key(q)) ?? []).map((r) => advisories.get(r.id) as Promise<OsvAdvisory | undefined>));
    out.set(key(q), list.filter((a): a is OsvAdvisory => a !== undefined).sort((a, b) => a.id.localeCompare(b.id)));
  }
  return out;
}

async function fetchAdvisory(base: string, ref: VulnRef, options: OsvClientOptions): Promise<OsvAdvisory | undefined> {
  const url = `${base}/v1/vulns/${encodeURIComponent(ref.id)}`;
  const cached = options.cache?.get(url);
  if (cached) {
    const advisory = parseAdvisory(parseJson(cached.body, url), url);
    const fresh = ref.modified ? advisory.modified === ref.modified : Date.now() - cached.storedAt < cached.maxAge * 1000;
    if (fresh) return advisory;
  }
  const res = await options.http.get(url, { accept: "application/json" });
  // Withdrawn and deleted advisories vanish; the batch answer may be older than that.
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new IndexError(`${url}: OSV answered HTTP ${res.status}`);
  const body = res.body.toString("utf8");
  let advisory: OsvAdvisory;
  try {
    advisory = parseAdvisory(parseJson(body, url), url);
  } catch (err) {
    throw err instanceof IndexError ? err : new IndexError((err as Error).message);
  }
  options.cache?.put({ url, storedAt: Date.now(), maxAge: ADVISORY_MAX_AGE_SECONDS, body });
  return advisory;
}
