import { createHash } from "node:crypto";
import { LockError, ParseError } from "../../errors.js";
import type { Artifact, Dependency, Lock, LockedPackage, PackageSource, RootProject } from "../../model.js";
import { comparePackages } from "../../model.js";
import { DEFAULT_GROUP, PYPI_SIMPLE_URL } from "../../model.js";
import { isValidName, normalizeExtra, normalizeName } from "../../pep/normalize.js";
import { Fields, isTable } from "../fields.js";
import { parseToml } from "../toml.js";
import type { LockInput } from "../types.js";
import { clauseToSpecifier, parsePoetryConstraint } from "./constraint.js";
import { readMarker, readPoetryDependency, readRequirementString } from "./dependency.js";
import { readPoetryRoot } from "./pyproject.js";

/** Lock versions this reader understands; `undefined` is Poetry 1.0 and older, which wrote none. */
const LOCK_VERSIONS = new Set([undefined, "1.0", "1.1", "2.0", "2.1"]);

/** Line numbers (1-based) of each `[[package]]` header, in order, for error messages. */
function packageLines(text: string): number[] {
  const lines: number[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "[[package]]") lines.push(i + 1);
  });
  return lines;
}

function readHash(hash: string, where: string, fields: Fields): string {
  const m = /^sha256:([0-9a-fA-F]{64})$/.exec(hash);
  if (!m) {
    throw new ParseError(`${where}: hash \`${hash}\` is not a sha256 (expected \`sha256:<64 hex digits>\`)`, fields.location);
  }
  return (m[1] as string).toLowerCase();
}

function readFiles(entries: unknown[], f: Fields): Artifact[] {
  return entries.map((entry) => {
    if (!isTable(entry)) throw new ParseError(`${f.where}: each file must be a table {file, hash}`, f.location);
    const file = new Fields(entry, `${f.where}, files`, f.location);
    const url = file.optString("url");
    return {
      filename: file.string("file"),
      sha256: readHash(file.string("hash"), f.where, file),
      ...(url ? { url } : {}),
    };
  });
}

function readSource(f: Fields, name: string, sources: Map<string, string>): PackageSource {
  const src = f.sub("source", `${f.where} [package.source]`);
  if (!src) return { kind: "index", url: PYPI_SIMPLE_URL, name: "pypi" };
  const type = src.string("type");
  const url = src.string("url");
  switch (type) {
    case "legacy": {
      const reference = src.optString("reference");
      return { kind: "index", url: (reference && sources.get(reference)) || url, ...(reference ? { name: reference } : {}) };
    }
    case "url":
      return { kind: "url", url, ...(src.optString("subdirectory") ? { subdirectory: src.string("subdirectory") } : {}) };
    case "file":
      return { kind: "file", path: url };
    case "directory":
      return { kind: "directory", path: url, editable: f.optBoolean("develop") ?? false };
    case "git": {
      const reference = src.optString("reference");
      const isCommit = (text: string | undefined) => text !== undefined && /^[0-9a-f]{40}$/.test(text);
      // Poetry before 1.1 wrote no resolved_reference: its `reference` was the commit.
      const resolved = src.optString("resolved_reference");
      const commit = resolved ?? (isCommit(reference) ? reference : undefined);
      if (!commit || !isCommit(commit)) {
        throw new ParseError(
          `${f.where}: git source ${url} must name its commit in \`resolved_reference\` or \`reference\` (40 hex digits), found ${commit ?? reference ?? "nothing"}`,
          f.location,
        );
      }
      const subdirectory = src.optString("subdirectory");
      return {
        kind: "git",
        url,
        commit,
        ...(reference ? { ref: reference } : {}),
        ...(subdirectory ? { subdirectory } : {}),
      };
    }
    default:
      throw new ParseError(
        `${f.where}: unknown source type \`${type}\` for ${name} (expected legacy, url, file, directory or git)`,
        f.location,
      );
  }
}

