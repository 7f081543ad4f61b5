import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { normalizeName } from "../pep/normalize.js";
import type { Lock } from "../model.js";
import type { Finding, Severity } from "./types.js";

/**
 * Typosquats: a name that looks like one of the most-downloaded projects
 * without being one. The list is data/top-pypi-packages.txt (see
 * data/SOURCE.md): 15,000 names, most downloaded first. A name on the list
 * is never reported: being popular is the point of comparison.
 */

/** data/top-pypi-packages.txt, found by walking up from this module: the same from src/, dist/ and the bundle. */
function dataFile(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, "data", "top-pypi-packages.txt");
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error("lock2nix is installed without its data/ folder");
  }
}

export interface PopularNames {
  /** Normalized name -> 1-based download rank. */
  rank: Map<string, number>;
  /** Names by length, for edit-distance candidates. */
  byLength: Map<number, string[]>;
  /** Separator-free, homoglyph-folded spelling -> names. */
  skeletons: Map<string, string[]>;
  /** Name with a python/py affix removed -> names. */
  cores: Map<string, string[]>;
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Spellings that read alike: digits for letters (`0`/`o`, `1`/`l`/`i`, `3`/`e`, `5`/`s`), `rn`/`m`, `vv`/`w`; separators dropped. */
const LOOK_ALIKE: Record<string, string> = { "0": "o", "1": "l", i: "l", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b" };

export function skeleton(name: string): string {
  let out = "";
  for (let i = 0; i < name.length; i++) {
    const c = name[i] as string;
    if (c === "-") continue;
    const next = name[i + 1];
    if ((c === "r" && next === "n") || (c === "v" && next === "v")) {
      out += c === "r" ? "m" : "w";
      i++;
      continue;
    }
    out += LOOK_ALIKE[c] ?? c;
  }
  return out;
}

const PREFIXES = ["python3-", "python-", "python", "py3-", "py-", "py"];
const SUFFIXES = ["-python3", "-python", "-py3", "-py", "python3", "python", "py3", "py"];

/** `python3-dateutil`, `dateutil-py`, `pydateutil` -> `dateutil`; undefined when no affix applies or too little is left. */
export function core(name: string): string | undefined {
  for (const p of PREFIXES) if (name.startsWith(p) && name.length - p.length >= 4) return name.slice(p.length).replace(/^-/, "");
  for (const s of SUFFIXES) if (name.endsWith(s) && name.length - s.length >= 4) return name.slice(0, -s.length).replace(/-$/, "");
  return undefined;
}

export function popularNamesFrom(names: string[]): PopularNames {
  const out: PopularNames = { rank: new Map(), byLength: new Map(), skeletons: new Map(), cores: new Map() };
  for (const [i, raw] of names.entries()) {
    // The shipped list is normalized already; the test lists may not be.
    const name = /^[a-z0-9-]*$/.test(raw) ? raw : normalizeName(raw);
    if (name === "" || out.rank.has(name)) continue;
    out.rank.set(name, i + 1);
    const len = out.byLength.get(name.length);
    if (len) len.push(name);
    else out.byLength.set(name.length, [name]);
    push(out.skeletons, skeleton(name), name);
    // Both `python-x` and `x` stand for the project: a squat may add or swap the affix.
    push(out.cores, core(name) ?? name, name);
  }
  return out;
}

let loaded: PopularNames | undefined;

/** The shipped list, read once per process. */
export function popularNames(): PopularNames {
  loaded ??= popularNamesFrom(readFileSync(dataFile(), "utf8").split("\n"));
  return loaded;
}

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789-";

/** Every name one edit from `name`: a deletion, an adjacent swap, a substitution or an insertion (Damerau-Levenshtein 1). */
export function oneEditAway(name: string): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i <= name.length; i++) {
    const head = name.slice(0, i);
    const tail = name.slice(i);
    if (tail) out.add(head + tail.slice(1));
    if (tail.length > 1) out.add(head + tail[1] + tail[0] + tail.slice(2));
    for (const c of ALPHABET) {
      if (tail && c !== tail[0]) out.add(head + c + tail.slice(1));
      out.add(head + c + tail);
    }
  }
  out.delete(name);
  return out;
}

