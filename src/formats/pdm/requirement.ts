import { ParseError } from "../../errors.js";
import type { Dependency, PackageSource } from "../../model.js";
import { markerToString, parseMarker } from "../../pep/markers.js";
import { normalizeExtra, normalizeName } from "../../pep/normalize.js";
import { parseRequirement, type Requirement } from "../../pep/requirement.js";
import type { Fields } from "../fields.js";

/** pdm writes local paths in URLs relative to the project as `file:///${PROJECT_ROOT}/…`. */
const PROJECT_ROOT_URL = /^file:\/\/\/?\$\{PROJECT_ROOT\}(?:\/(.*))?$/;

/** Archive names pip can install from; anything else on a local path is a source tree. */
export const ARCHIVE = /\.(whl|zip|tar\.gz|tgz|tar\.bz2|tbz|tar\.xz|txz|tar)$/i;

/** Parses a marker found at `owner`, so a bad one is reported with its package and line. */
export function readMarker(text: string, owner: Fields): string {
  try {
    return markerToString(parseMarker(text));
  } catch (err) {
    if (err instanceof ParseError) throw new ParseError(`${owner.where}: invalid marker: ${err.message}`, owner.location);
    throw err;
  }
}

/** `a and b`, either side optional, as one canonical marker. */
export function andMarkers(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  return markerToString(parseMarker(`(${a}) and (${b})`));
}

/** A path relative to the project for `${PROJECT_ROOT}` URLs, the path itself for other `file:` URLs. */
export function localPathOf(url: string): string | undefined {
  const rooted = PROJECT_ROOT_URL.exec(url);
  if (rooted) return rooted[1] ? rooted[1].replace(/\/+$/, "") : ".";
  if (!/^file:/i.test(url)) return undefined;
  return decodeURIComponent(new URL(url).pathname);
}

/** The package source a direct reference (`name @ url`) means. */
export function sourceOfUrl(url: string, editable: boolean): PackageSource {
  const [base = url, fragment = ""] = url.split("#", 2);
  const subdirectory = new URLSearchParams(fragment).get("subdirectory") ?? undefined;
  if (/^git\+/i.test(base)) {
    const m = /^git\+(.*?)(?:@([^@/]+))?$/i.exec(base) as RegExpExecArray;
    const rev = m[2];
    return {
      kind: "git",
      url: m[1] as string,
      commit: rev && /^[0-9a-f]{40}$/.test(rev) ? rev : "",
      ...(rev ? { ref: rev } : {}),
      ...(subdirectory ? { subdirectory } : {}),
    };
  }
  const path = localPathOf(base);
  if (path !== undefined) {
    return ARCHIVE.test(path) ? { kind: "file", path } : { kind: "directory", path, editable };
  }
  return { kind: "url", url: base, ...(subdirectory ? { subdirectory } : {}) };
}

/** `-e url#egg=name[extras]`, the pip form pdm keeps for editable references. */
function parseEggLine(text: string): Requirement | undefined {
  const m = /^(\S+?)#(?:.*&)?egg=([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[([^\]]*)\])?(?:&\S*)?(?:\s*;\s*(.+))?$/.exec(text);
  if (!m) return undefined;
  const marker = m[4];
  return {
    name: m[2] as string,
    extras: [...new Set((m[3] ?? "").split(",").map((e) => normalizeExtra(e.trim())).filter((e) => e !== ""))].sort(),
    url: m[1] as string,
    ...(marker ? { marker: markerToString(parseMarker(marker)) } : {}),
  };
}

/**
 * Reads a requirement line as pdm writes them in `dependencies` and
 * pyproject.toml: PEP 508, optionally after `-e ` for an editable one.
 */
export function readPdmRequirement(line: string, owner: Fields): Dependency {
  const editable = /^-e\s+/.test(line);
  const text = editable ? line.replace(/^-e\s+/, "") : line;
  let req: Requirement;
  try {
    req = parseRequirement(text);
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    let egg: Requirement | undefined;
    try {
      egg = parseEggLine(text.trim());
    } catch (markerErr) {
      if (!(markerErr instanceof ParseError)) throw markerErr;
    }
    if (!egg) throw new ParseError(`${owner.where}: invalid requirement \`${line}\`: ${err.message}`, owner.location);
    req = egg;
  }
  const source = req.url !== undefined ? sourceOfUrl(req.url, editable) : undefined;
  return {
    name: normalizeName(req.name),
    extras: req.extras,
    ...(req.marker ? { marker: req.marker } : {}),
    ...(req.specifier ? { specifier: req.specifier } : {}),
    ...(source ? { source } : {}),
  };
}
