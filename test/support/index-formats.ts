// Response bodies of a PyPI-like index: the JSON API (docs.pypi.org/api/json),
// the simple API as PEP 503/592/629 HTML and PEP 691/700/714 JSON.
// Field names and key order follow what pypi.org sends.

import { createHash } from "node:crypto";
import { compareVersions, isPrerelease, parseVersion } from "../../src/pep/version.js";
import { blake2b } from "./blake2b.js";

export interface IndexFile {
  /** Project name as published (any spelling; looked up PEP 503-normalized). */
  name: string;
  version: string;
  filename: string;
  content: Buffer;
  requiresPython?: string;
  /** PEP 592: true, or the reason. */
  yanked?: boolean | string;
  /** ISO 8601; defaults to a fixed time so responses are stable. */
  uploadTime?: string;
  /** Core metadata (METADATA / PKG-INFO); wheels' is served at `<url>.metadata` (PEP 658/714). */
  metadata?: Buffer;
  /** PEP 740: the provenance object the Integrity API serves; pages then name its URL. */
  provenance?: unknown;
  /** The sha256 the index reports, when not the content's (a real attestation's subject). */
  sha256?: string;
}

export interface StoredFile extends IndexFile {
  project: string;
  sha256: string;
  /** Below the server root: /integrity/<project>/<version>/<filename>/provenance, when it has one. */
  provenancePath?: string;
  md5: string;
  blake2b256: string;
  metadataSha256?: string;
  /** Path below the server root, like files.pythonhosted.org's /packages/ab/cd/…/file. */
  path: string;
  uploadIso: string;
  kind: "sdist" | "wheel";
}

export interface Project {
  normalized: string;
  files: StoredFile[];
  versions: string[];
}

export const SIMPLE_API_VERSION = "1.1";
export const DEFAULT_UPLOAD_TIME = "2024-01-02T03:04:05.678901Z";

/** PEP 503. */
export function normalizeName(name: string): string {
  return name.replace(/[-_.]+/g, "-").toLowerCase();
}

const hex = (algo: string, data: Buffer): string => createHash(algo).update(data).digest("hex");

/** PyPI prints microseconds; Date keeps milliseconds, so keep the caller's digits when given. */
function isoMicros(time: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?(?:Z|\+00:00)?$/.exec(time);
  if (m) return `${m[1]}.${(m[2] ?? "").padEnd(6, "0")}Z`;
  const d = new Date(time);
  if (Number.isNaN(d.getTime())) throw new Error(`bad uploadTime ${time}`);
  return d.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

function isPrereleaseText(v: string): boolean {
  const parsed = parseVersion(v);
  return parsed !== undefined && isPrerelease(parsed);
}

function byVersion(a: string, b: string): number {
  try {
    return compareVersions(a, b);
  } catch {
    return a < b ? -1 : a > b ? 1 : 0;
  }
}

export function indexProjects(files: IndexFile[]): Map<string, Project> {
  const projects = new Map<string, Project>();
  for (const f of files) {
    const sha256 = f.sha256 ?? hex("sha256", f.content);
    const stored: StoredFile = {
      ...f,
      project: normalizeName(f.name),
      sha256,
      ...(f.provenance !== undefined
        ? { provenancePath: `/integrity/${normalizeName(f.name)}/${encodeURIComponent(f.version)}/${encodeURIComponent(f.filename)}/provenance` }
        : {}),
      md5: hex("md5", f.content),
      blake2b256: blake2b(f.content),
      metadataSha256: f.metadata ? hex("sha256", f.metadata) : undefined,
      path: `/files/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256.slice(4)}/${encodeURIComponent(f.filename)}`,
      uploadIso: isoMicros(f.uploadTime ?? DEFAULT_UPLOAD_TIME),
      kind: f.filename.endsWith(".whl") ? "wheel" : "sdist",
    };
    let p = projects.get(stored.project);
    if (!p) projects.set(stored.project, (p = { normalized: stored.project, files: [], versions: [] }));
    p.files.push(stored);
  }
  for (const p of projects.values()) {
    p.files.sort((a, b) => byVersion(a.version, b.version) || (a.filename < b.filename ? -1 : 1));
    p.versions = [...new Set(p.files.map((f) => f.version))];
  }
  return projects;
}

const yankReason = (f: StoredFile): string | null => (typeof f.yanked === "string" ? f.yanked : null);
const isYanked = (f: StoredFile): boolean => f.yanked !== undefined && f.yanked !== false;
/** Wheels get `.metadata` served; PyPI does not extract it from sdists. */
const servesMetadata = (f: StoredFile): boolean => f.kind === "wheel" && f.metadataSha256 !== undefined;

// ---- PyPI JSON API ----

/** RFC 822-style core metadata headers, multi-valued ones as arrays. */
function parseMetadata(buf: Buffer | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!buf) return out;
  const head = buf.toString("utf8").split(/\r?\n\r?\n/)[0] ?? "";
  let last: string[] | undefined;
  for (const line of head.split(/\r?\n/)) {
    if (/^\s/.test(line) && last) {
      last[last.length - 1] += `\n${line.trim()}`;
      continue;
    }
    const i = line.indexOf(":");
    if (i <= 0) continue;
    const key = line.slice(0, i).toLowerCase();
    if (!out.has(key)) out.set(key, []);
    last = out.get(key)!;
    last.push(line.slice(i + 1).trim());
  }
  return out;
}

