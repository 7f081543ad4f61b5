/**
 * PEP 508 dependency specifiers (`name[extras] (>=1,<2) ; marker`,
 * `name @ url ; marker`), parsed the way pypa/packaging tokenizes them.
 */
import { markerToString, parseMarkerExpression, Scanner, WS } from "./markers.js";
import { normalizeExtra } from "./normalize.js";

export interface Requirement {
  /** As written. */
  name: string;
  /** PEP 685-normalized, sorted, unique. */
  extras: string[];
  /** Comma-separated clauses in written order, whitespace removed. */
  specifier?: string;
  url?: string;
  /** Canonical, via markerToString. */
  marker?: string;
}

const IDENTIFIER = /\b[a-zA-Z0-9][a-zA-Z0-9._-]*\b/y;
const AT = /@/y;
const URL = /[^ \t]+/y;
const COMMA = /,/y;
const SEMICOLON = /;/y;
const PREFIX_TRAIL = /\.\*/y;
const LOCAL_TRAIL = /\+[a-z0-9]+(?:[-_.][a-z0-9]+)*/iy;

// PEP 440 pieces of one specifier clause. Matching is a prefix match, so a
// clause the operator does not allow stops early and a *_TRAIL names the cause.
const RELEASE = String.raw`v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*`;
const PRE = String.raw`(?:[-_.]?(?:alpha|beta|preview|pre|a|b|c|rc)[-_.]?[0-9]*)?`;
const POST = String.raw`(?:-[0-9]+|[-_.]?(?:post|rev|r)[-_.]?[0-9]*)?`;
const DEV = String.raw`(?:[-_.]?dev[-_.]?[0-9]*)?`;
const LOCAL = String.raw`(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?`;
const SPECIFIER = new RegExp(
  [
    // Arbitrary equality takes anything up to whitespace, `;` or `)`.
    String.raw`===\s*[^\s;)]*`,
    String.raw`(?:==|!=)\s*${RELEASE}(?:\.\*|${PRE}${POST}${DEV}${LOCAL})`,
    // ~= needs at least two release segments.
    String.raw`~=\s*v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)+${PRE}${POST}${DEV}`,
    String.raw`(?:<=|>=|<|>)\s*${RELEASE}${PRE}${POST}${DEV}`,
  ].join("|"),
  "iy",
);

export function parseRequirement(text: string): Requirement {
  const s = new Scanner(text);
  s.skipSpace();
  const name = s.expect(IDENTIFIER, "package name at the start of dependency specifier");
  s.skipSpace();
  const extras = parseExtras(s);
  s.skipSpace();

  const req: Requirement = { name, extras };
  let markerStart: number;
  let expected: string;
  if (s.take(AT) !== undefined) {
    s.skipSpace();
    markerStart = s.pos;
    req.url = s.expect(URL, "URL after @");
    checkUrl(s, req.url, markerStart);
    if (s.atEnd()) return req;
    // A URL may contain `;`, so the marker needs whitespace before it.
    s.expect(WS, "whitespace after URL");
    if (s.atEnd()) return req;
    expected = "semicolon (after URL and whitespace)";
  } else {
    markerStart = s.pos;
    const specifier = s.enclosed("()", "version specifier", () => {
      s.skipSpace();
      const clauses = parseClauses(s);
      s.skipSpace();
      return clauses;
    });
    if (specifier) req.specifier = specifier;
    s.skipSpace();
    if (s.atEnd()) return req;
    expected = specifier
      ? "comma (within version specifier), semicolon (after version specifier)"
      : "semicolon (after name with no version specifier)";
  }

  if (s.take(SEMICOLON) === undefined) s.fail(`Expected ${expected} or end`, markerStart);
  req.marker = markerToString(parseMarkerExpression(s));
  s.skipSpace();
  if (!s.atEnd()) s.fail("Expected end of dependency specifier");
  return req;
}

function parseExtras(s: Scanner): string[] {
  if (s.source[s.pos] !== "[") return [];
  const extras = s.enclosed("[]", "extras", () => {
    s.skipSpace();
    const names: string[] = [];
    let name = s.take(IDENTIFIER);
    while (name !== undefined) {
      names.push(name);
      s.skipSpace();
      if (s.peek(IDENTIFIER) !== undefined) s.fail("Expected comma between extra names");
      if (s.take(COMMA) === undefined) break;
      s.skipSpace();
      name = s.expect(IDENTIFIER, "extra name after comma");
    }
    s.skipSpace();
    return names;
  });
  return [...new Set(extras.map(normalizeExtra))].sort();
}

function parseClauses(s: Scanner): string {
  const clauses: string[] = [];
  for (;;) {
    const start = s.pos;
    const clause = s.take(SPECIFIER);
    if (clause === undefined) break;
    clauses.push(clause.replace(/\s+/g, ""));
    if (s.peek(PREFIX_TRAIL) !== undefined) {
      s.fail(
        /^(==|!=)/.test(clause)
          ? ".* suffix cannot be used after pre-release, post-release, developmental release, or local version labels"
          : ".* suffix can only be used with `==` or `!=` operators",
        start,
        s.pos + 1,
      );
    }
    if (s.peek(LOCAL_TRAIL) !== undefined) {
      s.fail("Local version label can only be used with `==` or `!=` operators", start);
    }
    s.skipSpace();
    if (s.take(COMMA) === undefined) break;
    s.skipSpace();
  }
  return clauses.join(",");
}

/**
 * packaging's check: a `file:` URL must be `file://…`, any other needs a
 * scheme and a host (`gopher:/foo` is refused).
 */
function checkUrl(s: Scanner, url: string, start: number): void {
  const ok = /^file:/i.test(url) ? /^file:\/\//i.test(url) : /^[a-z][a-z0-9+.-]*:\/\/[^/?#]/i.test(url);
  if (!ok) s.fail(`Invalid URL: ${url}`, start);
}
