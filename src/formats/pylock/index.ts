import { createHash } from "node:crypto";
import { ParseError } from "../../errors.js";
import type { Dependency, Lock, LockedPackage, RootProject } from "../../model.js";
import { comparePackages } from "../../model.js";
import { DEFAULT_GROUP } from "../../model.js";
import { markerUses, type MarkerNode } from "../../pep/markers.js";
import { isValidName, normalizeName } from "../../pep/normalize.js";
import { Fields, isTable } from "../fields.js";
import { parseToml } from "../toml.js";
import type { LockInput } from "../types.js";
import { environmentMarker, namesIn, readLockMarker, rootEdgeMarker, type PylockScope } from "./markers.js";
import { readPylockSource } from "./package.js";

const LOCK_VERSION = "1.0";
const TOP_KEYS = new Set([
  "lock-version", "environments", "requires-python", "extras", "dependency-groups", "default-groups", "created-by", "packages", "tool",
]);
const PACKAGE_KEYS = new Set([
  "name", "version", "marker", "requires-python", "dependencies", "index", "vcs", "directory", "archive", "sdist", "wheels",
  "attestation-identities", "tool",
]);

interface Entry {
  raw: Record<string, unknown>;
  fields: Fields;
  package: LockedPackage;
  marker?: MarkerNode;
}

function headerLines(text: string, header: string): number[] {
  const lines: number[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === header) lines.push(i + 1);
  });
  return lines;
}

function readEntry(raw: Record<string, unknown>, f: Fields, unknown: Set<string>, warnings: string[]): Entry {
  for (const key of Object.keys(raw)) if (!PACKAGE_KEYS.has(key)) unknown.add(key);
  const rawName = f.string("name");
  if (!isValidName(rawName)) {
    throw new ParseError(`${f.where}: \`${rawName}\` is not a valid package name (PEP 508: letters, digits and -_. inside)`, f.location);
  }
  const name = normalizeName(rawName);
  const { source, artifacts, versionFromFiles } = readPylockSource(f);
  let version = f.optString("version") ?? versionFromFiles;
  if (version === undefined) {
    version = "0.0.0";
    warnings.push(`${name} has no version in the lock (PEP 751 leaves it out for source trees); Nix calls it ${version}`);
  }
  const markerText = f.optString("marker");
  const requiresPython = f.optString("requires-python");
  // PEP 751: the publishers whose attestations the locker saw; src/provenance/identities.ts enforces them.
  const identities: Array<Record<string, string>> = [];
  for (const [i, identity] of (f.optArray("attestation-identities") ?? []).entries()) {
    if (!isTable(identity)) throw new ParseError(`${f.where}: \`attestation-identities\` must hold tables`, f.location);
    const where = `${f.where}, attestation-identities #${i + 1}`;
    new Fields(identity, where, f.location).string("kind");
    for (const [key, value] of Object.entries(identity)) {
      if (typeof value !== "string") throw new ParseError(`${where}: \`${key}\` must be a string`, f.location);
    }
    identities.push(identity as Record<string, string>);
  }
  const attested = identities.length > 0 ? { attestationIdentities: identities } : {};
  f.optTable("tool");
  const marker = markerText !== undefined ? readLockMarker(markerText, f) : undefined;
  return {
    raw,
    fields: f,
    ...(marker ? { marker } : {}),
    package: { name, version, source, artifacts, dependencies: [], extras: {}, groups: [], ...(requiresPython ? { requiresPython } : {}), ...attested },
  };
}

/** `[[packages.dependencies]]`: each names the one entry it means, key by key. */
function resolveReference(ref: unknown, owner: Entry, entries: Entry[]): Entry {
  const f = owner.fields;
  if (!isTable(ref) || typeof ref["name"] !== "string") {
    throw new ParseError(`${f.where}: each of \`dependencies\` must be a table naming a package, found ${JSON.stringify(ref)}`, f.location);
  }
  const same = (a: unknown, b: unknown): boolean =>
    isTable(a) && isTable(b) ? Object.entries(a).every(([k, v]) => same(v, b[k])) : JSON.stringify(a) === JSON.stringify(b);
  const matches = entries.filter((e) =>
    Object.entries(ref).every(([k, v]) => (k === "name" ? normalizeName(v as string) === e.package.name : same(v, e.raw[k]))),
  );
  if (matches.length !== 1) {
    throw new ParseError(
      `${f.where}: dependency ${JSON.stringify(ref)} matches ${matches.length === 0 ? "no" : matches.length} [[packages]] entries; it must name exactly one`,
      f.location,
    );
  }
  return matches[0] as Entry;
}

function stringList(top: Fields, key: string): string[] {
  return (top.optStringArray(key) ?? []).map(normalizeName);
}

