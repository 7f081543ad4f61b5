import { createHash } from "node:crypto";
import { ParseError, type SourceLocation } from "../../errors.js";
import type { Dependency, Lock, LockedPackage, RootProject } from "../../model.js";
import { comparePackages } from "../../model.js";
import { DEFAULT_GROUP } from "../../model.js";
import { normalizeName } from "../../pep/normalize.js";
import { Fields, isTable } from "../fields.js";
import type { LockInput } from "../types.js";
import { readPipenvEntry, type EntryContext, type PipenvEntry } from "./entry.js";
import { readRequiresPython, readSources, readSpec } from "./meta.js";

/**
 * Pipfile.lock (pipenv): JSON, `_meta` first, then one table per category
 * (`default` for `[packages]`, `develop` for `[dev-packages]`, and since
 * pipenv 2023 any custom category), each mapping package names to pins.
 * The lock is flat: every package the category needs, its dependencies'
 * dependencies included, is an entry, and no entry records what it depends
 * on. So every entry is a direct dependency of its category's group.
 *
 * Hashes come without file names: the index names the files (see
 * `nameArtifactsByHash`). The Pipfile beside the lock is not needed; the
 * lock alone says what to install, and `_meta.hash` (the Pipfile's digest)
 * is not checked.
 */

/** The lock2nix group of a category: `default` is the main group, `develop` is `dev`. */
export function groupOfCategory(category: string): string {
  return category === "default" ? DEFAULT_GROUP : category === "develop" ? "dev" : category;
}

/**
 * What PEP 751's `dependency_groups` holds while a category is installed,
 * as pipenv's pylock export names them: `default` for `[packages]`, plus
 * `dev` for `develop` and the category's own name for custom categories.
 */
function dependencyGroupsOf(category: string): Set<string> {
  if (category === "default") return new Set(["default"]);
  return new Set(["default", category === "develop" ? "dev" : normalizeName(category)]);
}

/** Parses JSON, reporting a syntax error with its line and column. */
function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    const location: SourceLocation = { file };
    const lc = /line (\d+) column (\d+)/.exec(err.message);
    const pos = /at position (\d+)/.exec(err.message);
    if (lc) Object.assign(location, { line: Number(lc[1]), column: Number(lc[2]) });
    else if (pos) {
      const before = text.slice(0, Number(pos[1])).split("\n");
      Object.assign(location, { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 });
    }
    throw new ParseError(`Pipfile.lock is not valid JSON: ${err.message.replace(/ in JSON at position \d+.*$/s, "")}`, location);
  }
}

/** Line numbers (1-based) of each category table and its entries, for messages; pipenv indents by 4. */
function entryLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  let category: string | undefined;
  text.split("\n").forEach((line, i) => {
    const m = /^( {4}| {8})("(?:[^"\\]|\\.)*")\s*:/.exec(line);
    if (!m) return;
    const key = JSON.parse(m[2] as string) as string;
    if ((m[1] as string).length === 4) {
      category = key;
      lines.set(key, i + 1);
    } else if (category !== undefined) lines.set(`${category}\u0000${key}`, i + 1);
  });
  return lines;
}

const sameSource = (a: LockedPackage, b: LockedPackage) => JSON.stringify(a.source) === JSON.stringify(b.source);

/** One package per name, version and source: an entry in several categories is one package in several groups. */
function mergeEntries(entries: PipenvEntry[]): LockedPackage[] {
  const packages: LockedPackage[] = [];
  for (const { package: pkg } of entries) {
    const same = packages.find((p) => p.name === pkg.name && p.version === pkg.version && sameSource(p, pkg));
    if (!same) {
      packages.push({ ...pkg, artifacts: [...pkg.artifacts], extras: { ...pkg.extras }, groups: [...pkg.groups] });
      continue;
    }
    same.groups = [...new Set([...same.groups, ...pkg.groups])].sort();
    Object.assign(same.extras, pkg.extras);
    for (const a of pkg.artifacts) {
      if (!same.artifacts.some((b) => b.sha256 === a.sha256 && b.filename === a.filename)) same.artifacts.push(a);
    }
  }
  return packages.sort(comparePackages);
}

