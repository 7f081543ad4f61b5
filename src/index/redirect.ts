import { UsageError } from "../errors.js";
import { redactUrl } from "./credentials.js";
import { isPypiIndex } from "./pypi-urls.js";

/**
 * `--index NAME=URL`: the index a lock names `NAME` (or whose URL is `NAME`)
 * is asked at `URL` instead, as a mirror or private proxy needs. The lock's
 * name is kept, so credentials found by name (LOCK2NIX_INDEX_<NAME>_*) still apply.
 */
export interface IndexRedirect {
  /** An index name as the lock writes it (`aliyun`, `pypi`), or an index URL. */
  match: string;
  /** The simple API root to ask instead. */
  url: string;
}

const HTTP_URL = /^https?:\/\//;

/**
 * Reads `NAME=URL`; NAME may itself be a URL, so the separator is the first
 * `=` that an http(s) URL follows. `where` names the option or config key in errors.
 */
export function parseIndexRedirect(text: string, where = "--index"): IndexRedirect {
  const m = /^(.+?)=(https?:\/\/.+)$/.exec(text);
  if (!m) throw new UsageError(`${where} ${redactUrl(text)}: expected NAME=URL (an index name or URL the lock names, then the http(s) URL to ask instead)`);
  return checkedRedirect(m[1] as string, m[2] as string, where);
}

/** A redirect from a name and a URL given separately (the config file's `indexes` mapping). */
export function checkedRedirect(match: string, url: string, where: string): IndexRedirect {
  if (match.trim() === "") throw new UsageError(`${where}: the index name must not be empty`);
  if (!HTTP_URL.test(url)) throw new UsageError(`${where} ${match}: ${redactUrl(url)} is not an http(s) URL`);
  try {
    new URL(url);
  } catch {
    throw new UsageError(`${where} ${match}: ${redactUrl(url)} is not a URL`);
  }
  return { match, url };
}

/** Index URLs compared as the same index: no credentials, scheme and host in any case, no trailing slash. */
export function indexUrlKey(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, "")}${u.search}`;
  } catch {
    return url.replace(/\/+$/, "");
  }
}

/**
 * The redirect for an index the lock names `name` at `url`, if any: a name
 * matches case-insensitively (pip and Poetry treat names that way); `pypi`
 * and PyPI's URLs both mean PyPI. A later redirect wins, as later options do.
 */
export function redirectFor(redirects: readonly IndexRedirect[] | undefined, index: { url: string; name?: string | undefined }): IndexRedirect | undefined {
  if (!redirects?.length) return undefined;
  const pypi = isPypiIndex(index.url);
  const key = indexUrlKey(index.url);
  const name = index.name?.toLowerCase();
  return [...redirects].reverse().find((r) => {
    if (HTTP_URL.test(r.match)) return pypi ? isPypiIndex(r.match) : indexUrlKey(r.match) === key;
    const m = r.match.toLowerCase();
    return m === name || (pypi && m === "pypi");
  });
}

/** Redirects as the output's header records them: sorted, credentials removed. */
export function redirectRecord(redirects: readonly IndexRedirect[]): string {
  return [...redirects.map((r) => `${redactUrl(r.match)}=${redactUrl(r.url)}`)].sort().join(" ");
}
