/**
 * PEP 440 version specifiers (`>=1.0,!=1.3.*`), as pypa/packaging's
 * `Specifier` and `SpecifierSet` parse and evaluate them, including its
 * exclusive `<V`/`>V` rules, zero-padded `==V.*` and `===`.
 *
 * Pre-release policy (pip's, through packaging): a specifier set admits a
 * pre-release only when asked to (`prereleases: true`, pip's `--pre`) or when
 * one of its `==`, `>=`, `<=`, `~=`, `===` clauses names a pre-release. A
 * version a lock already pins is checked with `prereleases: true`: pip
 * installs a pinned `==2.0rc1` whatever else constrains it, because the pin
 * itself names the pre-release.
 */
import { ParseError } from "../errors.js";
import {
  baseVersion,
  compareParsed,
  formatVersion,
  isPostrelease,
  isPrerelease,
  parseVersion,
  publicVersion,
  type Version,
} from "./version.js";

export type SpecifierOperator = "~=" | "==" | "!=" | "<=" | ">=" | "<" | ">" | "===";

export interface Specifier {
  operator: SpecifierOperator;
  /** As written (blanks trimmed), `.*` included. */
  version: string;
}

// packaging's Specifier regex, one version grammar per operator.
const V = String.raw`v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*`;
const PRE = String.raw`(?:[-_.]?(?:alpha|beta|preview|pre|a|b|c|rc)[-_.]?[0-9]*)?`;
const POST = String.raw`(?:(?:-[0-9]+)|(?:[-_.]?(?:post|rev|r)[-_.]?[0-9]*))?`;
const DEV = String.raw`(?:[-_.]?dev[-_.]?[0-9]*)?`;
const LOCAL = String.raw`(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?`;
const GRAMMAR: ReadonlyArray<[RegExp, SpecifierOperator]> = [
  [/^\s*(===)\s*([^\s;)]*)\s*$/i, "==="],
  [new RegExp(String.raw`^\s*(==|!=)\s*(${V}(?:\.\*|${PRE}${POST}${DEV}${LOCAL}))\s*$`, "i"), "=="],
  [new RegExp(String.raw`^\s*(~=)\s*(v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)+${PRE}${POST}${DEV})\s*$`, "i"), "~="],
  [new RegExp(String.raw`^\s*(<=|>=|<|>)\s*(${V}${PRE}${POST}${DEV})\s*$`, "i"), "<="],
];

/** One clause such as `>=1.0`, or undefined when packaging would refuse it. */
export function parseSpecifier(text: string): Specifier | undefined {
  for (const [re] of GRAMMAR) {
    const m = re.exec(text);
    if (m) return { operator: m[1] as SpecifierOperator, version: m[2] as string };
  }
  return undefined;
}

/** A comma-separated set; empty clauses are skipped, as packaging does. Undefined when a clause is invalid. */
export function parseSpecifierSet(text: string): Specifier[] | undefined {
  const out: Specifier[] = [];
  for (const part of text.split(",")) {
    if (part.trim() === "") continue;
    const spec = parseSpecifier(part.trim());
    if (!spec) return undefined;
    out.push(spec);
  }
  return out;
}

export function isValidSpecifierSet(text: string): boolean {
  return parseSpecifierSet(text) !== undefined;
}

/** Parses a set or throws a ParseError saying which clause is wrong. */
export function parseSpecifierSetOrThrow(text: string, what = "version specifier"): Specifier[] {
  const specs = parseSpecifierSet(text);
  if (specs) return specs;
  const bad = text.split(",").find((p) => p.trim() !== "" && !parseSpecifier(p.trim())) ?? text;
  throw new ParseError(`invalid ${what} ${JSON.stringify(text)}: \`${bad.trim()}\` is not a PEP 440 specifier`);
}

const mustParse = (text: string): Version => parseVersion(text) as Version;

/** Whether the clause itself names a pre-release (packaging's `Specifier.prereleases`). */
export function specifierAllowsPrereleases(spec: Specifier): boolean {
  if (!["==", ">=", "<=", "~=", "==="].includes(spec.operator)) return false;
  const text = spec.operator === "==" && spec.version.endsWith(".*") ? spec.version.slice(0, -2) : spec.version;
  const v = parseVersion(text);
  return v !== undefined && isPrerelease(v);
}

// packaging's string algorithm for prefix matching, kept literal so edge cases agree.
const PREFIX_RE = /^([0-9]+)((?:a|b|c|rc)[0-9]+)$/;

function versionSplit(text: string): string[] {
  return text.split(".").flatMap((item) => {
    const m = PREFIX_RE.exec(item);
    return m ? [m[1] as string, m[2] as string] : [item];
  });
}