/** Warns of a name pinned at different versions in different categories: an environment holds one. */
function versionConflicts(entries: PipenvEntry[]): string[] {
  const byName = new Map<string, Map<string, string[]>>();
  for (const { package: p } of entries) {
    const versions = byName.get(p.name) ?? new Map<string, string[]>();
    versions.set(p.version, [...(versions.get(p.version) ?? []), ...p.groups]);
    byName.set(p.name, versions);
  }
  return [...byName]
    .filter(([, versions]) => versions.size > 1)
    .map(([name, versions]) => {
      const shown = [...versions].map(([v, groups]) => `${v} (group ${[...new Set(groups)].sort().join(", ")})`).join(", ");
      return `${name} is locked at different versions in different categories: ${shown}; an environment holds one version of each package (pipenv install --dev installs default's)`;
    });
}

/** Reads `Pipfile.lock` (pipfile-spec 6, and the older locks without one). */
export function readPipfileLock(input: LockInput): Lock {
  const { text, path } = input;
  const doc = parseJson(text, path);
  if (!isTable(doc)) throw new ParseError("Pipfile.lock must hold a JSON object", { file: path });
  const lines = entryLines(text);
  const top = new Fields(doc, "Pipfile.lock", { file: path });
  const metaLine = lines.get("_meta");
  const metaTable = top.optTable("_meta");
  if (!metaTable) throw new ParseError("Pipfile.lock: `_meta` must be a table, found nothing", { file: path });
  const meta = new Fields(metaTable, "_meta", { file: path, ...(metaLine !== undefined ? { line: metaLine } : {}) });
  const lockVersion = readSpec(meta, meta.location);
  const warnings: string[] = [];
  const sources = readSources(meta, warnings);
  const requiresPython = readRequiresPython(meta);

  const ignoredKeys = new Set<string>();
  const entries: PipenvEntry[] = [];
  const groups: Record<string, Dependency[]> = { [DEFAULT_GROUP]: [] };
  for (const category of Object.keys(doc).filter((k) => k !== "_meta")) {
    const categoryLine = lines.get(category);
    const table = top.optTable(category) as Record<string, unknown>;
    const group = groupOfCategory(category);
    const edges = (groups[group] ??= []);
    const ctx: EntryContext = { sources, group, dependencyGroups: dependencyGroupsOf(category), ignoredKeys, warnings };
    for (const [key, raw] of Object.entries(table)) {
      const line = lines.get(`${category}\u0000${key}`) ?? categoryLine;
      const location = { file: path, ...(line !== undefined ? { line } : {}), package: normalizeName(key) };
      const where = `[${category}] ${key}`;
      if (!isTable(raw)) throw new ParseError(`${where}: an entry must be a table {version, hashes, …}, found ${JSON.stringify(raw)}`, location);
      const entry = readPipenvEntry(key, raw, new Fields(raw, where, location), ctx);
      entries.push(entry);
      if (entry.dependency) edges.push(entry.dependency);
    }
  }

  const hashless = entries.filter((e) => e.hashless).map((e) => `${e.package.name} ${e.package.version}`);
  if (hashless.length > 0) {
    warnings.push(
      `Pipfile.lock gives no hashes for ${[...new Set(hashless)].sort().join(", ")} (a lock from before pipenv recorded them): their files and sha256 are taken from the index as it is now`,
    );
  }
  const versionless = entries.filter((e) => e.versionless).map((e) => e.package.name);
  if (versionless.length > 0) {
    warnings.push(`Pipfile.lock gives no version for ${[...new Set(versionless)].sort().join(", ")} (git or local sources); their Nix packages get version 0`);
  }
  if (ignoredKeys.size > 0) {
    warnings.push(`Pipfile.lock: entry keys lock2nix does not use were ignored: ${[...ignoredKeys].sort().join(", ")}`);
  }
  warnings.push(...versionConflicts(entries));

  const root: RootProject = { groups, extras: {}, ...(requiresPython ? { requiresPython } : {}) };
  return {
    format: "pipenv",
    file: path,
    sha256: createHash("sha256").update(text).digest("hex"),
    ...(lockVersion !== undefined ? { lockVersion } : {}),
    root,
    // Pipfile.lock is flat: it never says what a package depends on.
    packages: mergeEntries(entries).map((p) => ({ ...p, unknownDependencies: true })),
    warnings,
  };
}