function jsonUrlEntry(f: StoredFile, base: string): Record<string, unknown> {
  const pythonVersion = f.kind === "wheel" ? (f.filename.slice(0, -4).split("-").at(-3) ?? "py3") : "source";
  return {
    comment_text: "",
    digests: { blake2b_256: f.blake2b256, md5: f.md5, sha256: f.sha256 },
    downloads: -1,
    filename: f.filename,
    has_sig: false,
    md5_digest: f.md5,
    packagetype: f.kind === "wheel" ? "bdist_wheel" : "sdist",
    python_version: pythonVersion,
    requires_python: f.requiresPython ?? null,
    size: f.content.length,
    upload_time: f.uploadIso.slice(0, 19),
    upload_time_iso_8601: f.uploadIso,
    url: base + f.path,
    yanked: isYanked(f),
    yanked_reason: yankReason(f),
  };
}

/** PyPI's "latest": newest release that is neither a pre-release nor yanked, if any. */
function latestVersion(p: Project): string {
  const live = (v: string): boolean => p.files.some((f) => f.version === v && !isYanked(f));
  const stable = p.versions.filter((v) => live(v) && !isPrereleaseText(v));
  return stable.at(-1) ?? p.versions.filter(live).at(-1) ?? p.versions.at(-1)!;
}

export function pypiJson(p: Project, base: string, version?: string): unknown {
  const v = version ?? latestVersion(p);
  const files = p.files.filter((f) => f.version === v);
  const first = files.find((f) => f.metadata) ?? files[0]!;
  const meta = parseMetadata(first.metadata);
  const one = (k: string): string | null => meta.get(k)?.[0] ?? null;
  const info = {
    author: one("author") ?? "",
    author_email: one("author-email") ?? "",
    bugtrack_url: null,
    classifiers: meta.get("classifier") ?? [],
    description: one("description") ?? "",
    description_content_type: one("description-content-type"),
    docs_url: null,
    download_url: "",
    downloads: { last_day: -1, last_month: -1, last_week: -1 },
    dynamic: null,
    home_page: one("home-page") ?? "",
    keywords: one("keywords") ?? "",
    license: one("license") ?? "",
    license_expression: one("license-expression"),
    license_files: null,
    maintainer: "",
    maintainer_email: "",
    name: first.name,
    package_url: `${base}/project/${first.name}/`,
    platform: null,
    project_url: `${base}/project/${first.name}/`,
    project_urls: null,
    provides_extra: meta.get("provides-extra") ?? null,
    release_url: `${base}/project/${first.name}/${v}/`,
    requires_dist: meta.get("requires-dist") ?? null,
    requires_python: first.requiresPython ?? one("requires-python"),
    summary: one("summary") ?? "",
    version: v,
    yanked: files.every(isYanked),
    yanked_reason: files.every(isYanked) ? yankReason(files[0]!) : null,
  };
  const body: Record<string, unknown> = { info, last_serial: p.files.length };
  // The per-version endpoint stopped carrying `releases` in 2023.
  if (version === undefined) {
    const releases: Record<string, unknown[]> = {};
    for (const ver of p.versions) releases[ver] = p.files.filter((f) => f.version === ver).map((f) => jsonUrlEntry(f, base));
    body.releases = releases;
  }
  body.urls = files.map((f) => jsonUrlEntry(f, base));
  body.vulnerabilities = [];
  return body;
}