export interface TyposquatMatch {
  /** The popular project the name imitates. */
  target: string;
  rank: number;
  how: "affix" | "separator" | "homoglyph" | "edit" | "digit-suffix";
  severity: Severity;
  why: string;
}

/**
 * The more popular the imitated project, the likelier a near miss is a
 * squat rather than a coincidence; short names collide by chance.
 */
function byRank(rank: number, longEnough: boolean): Severity {
  if (!longEnough || rank > 5000) return "low";
  return rank <= 1000 ? "high" : "medium";
}

function best(matches: TyposquatMatch[]): TyposquatMatch | undefined {
  const order: Severity[] = ["critical", "high", "medium", "low", "info"];
  return matches.sort((a, b) => order.indexOf(a.severity) - order.indexOf(b.severity) || a.rank - b.rank)[0];
}

/** How `name` imitates a popular project, if it does. */
export function typosquatOf(rawName: string, popular: PopularNames = popularNames()): TyposquatMatch | undefined {
  const name = normalizeName(rawName);
  if (popular.rank.has(name) || name.length < 4) return undefined;
  const matches: TyposquatMatch[] = [];
  const rankOf = (p: string) => popular.rank.get(p) as number;
  const add = (target: string, how: TyposquatMatch["how"], severity: Severity, why: string) =>
    matches.push({ target, rank: rankOf(target), how, severity, why });

  const flat = name.replace(/-/g, "");
  const folded = skeleton(name);
  for (const p of popular.skeletons.get(folded) ?? []) {
    if (p.replace(/-/g, "") === flat) add(p, "separator", "high", `differs from ${p} only in its separators`);
    else add(p, "homoglyph", "high", `reads as ${p} with look-alike characters (${folded})`);
  }
  const c = core(name) ?? name;
  for (const p of popular.cores.get(c) ?? []) {
    if (p !== name) add(p, "affix", byRank(rankOf(p), c.length >= 5), `is ${p} with a python/py prefix or suffix added, removed or changed`);
  }
  if (matches.length > 0) return best(matches);

  for (const p of oneEditAway(name)) {
    if (p.length < 5 || !popular.rank.has(p)) continue;
    const digits = name.startsWith(p) ? name.slice(p.length) : p.startsWith(name) ? p.slice(name.length) : "";
    // `jsonfield2`, `httpx2`: forks and ports name themselves so, openly.
    if (/^[0-9]$/.test(digits)) add(p, "digit-suffix", "low", `is ${p} with a digit ${name.length > p.length ? "added" : "removed"} at the end`);
    else add(p, "edit", byRank(rankOf(p), p.length >= 6), `is one typo away from ${p}`);
  }
  return best(matches);
}

export function checkTyposquats(lock: Lock, popular: PopularNames = popularNames()): Finding[] {
  const out: Finding[] = [];
  const seen = new Map<string, ReturnType<typeof typosquatOf>>();
  for (const pkg of lock.packages) {
    // A project's own code (a workspace member, the root) is named by its authors, not installed by name.
    if (pkg.source.kind === "directory") continue;
    if (!seen.has(pkg.name)) seen.set(pkg.name, typosquatOf(pkg.name, popular));
    const m = seen.get(pkg.name);
    if (!m) continue;
    out.push({
      kind: "typosquat",
      severity: m.severity,
      package: pkg.name,
      version: pkg.version,
      rule: `typosquat/${m.how}`,
      message: `${pkg.name} ${m.why} (#${m.rank} by downloads) and is not itself among the 15,000 most-downloaded projects: make sure it is the project you meant`,
    });
  }
  return out;
}
