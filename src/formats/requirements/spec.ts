/**
 * What a requirement line names, told apart the way pip's
 * parse_req_from_line and parse_editable do (pip/_internal/req/constructors.py):
 * a PEP 508 requirement, a URL (archive or VCS), or a local path.
 */
import { ParseError } from "../../errors.js";
import { markerToString, parseMarker } from "../../pep/markers.js";
import { normalizeExtra } from "../../pep/normalize.js";
import { parseRequirement } from "../../pep/requirement.js";

export type RequirementSpec =
  /** `name[extras] ==1.0`, `name @ url`. */
  | { form: "named"; name: string; extras: string[]; specifier?: string; url?: string; marker?: string }
  /** A URL on its own: an archive, or `vcs+url`, named by `#egg=` or a wheel's file name. */
  | { form: "url"; url: string; extras: string[]; marker?: string }
  /** A local folder or archive, as written. */
  | { form: "path"; path: string; extras: string[]; marker?: string };

/** A requirement's problem at `index` into its text: a message, and the column to point at. */
export class SpecError extends Error {
  constructor(
    message: string,
    readonly index: number,
  ) {
    super(message);
  }
}

// pip's is_url: the schemes it downloads from, and every VCS scheme.
const URL_SCHEME = /^(?:https?|file|ftp|git|svn|(?:git|hg|svn|bzr)\+[a-z-]+):/i;
const VCS_SCHEME = /^(?:git|svn|(?:git|hg|svn|bzr)\+[a-z-]+):/i;
/** pip's ARCHIVE_EXTENSIONS. */
const ARCHIVE = /\.(?:whl|zip|tar\.gz|tgz|tar\.bz2|tbz|tar\.xz|txz|tlz|tar\.lz|tar\.lzma|tar)$/i;
const EXTRAS_SUFFIX = /^(.+)(\[[^\]]+\])$/;

export const isUrl = (text: string): boolean => URL_SCHEME.test(text);
export const isVcsUrl = (text: string): boolean => VCS_SCHEME.test(text);
export const isArchive = (path: string): boolean => ARCHIVE.test(path);
/** pip's _looks_like_path. */
const looksLikePath = (text: string): boolean => text.includes("/") || text.includes("\\") || text.startsWith(".");

/**
 * Re-throws a PEP 508 parser error about a part of `whole` starting at
 * `offset`, its caret display redrawn under all of `whole`.
 */
function rebase(err: unknown, offset: number, whole: string): never {
  if (err instanceof ParseError && err.location.column !== undefined) {
    const [message, , underline = ""] = err.message.split("\n");
    const caret = " ".repeat(Math.max(0, offset)) + underline.replace(/^ {4}/, "");
    throw new SpecError(`invalid requirement: ${message}\n    ${whole}\n    ${caret}`, offset + err.location.column - 1);
  }
  throw err;
}

function marker(text: string, offset: number, whole: string): string | undefined {
  if (text.trim() === "") return undefined;
  try {
    return markerToString(parseMarker(text));
  } catch (err) {
    return rebase(err, offset, whole);
  }
}

/** `[a,b]` as pip's convert_extras reads it. */
function extrasOf(text: string | undefined, offset: number, whole: string): string[] {
  if (text === undefined) return [];
  try {
    return parseRequirement(`x${text}`).extras;
  } catch (err) {
    // The parser saw an `x` in front.
    return rebase(err, offset - 1, whole);
  }
}

/** A non-editable requirement line's requirement part. */
export function parseSpec(text: string): RequirementSpec {
  // pip splits the marker off first: at `; ` after a URL (which may hold `;`), else at the first `;`.
  const url = isUrl(text);
  const sep = text.indexOf(url ? "; " : ";");
  const head = sep === -1 ? text : text.slice(0, sep);
  const markerText = sep === -1 ? "" : text.slice(sep + (url ? 2 : 1));
  const markerOffset = sep === -1 ? text.length : sep + (url ? 2 : 1);
  const leading = head.length - head.trimStart().length;
  const body = head.trim();
  if (url) {
    // pip takes it, and the download fails later: a URL's blanks must be written %20.
    const blank = /\s/.exec(body);
    if (blank) throw new SpecError(`a URL cannot hold blanks: write them as %20 in \`${body}\``, leading + blank.index);
    return { form: "url", url: body, extras: [], ...optional("marker", marker(markerText, markerOffset, text)) };
  }
  const at = body.indexOf("@");
  const pep508 = at !== -1 && !looksLikePath(body.slice(0, at));
  if (!pep508 && (looksLikePath(body) || isArchive(stripExtras(body).path))) {
    const { path, extras } = stripExtras(body);
    return {
      form: "path",
      path,
      extras: extrasOf(extras, leading + path.length, text),
      ...optional("marker", marker(markerText, markerOffset, text)),
    };
  }
  let req;
  try {
    req = parseRequirement(body);
  } catch (err) {
    return rebase(err, leading, text);
  }
  return {
    form: "named",
    name: req.name,
    extras: req.extras,
    ...optional("specifier", req.specifier),
    ...optional("url", req.url),
    ...optional("marker", marker(markerText, markerOffset, text)),
  };
}

function stripExtras(text: string): { path: string; extras?: string } {
  const m = EXTRAS_SUFFIX.exec(text);
  return m ? { path: m[1] as string, extras: m[2] as string } : { path: text };
}

/** An `-e` value: a local project or a VCS URL, as pip's parse_editable allows. */
export function parseEditable(value: string): RequirementSpec {
  const { path, extras } = stripExtras(value);
  if (/^file:/i.test(path)) return { form: "url", url: path, extras: extrasOf(extras, path.length, value) };
  // pip reads `git:…` as `git+git:…`.
  const url = /^git:/i.test(value) ? `git+${value}` : value;
  if (isVcsUrl(url)) return { form: "url", url, extras: [] };
  if (isUrl(url)) {
    throw new SpecError(
      `\`-e ${value}\` is not a valid editable requirement: it should be a path to a local project or a VCS URL (such as git+https://…)`,
      0,
    );
  }
  return { form: "path", path, extras: extrasOf(extras, path.length, value) };
}

export function optional<K extends string, V>(key: K, value: V | undefined): { [k in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [k in K]?: V };
}

export const normalizeExtras = (extras: string[]): string[] => [...new Set(extras.map(normalizeExtra))].sort();
