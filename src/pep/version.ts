/**
 * PEP 440 versions: parsing, normalization and ordering, as pypa/packaging's
 * `Version` does them. Numbers are BigInt: PEP 440 puts no bound on them, and
 * real projects use dates and build numbers above 2^53.
 */

import { ParseError } from "../errors.js";

export type PreLabel = "a" | "b" | "rc";

export interface Version {
  epoch: bigint;
  release: bigint[];
  pre?: { label: PreLabel; number: bigint };
  post?: bigint;
  dev?: bigint;
  /** Local label parts, lowercased; all-digit parts are numbers. */
  local?: Array<bigint | string>;
}

// packaging's VERSION_PATTERN, matched case-insensitively with blanks around it.
const VERSION_RE = new RegExp(
  String.raw`^\s*v?(?:(?:(?<epoch>[0-9]+)!)?(?<release>[0-9]+(?:\.[0-9]+)*)` +
    String.raw`(?<pre>[-_.]?(?<pre_l>a|b|c|rc|alpha|beta|pre|preview)[-_.]?(?<pre_n>[0-9]+)?)?` +
    String.raw`(?<post>(?:-(?<post_n1>[0-9]+))|(?:[-_.]?(?<post_l>post|rev|r)[-_.]?(?<post_n2>[0-9]+)?))?` +
    String.raw`(?<dev>[-_.]?(?<dev_l>dev)[-_.]?(?<dev_n>[0-9]+)?)?)` +
    String.raw`(?:\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$`,
  "i",
);

const PRE_LABELS: Readonly<Record<string, PreLabel>> = {
  a: "a",
  alpha: "a",
  b: "b",
  beta: "b",
  c: "rc",
  rc: "rc",
  pre: "rc",
  preview: "rc",
};

/** The version `text` stands for, or undefined when it is not PEP 440. */
export function parseVersion(text: string): Version | undefined {
  const g = VERSION_RE.exec(text)?.groups;
  if (!g) return undefined;
  const version: Version = {
    epoch: BigInt(g.epoch ?? "0"),
    release: (g.release as string).split(".").map((n) => BigInt(n)),
  };
  if (g.pre_l !== undefined) {
    version.pre = { label: PRE_LABELS[g.pre_l.toLowerCase()] as PreLabel, number: BigInt(g.pre_n ?? "0") };
  }
  if (g.post !== undefined) version.post = BigInt(g.post_n1 ?? g.post_n2 ?? "0");
  if (g.dev !== undefined) version.dev = BigInt(g.dev_n ?? "0");
  if (g.local !== undefined) {
    version.local = g.local
      .toLowerCase()
      .split(/[-_.]/)
      .map((part) => (/^[0-9]+$/.test(part) ? BigInt(part) : part));
  }
  return version;
}

export function isValidVersion(text: string): boolean {
  return parseVersion(text) !== undefined;
}

/** The normalized text (packaging's `str(Version(text))`). */
export function formatVersion(v: Version): string {
  let out = v.epoch !== 0n ? `${v.epoch}!` : "";
  out += v.release.join(".");
  if (v.pre) out += `${v.pre.label}${v.pre.number}`;
  if (v.post !== undefined) out += `.post${v.post}`;
  if (v.dev !== undefined) out += `.dev${v.dev}`;
  if (v.local) out += `+${v.local.join(".")}`;
  return out;
}

/** The version without its local label. */
export function publicVersion(v: Version): Version {
  const { local: _local, ...rest } = v;
  return rest;
}

/** Epoch and release only. */
export function baseVersion(v: Version): Version {
  return { epoch: v.epoch, release: v.release };
}

export function isPrerelease(v: Version): boolean {
  return v.pre !== undefined || v.dev !== undefined;
}

export function isPostrelease(v: Version): boolean {
  return v.post !== undefined;
}

const sign = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

function compareRelease(a: bigint[], b: bigint[]): number {
  // Trailing zeros do not count: 1.0 == 1.0.0.
  const strip = (r: bigint[]) => {
    let end = r.length;
    while (end > 0 && r[end - 1] === 0n) end--;
    return r.slice(0, end);
  };
  const x = strip(a);
  const y = strip(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const c = sign(x[i] as bigint, y[i] as bigint);
    if (c !== 0) return c;
  }
  return sign(BigInt(x.length), BigInt(y.length));
}

/** A key part: -Infinity, +Infinity, or a value. */
type Bound = -1 | 1;

function comparePre(a: Version, b: Version): number {
  // packaging: a dev release of a final sorts before its pre-releases (1.0.dev0 < 1.0a0).
  const key = (v: Version): Bound | { label: PreLabel; number: bigint } =>
    v.pre === undefined && v.post === undefined && v.dev !== undefined ? -1 : v.pre === undefined ? 1 : v.pre;
  const x = key(a);
  const y = key(b);
  if (typeof x === "number" || typeof y === "number") {
    const nx = typeof x === "number" ? x : 0;
    const ny = typeof y === "number" ? y : 0;
    return nx === ny ? 0 : nx < ny ? -1 : 1;
  }
  if (x.label !== y.label) return x.label < y.label ? -1 : 1;
  return sign(x.number, y.number);
}

function compareOptional(a: bigint | undefined, b: bigint | undefined, missing: Bound): number {
  if (a === undefined && b === undefined) return 0;
  if (a === undefined) return missing;
  if (b === undefined) return -missing;
  return sign(a, b);
}

function compareLocal(a: Version["local"], b: Version["local"]): number {
  if (a === undefined && b === undefined) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as bigint | string;
    const y = b[i] as bigint | string;
    // Numeric parts sort after alphanumeric ones.
    if (typeof x !== typeof y) return typeof x === "bigint" ? 1 : -1;
    const c = typeof x === "bigint" ? sign(x, y as bigint) : x < (y as string) ? -1 : x > (y as string) ? 1 : 0;
    if (c !== 0) return c;
  }
  return sign(BigInt(a.length), BigInt(b.length));
}

/** PEP 440 order: negative, zero or positive. */
export function compareParsed(a: Version, b: Version): number {
  return (
    sign(a.epoch, b.epoch) ||
    compareRelease(a.release, b.release) ||
    comparePre(a, b) ||
    compareOptional(a.post, b.post, -1) ||
    compareOptional(a.dev, b.dev, 1) ||
    compareLocal(a.local, b.local)
  );
}

function parseOrThrow(text: string): Version {
  const v = parseVersion(text);
  if (!v) throw new ParseError(`not a PEP 440 version: ${JSON.stringify(text)}`);
  return v;
}

/** PEP 440 order of two version texts; both must be valid (check with isValidVersion). */
export function compareVersions(a: string, b: string): number {
  return compareParsed(parseOrThrow(a), parseOrThrow(b));
}

/** Whether two texts are the same PEP 440 version (`1.0` and `1.0.0`); false when either is not one. */
export function versionsEqual(a: string, b: string): boolean {
  const x = parseVersion(a);
  const y = parseVersion(b);
  return x !== undefined && y !== undefined && compareParsed(x, y) === 0;
}
