import { Parser } from "htmlparser2";
import { isTable } from "../formats/fields.js";
import { IndexError } from "./http.js";
import { redactUrl } from "./credentials.js";
import type { IndexFile } from "./types.js";

/**
 * Parsers for what indexes answer, checked field by field: a response
 * that does not have the documented shape is an error naming the URL,
 * never a silently empty file list.
 */

function bad(url: string, what: string): never {
  throw new IndexError(`${redactUrl(url)}: unexpected response from the index: ${what}`);
}

/** `url` resolved against `base`, without user name or password. */
function absoluteUrl(url: string, base: string): string {
  const u = new URL(url, base);
  if (u.username !== "" || u.password !== "") {
    u.username = "";
    u.password = "";
  }
  return u.href;
}

/**
 * Which of a project page's files to return: a page lists every release, a lookup wants one.
 * Told whether each file has a provenance, so a lookup learns which other releases are attested.
 */
export type FileFilter = (filename: string, attested: boolean) => boolean;

/** PEP 740's `provenance` (JSON) / `data-provenance` (HTML): a URL, or null / absent for none. */
function hasProvenance(value: unknown, url: string, where: string): value is string {
  if (value === undefined || value === null) return false;
  if (typeof value !== "string" || value === "") bad(url, `${where}: \`provenance\` must be a URL or null`);
  return true;
}

/** Resolved only for the files kept: a page lists thousands. */
function provenanceUrl(value: string, base: string, url: string, where: string): { provenance: string } {
  try {
    return { provenance: absoluteUrl(value, base) };
  } catch {
    return bad(url, `${where}: \`provenance\` is not a URL: ${JSON.stringify(value.slice(0, 200))}`);
  }
}

function yankedOf(value: unknown): boolean | string {
  if (value === undefined || value === null || value === false) return false;
  if (value === true) return true;
  return typeof value === "string" ? value || true : true;
}

export function parseJson(body: string, url: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return bad(url, "the body is not valid JSON (truncated?)");
  }
}

/** PyPI's JSON API, `/pypi/<name>/<version>/json`: the `urls` array. */
export function parsePypiJson(body: string, url: string): IndexFile[] {
  const doc = parseJson(body, url);
  if (!isTable(doc) || !Array.isArray(doc["urls"])) bad(url, "expected an object with a `urls` array");
  return (doc["urls"] as unknown[]).map((entry, i) => {
    if (!isTable(entry) || typeof entry["filename"] !== "string" || typeof entry["url"] !== "string") {
      bad(url, `urls[${i}] needs \`filename\` and \`url\` strings`);
    }
    const digests = isTable(entry["digests"]) ? entry["digests"] : {};
    const sha256 = typeof digests["sha256"] === "string" ? digests["sha256"].toLowerCase() : undefined;
    return {
      filename: entry["filename"] as string,
      url: absoluteUrl(entry["url"] as string, url),
      ...(sha256 ? { sha256 } : {}),
      ...(typeof entry["requires_python"] === "string" ? { requiresPython: entry["requires_python"] } : {}),
      yanked: entry["yanked"] === true ? (typeof entry["yanked_reason"] === "string" && entry["yanked_reason"]) || true : false,
    };
  });
}

/** PEP 691 JSON simple API project page. */
export function parseSimpleJson(body: string, url: string, keep?: FileFilter): IndexFile[] {
  const doc = parseJson(body, url);
  if (!isTable(doc) || !Array.isArray(doc["files"])) bad(url, "expected a PEP 691 object with a `files` array");
  const files: IndexFile[] = [];
  (doc["files"] as unknown[]).forEach((entry, i) => {
    if (!isTable(entry) || typeof entry["filename"] !== "string" || typeof entry["url"] !== "string") {
      bad(url, `files[${i}] needs \`filename\` and \`url\` strings`);
    }
    const attested = hasProvenance(entry["provenance"], url, `files[${i}]`);
    if (keep && !keep(entry["filename"], attested)) return;
    const hashes = isTable(entry["hashes"]) ? entry["hashes"] : {};
    const sha256 = typeof hashes["sha256"] === "string" ? hashes["sha256"].toLowerCase() : undefined;
    files.push({
      filename: entry["filename"] as string,
      url: absoluteUrl(entry["url"] as string, url),
      ...(sha256 ? { sha256 } : {}),
      ...(typeof entry["requires-python"] === "string" ? { requiresPython: entry["requires-python"] } : {}),
      yanked: yankedOf(entry["yanked"]),
      ...(attested ? provenanceUrl(entry["provenance"] as string, url, url, `files[${i}]`) : {}),
    });
  });
  return files;
}

/** Each anchor of an HTML page: its attributes (names lowercased, entities decoded) and its text. */
function anchors(body: string): { anchors: Array<{ attrs: Record<string, string>; text: string }>; base?: string } {
  const found: Array<{ attrs: Record<string, string>; text: string }> = [];
  let base: string | undefined;
  let open: { attrs: Record<string, string>; text: string } | undefined;
  // A real HTML tokenizer: attribute values may hold `>` (Artifactory writes data-requires-python=">=3.8").
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (name === "a") open = { attrs, text: "" };
        else if (name === "base" && base === undefined && attrs["href"] !== undefined) base = attrs["href"];
      },
      ontext(text) {
        if (open) open.text += text;
      },
      onclosetag(name) {
        if (name === "a" && open) {
          found.push(open);
          open = undefined;
        }
      },
    },
    { decodeEntities: true },
  );
  parser.write(body);
  parser.end();
  return { anchors: found, ...(base !== undefined ? { base } : {}) };
}

/** PEP 503 HTML simple API project page: one anchor per file, `#sha256=` in the href. */
export function parseSimpleHtml(body: string, url: string, keep?: FileFilter): IndexFile[] {
  const files: IndexFile[] = [];
  const page = anchors(body);
  // pip resolves links against the page's <base href>, when it has one.
  const base = page.base !== undefined ? new URL(page.base, url).href : url;
  for (const { attrs, text } of page.anchors) {
    const href = attrs["href"];
    if (!href) continue;
    const absolute = new URL(href, base);
    const fragment = /^#sha256=([0-9a-f]{64})$/i.exec(absolute.hash);
    absolute.hash = "";
    const filename = text.trim() || decodeURIComponent(absolute.pathname.split("/").pop() ?? "");
    const provenance = attrs["data-provenance"];
    const attested = hasProvenance(provenance, url, filename);
    if (keep && !keep(filename, attested)) continue;
    const requiresPython = attrs["data-requires-python"];
    files.push({
      filename,
      url: absoluteUrl(absolute.href, url),
      ...(fragment ? { sha256: (fragment[1] as string).toLowerCase() } : {}),
      ...(requiresPython ? { requiresPython } : {}),
      yanked: "data-yanked" in attrs ? attrs["data-yanked"] || true : false,
      ...(attested ? provenanceUrl(provenance, base, url, filename) : {}),
    });
  }
  return files;
}