/** Reads PEP 751 `pylock.toml` (lock-version 1.0). */
export function readPylock(input: LockInput): Lock {
  const { text, path } = input;
  const doc = parseToml(text, path);
  const top = new Fields(doc, "pylock.toml", { file: path });
  const lockVersion = top.optString("lock-version");
  if (lockVersion !== LOCK_VERSION) {
    throw new ParseError(
      `unsupported lock-version ${lockVersion === undefined ? "(none)" : `"${lockVersion}"`}: lock2nix reads pylock.toml lock-version "1.0" (PEP 751)`,
      { file: path },
    );
  }
  top.string("created-by");
  const warnings: string[] = [];
  const unknownTop = Object.keys(doc).filter((k) => !TOP_KEYS.has(k));
  if (unknownTop.length > 0) warnings.push(`pylock.toml: top-level keys lock2nix does not know were ignored: ${unknownTop.sort().join(", ")}`);
  const environments = top.optStringArray("environments") ?? [];
  environments.forEach((e) => readLockMarker(e, new Fields({}, "pylock.toml: environments", { file: path }), "environment marker"));
  if (environments.length > 0) {
    warnings.push(`the lock is for the environments ${environments.map((e) => JSON.stringify(e)).join(", ")} only; lock2nix does not check the Nix systems against them`);
  }
  top.optTable("tool");

  const lines = headerLines(text, "[[packages]]");
  const unknown = new Set<string>();
  const rawPackages = top.optArray("packages");
  if (rawPackages === undefined) throw new ParseError("pylock.toml: `packages` must be an array of tables, found nothing", { file: path });
  const entries = rawPackages.map((raw, i) => {
    const location = { file: path, ...(lines[i] !== undefined ? { line: lines[i] } : {}) };
    if (!isTable(raw)) throw new ParseError("[[packages]] must be a table", location);
    const rawName = typeof raw["name"] === "string" ? raw["name"] : `#${i + 1}`;
    const pkg = typeof raw["name"] === "string" ? { package: normalizeName(raw["name"]) } : {};
    return readEntry(raw, new Fields(raw, `[[packages]] ${rawName}`, { ...location, ...pkg }), unknown, warnings);
  });
  if (unknown.size > 0) warnings.push(`pylock.toml: [[packages]] keys lock2nix does not know were ignored: ${[...unknown].sort().join(", ")}`);

  const defaultGroups = stringList(top, "default-groups");
  const mentioned = (variable: "extras" | "dependency_groups") => entries.flatMap((e) => (e.marker ? namesIn(e.marker, variable) : []));
  const scope: PylockScope = {
    defaultGroups,
    groups: [...new Set([...stringList(top, "dependency-groups"), ...mentioned("dependency_groups")])].filter((g) => !defaultGroups.includes(g)).sort(),
    extras: [...new Set([...stringList(top, "extras"), ...mentioned("extras")])].sort(),
  };

  // Each entry's environment marker: where it can be installed at all.
  const reachable = new Map<Entry, string | boolean>();
  for (const e of entries) {
    const env = e.marker ? environmentMarker(e.marker, scope) : true;
    reachable.set(e, env);
    if (typeof env === "string") e.package.marker = env;
    if (env === false) warnings.push(`${e.package.name} ${e.package.version}: its marker holds for none of the lock's groups and extras; it is never installed`);
  }
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e.package.name, (counts.get(e.package.name) ?? 0) + 1);
  const edgeTo = (e: Entry, marker: string | boolean): Dependency => ({
    name: e.package.name,
    extras: [],
    ...(typeof marker === "string" ? { marker } : {}),
    ...((counts.get(e.package.name) ?? 0) > 1 ? { version: e.package.version, source: e.package.source } : {}),
  });

  for (const e of entries) {
    if (!e.fields.has("dependencies")) e.package.unknownDependencies = true;
    for (const ref of e.fields.optArray("dependencies") ?? []) {
      const target = resolveReference(ref, e, entries);
      const env = reachable.get(target) as string | boolean;
      if (env !== false) e.package.dependencies.push(edgeTo(target, env));
    }
  }

  // PEP 751 installs every package whose marker holds: each is a direct dependency of the root.
  const root: RootProject = { groups: { [DEFAULT_GROUP]: [] }, extras: {} };
  for (const g of scope.groups) root.groups[g] = [];
  for (const x of scope.extras) root.extras[x] = [];
  const requiresPython = top.optString("requires-python");
  if (requiresPython) root.requiresPython = [requiresPython];
  for (const e of entries) {
    const main = e.marker ? rootEdgeMarker(e.marker, defaultGroups) : true;
    if (main !== false) (root.groups[DEFAULT_GROUP] as Dependency[]).push(edgeTo(e, main));
    e.package.groups = main !== false ? [DEFAULT_GROUP] : [];
    if (!e.marker || !markerUses(e.marker, "dependency_groups")) continue;
    for (const g of scope.groups) {
      const inGroup = rootEdgeMarker(e.marker, [...defaultGroups, g]);
      if (inGroup === false || inGroup === main) continue;
      (root.groups[g] as Dependency[]).push(edgeTo(e, inGroup));
      e.package.groups.push(g);
    }
  }

  const packages = entries.map((e) => e.package);
  packages.sort(comparePackages);
  return {
    format: "pylock",
    file: path,
    sha256: createHash("sha256").update(text).digest("hex"),
    lockVersion,
    root,
    packages,
    warnings,
  };
}