function readMarkers(value: unknown, f: Fields): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string") return readMarker(value, f);
  // Lock 2.1 may give one marker per group: the package applies where any does.
  if (isTable(value)) {
    const alts = Object.keys(value)
      .sort()
      .map((g) => value[g]);
    if (!alts.every((m): m is string => typeof m === "string")) {
      throw new ParseError(`${f.where}: \`markers\` must be a string or a table of strings per group`, f.location);
    }
    return readMarker(alts.map((m) => `(${m})`).join(" or "), f);
  }
  throw new ParseError(`${f.where}: \`markers\` must be a string or a table of strings per group`, f.location);
}

/** Reads `poetry.lock` (Poetry 0.12 to 2.x) and the `pyproject.toml` beside it. */
export function readPoetryLock(input: LockInput): Lock {
  const { text, path } = input;
  const doc = parseToml(text, path);
  const top = new Fields(doc, "poetry.lock", { file: path });
  const metadata = top.sub("metadata", "[metadata]");
  const lockVersion = metadata?.optString("lock-version");
  if (!LOCK_VERSIONS.has(lockVersion)) {
    throw new ParseError(
      `unsupported lock-version "${lockVersion}": lock2nix reads poetry.lock versions 1.1, 2.0 and 2.1 (and older files without one)`,
      { file: path },
    );
  }
  const warnings: string[] = [];
  const pyprojectText = input.readSibling("pyproject.toml");
  const pyprojectDoc = pyprojectText !== undefined ? parseToml(pyprojectText, input.siblingPath("pyproject.toml")) : undefined;
  const sources = new Map<string, string>();
  const toolPoetry = isTable(pyprojectDoc?.["tool"]) ? (pyprojectDoc["tool"] as Record<string, unknown>)["poetry"] : undefined;
  const sourceEntries = isTable(toolPoetry) && Array.isArray(toolPoetry["source"]) ? toolPoetry["source"] : [];
  for (const s of sourceEntries) {
    if (isTable(s) && typeof s["name"] === "string" && typeof s["url"] === "string") sources.set(s["name"], s["url"]);
  }

  // Lock 1.x keeps files in [metadata.files] (name -> [{file, hash}]); 0.12 in [metadata.hashes] (bare hashes).
  const metaFiles = metadata?.optTable("files") ?? {};
  const metaHashes = metadata?.optTable("hashes") ?? {};
  const byName = (table: Record<string, unknown>) =>
    new Map(Object.entries(table).map(([k, v]) => [normalizeName(k), v] as const));
  const filesByName = byName(metaFiles);
  const hashesByName = byName(metaHashes);

  const lines = packageLines(text);
  const rawPackages = top.optArray("package") ?? [];
  const packages: LockedPackage[] = rawPackages.map((raw, i) => {
    const location = { file: path, ...(lines[i] !== undefined ? { line: lines[i] } : {}) };
    if (!isTable(raw)) throw new ParseError("[[package]] must be a table", location);
    const rawName = typeof raw["name"] === "string" ? raw["name"] : `#${i + 1}`;
    const f = new Fields(raw, `[[package]] ${rawName}`, { ...location, package: normalizeName(rawName) });
    const rawPackageName = f.string("name");
    if (!isValidName(rawPackageName)) {
      throw new ParseError(`${f.where}: \`${rawPackageName}\` is not a valid package name (PEP 508: letters, digits and -_. inside)`, f.location);
    }
    const name = normalizeName(rawPackageName);
    const version = f.string("version");
    const source = readSource(f, name, sources);

    let artifacts: Artifact[] = [];
    const files = f.optArray("files");
    if (files) artifacts = readFiles(files, f);
    else if (filesByName.has(name)) {
      const entries = filesByName.get(name);
      if (!Array.isArray(entries)) throw new ParseError(`[metadata.files] ${name} must be an array`, location);
      artifacts = readFiles(entries, f);
    } else if (hashesByName.has(name)) {
      // Poetry 0.12: hashes without file names; only the index can say which file each belongs to.
      const hashes = hashesByName.get(name);
      if (!Array.isArray(hashes)) throw new ParseError(`[metadata.hashes] ${name} must be an array`, location);
      artifacts = hashes.map((h) => ({ filename: "", sha256: readHash(`sha256:${String(h)}`, f.where, f) }));
    }
    if (source.kind === "url" && artifacts.length === 1) {
      artifacts = [{ ...(artifacts[0] as Artifact), url: source.url }];
    }
    const needsFiles = source.kind === "index" || source.kind === "url";
    if (needsFiles && artifacts.length === 0) {
      throw new LockError(
        `${name} ${version} lists no files: a package from ${source.kind === "index" ? "an index" : "a URL"} needs at least one file with its sha256`,
        f.location,
      );
    }

    const dependencies: Dependency[] = [];
    const optionalDeps = new Map<string, Dependency[]>();
    const depFields = f.sub("dependencies", `${f.where} [package.dependencies]`);
    for (const [depName, value] of Object.entries(f.optTable("dependencies") ?? {})) {
      for (const { dependency, optional } of readPoetryDependency(depName, value, depFields as Fields)) {
        if (optional) optionalDeps.set(dependency.name, [...(optionalDeps.get(dependency.name) ?? []), dependency]);
        else dependencies.push(dependency);
      }
    }
    const extras: Record<string, Dependency[]> = {};
    const extraFields = f.sub("extras", `${f.where} [package.extras]`);
    for (const extra of Object.keys(f.optTable("extras") ?? {}).sort()) {
      const reqs = (extraFields as Fields).optStringArray(extra) ?? [];
      extras[normalizeExtra(extra)] = reqs.flatMap((r) => {
        const dep = readRequirementString(r, extraFields as Fields);
        // The [package.dependencies] entry carries the markers Poetry resolved for it.
        return optionalDeps.get(dep.name)?.map((d) => ({ ...d, extras: [...new Set([...d.extras, ...dep.extras])].sort() })) ?? [dep];
      });
    }

    const groups = f.optStringArray("groups") ?? (f.optString("category") ? [f.string("category")] : []);
    const marker = readMarkers(f.raw("markers"), f);
    const pythonVersions = f.optString("python-versions");
    return {
      name,
      version,
      source,
      artifacts,
      dependencies,
      extras,
      groups: groups.map((g) => (g === "main" ? DEFAULT_GROUP : g)).sort(),
      ...(marker ? { marker } : {}),
      ...(pythonVersions && pythonVersions !== "*"
        ? { requiresPython: parsePoetryConstraint(pythonVersions, f.where).map(clauseToSpecifier).join(" || ") }
        : {}),
    };
  });

  let root: RootProject;
  if (pyprojectDoc) {
    root = readPoetryRoot(pyprojectDoc, input.siblingPath("pyproject.toml"));
  } else {
    root = rootFromPackages(packages);
    warnings.push(
      "no pyproject.toml beside the lock: every package the lock assigns to a group is taken as a direct dependency of that group",
    );
  }
  if (!root.requiresPython) {
    const lockPython = metadata?.optString("python-versions");
    if (lockPython) {
      const clauses = parsePoetryConstraint(lockPython, "[metadata] python-versions");
      if (!clauses.some((c) => c.length === 0)) root.requiresPython = clauses.map(clauseToSpecifier);
    }
  }

  packages.sort(comparePackages);
  return {
    format: "poetry",
    file: path,
    sha256: createHash("sha256").update(text).digest("hex"),
    ...(lockVersion ? { lockVersion } : {}),
    root,
    packages,
    warnings,
  };
}

function rootFromPackages(packages: LockedPackage[]): RootProject {
  const groups: Record<string, Dependency[]> = {};
  for (const pkg of packages) {
    for (const group of pkg.groups.length > 0 ? pkg.groups : [DEFAULT_GROUP]) {
      (groups[group] ??= []).push({ name: pkg.name, extras: [], ...(pkg.marker ? { marker: pkg.marker } : {}) });
    }
  }
  return { groups, extras: {} };
}

export { readRequirementString };
