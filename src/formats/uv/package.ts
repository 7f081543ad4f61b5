import { ParseError } from "../../errors.js";
import type { Artifact, PackageSource } from "../../model.js";
import type { MarkerNode } from "../../pep/markers.js";
import { isValidName, normalizeExtra, normalizeName } from "../../pep/normalize.js";
import { Fields, isTable } from "../fields.js";
import { readMarkerNode } from "./markers.js";
import { fromLocalRegistry, readArtifacts, readSource, type UvSource } from "./source.js";

/** A `dependencies = [{ name, version?, source?, marker?, extra? }]` entry, before its marker is decided. */
export interface UvDependency {
  name: string;
  extras: string[];
  marker?: MarkerNode;
  version?: string;
  source?: UvSource;
  specifier?: string;
}

/** One `[[package]]` entry as uv wrote it. */
export interface UvPackage {
  name: string;
  /** Absent for a source tree whose version is dynamic. */
  version?: string;
  source: UvSource;
  artifacts: Artifact[];
  dependencies: UvDependency[];
  optional: Record<string, UvDependency[]>;
  dev: Record<string, UvDependency[]>;
  /** `resolution-markers`: the forks this entry belongs to. */
  forkMarkers: MarkerNode[];
  /** Wheels left out because a local registry's package is built from one file. */
  droppedWheels: number;
  fields: Fields;
}

const LOCAL_KINDS = new Set(["directory", "virtual"]);

export function isLocalTree(source: UvSource): source is Extract<UvSource, { kind: "directory" | "virtual" }> {
  return LOCAL_KINDS.has(source.kind);
}

function readName(raw: string, f: Fields): string {
  if (!isValidName(raw)) {
    throw new ParseError(`${f.where}: \`${raw}\` is not a valid package name (PEP 508: letters, digits and -_. inside)`, f.location);
  }
  return normalizeName(raw);
}

/** Reads one dependency entry; `list` names the table it sits in, for messages. */
export function readUvDependency(entry: unknown, list: string, owner: Fields): UvDependency {
  if (!isTable(entry)) {
    throw new ParseError(`${owner.where}: each entry of \`${list}\` must be a table {name, version?, source?, marker?, extra?}`, owner.location);
  }
  const rawName = typeof entry["name"] === "string" ? entry["name"] : undefined;
  const f = new Fields(entry, `${owner.where}, ${list}${rawName !== undefined ? ` \`${rawName}\`` : ""}`, owner.location);
  const name = readName(f.string("name"), f);
  const extras = [...new Set((f.optStringArray("extra") ?? f.optStringArray("extras") ?? []).map(normalizeExtra))].sort();
  const markerText = f.optString("marker");
  const version = f.optString("version");
  const sourceTable = f.optTable("source");
  const specifier = f.optString("specifier");
  return {
    name,
    extras,
    ...(markerText !== undefined && markerText.trim() !== "" ? { marker: readMarkerNode(markerText, f) } : {}),
    ...(version !== undefined ? { version } : {}),
    ...(sourceTable ? { source: readSource(sourceTable, f).source } : {}),
    ...(specifier !== undefined && specifier !== "" ? { specifier } : {}),
  };
}

function readDependencyList(f: Fields, key: string, list: string): UvDependency[] {
  return (f.optArray(key) ?? []).map((e) => readUvDependency(e, list, f));
}

function readDependencyTable(f: Fields, key: string, normalize: (s: string) => string): Record<string, UvDependency[]> {
  const table = f.sub(key, f.where);
  const out: Record<string, UvDependency[]> = {};
  for (const name of Object.keys(f.optTable(key) ?? {}).sort()) {
    const list = `[package.${key}] ${name}`;
    (out[normalize(name)] ??= []).push(...readDependencyList(table as Fields, name, list));
  }
  return out;
}

/** Reads a `[[package]]` table (`[[distribution]]` in uv 0.2's locks). */
export function readUvPackage(raw: unknown, index: number, location: { file: string; line?: number }, header: string): UvPackage {
  if (!isTable(raw)) throw new ParseError(`${header} must be a table`, location);
  const rawName = typeof raw["name"] === "string" ? raw["name"] : `#${index + 1}`;
  const f = new Fields(raw, `${header} ${rawName}`, { ...location, package: normalizeName(rawName) });
  const name = readName(f.string("name"), f);
  const sourceTable = f.optTable("source");
  if (!sourceTable) throw new ParseError(`${f.where}: \`source\` must be a table, found nothing`, f.location);
  const read = readSource(sourceTable, f);
  const version = isLocalTree(read.source) ? f.optString("version") : f.string("version");
  let source: UvSource = read.source;
  const located = readArtifacts(f, read, name, version ?? "");
  let artifacts = located.map((a) => a.artifact);
  let droppedWheels = 0;
  if (read.localRegistry !== undefined) {
    const local = fromLocalRegistry(read.localRegistry, located, f, name, version ?? "");
    source = local.source as PackageSource;
    artifacts = local.artifacts;
    droppedWheels = local.droppedWheels;
  }
  const forkKey = f.has("resolution-markers") ? "resolution-markers" : "environment-markers";
  const forkMarkers = (f.optStringArray(forkKey) ?? []).map((m) => readMarkerNode(m, f));
  return {
    name,
    ...(version !== undefined ? { version } : {}),
    source,
    artifacts,
    dependencies: readDependencyList(f, "dependencies", "dependencies"),
    optional: readDependencyTable(f, "optional-dependencies", normalizeExtra),
    dev: readDependencyTable(f, "dev-dependencies", normalizeName),
    forkMarkers,
    droppedWheels,
    fields: f,
  };
}