function canonical(v: Version, stripTrailingZero: boolean): string {
  let release = v.release.join(".");
  if (stripTrailingZero) release = release.replace(/(\.0)+$/, "");
  let out = (v.epoch !== 0n ? `${v.epoch}!` : "") + release;
  if (v.pre) out += `${v.pre.label}${v.pre.number}`;
  if (v.post !== undefined) out += `.post${v.post}`;
  if (v.dev !== undefined) out += `.dev${v.dev}`;
  if (v.local) out += `+${v.local.join(".")}`;
  return out;
}

function canonicalText(text: string): string {
  const v = parseVersion(text);
  return v ? canonical(v, false) : text;
}

const isDigits = (s: string) => /^[0-9]+$/.test(s);

function padTo(left: string[], right: string[]): string[] {
  const releaseLength = (parts: string[]) => {
    let n = 0;
    while (n < parts.length && isDigits(parts[n] as string)) n++;
    return n;
  };
  const l = releaseLength(left);
  const r = releaseLength(right);
  return [...left.slice(0, l), ...Array<string>(Math.max(0, r - l)).fill("0"), ...left.slice(l)];
}

function prefixMatches(item: Version, prefix: string): boolean {
  const spec = versionSplit(canonicalText(prefix));
  const prospective = padTo(versionSplit(canonical(publicVersion(item), true)), spec).slice(0, spec.length);
  return prospective.length === spec.length && prospective.every((p, i) => p === spec[i]);
}

function compatiblePrefix(version: string): string {
  const parts = versionSplit(version);
  const isSuffix = (s: string) => ["dev", "a", "b", "rc", "post"].some((p) => s.startsWith(p));
  const end = parts.findIndex(isSuffix);
  return `${(end === -1 ? parts : parts.slice(0, end)).slice(0, -1).join(".")}.*`;
}

function equal(item: Version, version: string): boolean {
  if (version.endsWith(".*")) return prefixMatches(item, version.slice(0, -2));
  const spec = mustParse(version);
  // Without a local label in the specifier, the item's local label is ignored.
  return compareParsed(spec.local ? item : publicVersion(item), spec) === 0;
}

const sameBase = (a: Version, b: Version) => compareParsed(baseVersion(a), baseVersion(b)) === 0;

function matches(item: Version, spec: Specifier): boolean {
  const { operator, version } = spec;
  switch (operator) {
    case "===":
      return formatVersion(item).toLowerCase() === version.toLowerCase();
    case "==":
      return equal(item, version);
    case "!=":
      return !equal(item, version);
    case "<=":
      return compareParsed(publicVersion(item), mustParse(version)) <= 0;
    case ">=":
      return compareParsed(publicVersion(item), mustParse(version)) >= 0;
    case "~=":
      return compareParsed(publicVersion(item), mustParse(version)) >= 0 && equal(item, compatiblePrefix(version));
    case "<": {
      // PEP 440: <V excludes V's own pre-releases unless V is one.
      const v = mustParse(version);
      if (compareParsed(item, v) >= 0) return false;
      return !(!isPrerelease(v) && isPrerelease(item) && sameBase(item, v));
    }
    case ">": {
      // PEP 440: >V excludes V's post-releases unless V is one, and V's local versions.
      const v = mustParse(version);
      if (compareParsed(item, v) <= 0) return false;
      if (!isPostrelease(v) && isPostrelease(item) && sameBase(item, v)) return false;
      return !(item.local !== undefined && sameBase(item, v));
    }
  }
}

export interface ContainsOptions {
  /** true: admit pre-releases; false: never; undefined: when a clause names one (packaging's default). */
  prereleases?: boolean;
}

/** Whether `version` (parsed) satisfies every clause, under the pre-release policy above. */
export function specifiersContain(specs: readonly Specifier[], version: Version, options: ContainsOptions = {}): boolean {
  const prereleases = options.prereleases ?? specs.some(specifierAllowsPrereleases);
  if (isPrerelease(version) && !prereleases) return false;
  return specs.every((s) => matches(version, s));
}

/**
 * Whether version text `version` satisfies specifier set text `specifiers`.
 * Throws a ParseError when either is not PEP 440.
 */
export function satisfies(version: string, specifiers: string, options: ContainsOptions = {}): boolean {
  const v = parseVersion(version);
  if (!v) throw new ParseError(`not a PEP 440 version: ${JSON.stringify(version)}`);
  return specifiersContain(parseSpecifierSetOrThrow(specifiers), v, options);
}