// ---- simple API ----

export const SIMPLE_JSON = "application/vnd.pypi.simple.v1+json";
export const SIMPLE_HTML = "application/vnd.pypi.simple.v1+html";
const OFFERS = ["text/html", SIMPLE_HTML, SIMPLE_JSON];
/** PEP 691's "latest" names are aliases for the newest major version. */
const ALIASES: Record<string, string> = {
  "application/vnd.pypi.simple.latest+json": SIMPLE_JSON,
  "application/vnd.pypi.simple.latest+html": SIMPLE_HTML,
};

/**
 * What pypi.org does (WebOb `acceptable_offers` over text/html, v1+html, v1+json):
 * each offer takes the q of its most specific matching range, q=0 refuses it,
 * ties keep the server's order, and text/html when nothing matches or no header.
 */
export function negotiateSimple(accept: string | undefined): string {
  if (!accept?.trim()) return "text/html";
  const ranges = accept.split(",").map((part) => {
    const [type = "", ...params] = part.split(";").map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith("q="));
    const qv = q ? Number(q.slice(2)) : 1;
    return { type: ALIASES[type] ?? type, q: Number.isFinite(qv) ? Math.min(Math.max(qv, 0), 1) : 0 };
  });
  const scored = OFFERS.map((offer, order) => {
    let best = { spec: 0, q: 0 };
    for (const r of ranges) {
      const spec = r.type === offer ? 3 : r.type === `${offer.split("/")[0]}/*` ? 2 : r.type === "*/*" ? 1 : 0;
      if (spec > best.spec) best = { spec, q: r.q };
    }
    return { offer, order, q: best.q };
  }).filter((s) => s.q > 0);
  scored.sort((a, b) => b.q - a.q || a.order - b.order);
  return scored[0]?.offer ?? "text/html";
}

const esc = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function htmlPage(title: string, body: string[]): string {
  return [
    "<!DOCTYPE html>",
    "<html>",
    "  <head>",
    `    <meta name="pypi:repository-version" content="${SIMPLE_API_VERSION}">`,
    `    <title>${esc(title)}</title>`,
    "  </head>",
    "  <body>",
    ...body.map((l) => `    ${l}`),
    "  </body>",
    "</html>",
    "",
  ].join("\n");
}

export function simpleIndex(projects: Map<string, Project>, json: boolean): string {
  const names = [...projects.keys()].sort();
  if (json) return JSON.stringify({ meta: { "api-version": SIMPLE_API_VERSION }, projects: names.map((name) => ({ name })) });
  return htmlPage("Simple index", names.map((n) => `<a href="/simple/${n}/">${esc(n)}</a>`));
}

export function simpleProject(p: Project, base: string, json: boolean): string {
  if (json) {
    const files = p.files.map((f) => {
      const meta = servesMetadata(f) ? { sha256: f.metadataSha256 } : false;
      return {
        "core-metadata": meta,
        "data-dist-info-metadata": meta,
        filename: f.filename,
        hashes: { sha256: f.sha256 },
        "requires-python": f.requiresPython ?? null,
        size: f.content.length,
        "upload-time": f.uploadIso,
        url: base + f.path,
        yanked: isYanked(f) ? (yankReason(f) ?? true) : false,
        ...(f.provenancePath ? { provenance: base + f.provenancePath } : {}),
      };
    });
    return JSON.stringify({ meta: { "api-version": SIMPLE_API_VERSION }, name: p.normalized, files, versions: p.versions });
  }
  const links = p.files.map((f) => {
    let attrs = "";
    if (f.requiresPython) attrs += ` data-requires-python="${esc(f.requiresPython)}"`;
    if (servesMetadata(f)) {
      attrs += ` data-dist-info-metadata="sha256=${f.metadataSha256}" data-core-metadata="sha256=${f.metadataSha256}"`;
    }
    if (isYanked(f)) attrs += ` data-yanked="${esc(yankReason(f) ?? "")}"`;
    if (f.provenancePath) attrs += ` data-provenance="${esc(base + f.provenancePath)}"`;
    return `<a href="${esc(base + f.path)}#sha256=${f.sha256}"${attrs}>${esc(f.filename)}</a><br />`;
  });
  return htmlPage(`Links for ${p.normalized}`, [`<h1>Links for ${esc(p.normalized)}</h1>`, ...links]);
}

export { servesMetadata, byVersion };
