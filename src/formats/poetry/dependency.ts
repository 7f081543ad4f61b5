import { ParseError } from "../../errors.js";
import type { Dependency, PackageSource } from "../../model.js";
import { normalizeExtra, normalizeName } from "../../pep/normalize.js";
import { parseMarker, markerToString } from "../../pep/markers.js";
import { parseRequirement, type Requirement } from "../../pep/requirement.js";
import { Fields, isTable } from "../fields.js";
import { clauseToSpecifier, parsePoetryConstraint, pythonConstraintToMarker } from "./constraint.js";

/** A Poetry dependency entry after reading: the edge, and whether only an extra pulls it in. */
export interface PoetryDependency {
  dependency: Dependency;
  optional: boolean;
}

/** Parses a marker found at `owner`, so a bad one is reported with its package and line. */
export function readMarker(text: string, owner: Fields): string {
  try {
    return markerToString(parseMarker(text));
  } catch (err) {
    if (err instanceof ParseError) {
      throw new ParseError(`${owner.where}: invalid marker: ${err.message}`, owner.location);
    }
    throw err;
  }
}

function andMarkers(parts: Array<string | undefined>, owner: Fields): string | undefined {
  const present = parts.filter((p): p is string => p !== undefined && p.trim() !== "");
  if (present.length === 0) return undefined;
  return readMarker(present.length === 1 ? (present[0] as string) : present.map((p) => `(${p})`).join(" and "), owner);
}

function directSource(spec: Fields): PackageSource | undefined {
  const url = spec.optString("url");
  if (url !== undefined) return { kind: "url", url };
  const path = spec.optString("path");
  if (path !== undefined) {
    return /\.(whl|zip|tar\.gz|tgz|tar\.bz2|tar\.xz)$/.test(path)
      ? { kind: "file", path }
      : { kind: "directory", path, editable: spec.optBoolean("develop") ?? false };
  }
  const git = spec.optString("git");
  if (git !== undefined) {
    const ref = spec.optString("rev") ?? spec.optString("tag") ?? spec.optString("branch");
    return { kind: "git", url: git, commit: "", ...(ref ? { ref } : {}) };
  }
  return undefined;
}

/**
 * Reads one `[package.dependencies]` / `[tool.poetry.dependencies]` entry:
 * a constraint string, a table, or an array of tables (one per environment).
 */
export function readPoetryDependency(rawName: string, value: unknown, owner: Fields): PoetryDependency[] {
  const name = normalizeName(rawName);
  const where = `${owner.where}, dependency \`${rawName}\``;
  if (typeof value === "string") {
    const clauses = parsePoetryConstraint(value, where);
    return [{ dependency: { name, extras: [], specifier: clauses.map(clauseToSpecifier).join(" || ") }, optional: false }];
  }
  const specs = Array.isArray(value) ? value : [value];
  return specs.map((spec) => {
    if (!isTable(spec)) {
      throw new ParseError(`${where}: expected a version string or a table, found ${JSON.stringify(spec)}`, owner.location);
    }
    const f = new Fields(spec, where, owner.location);
    const python = f.optString("python");
    const platform = f.optString("platform");
    const marker = andMarkers([
      f.optString("markers"),
      python !== undefined ? pythonConstraintToMarker(parsePoetryConstraint(python, where)) : undefined,
      platform !== undefined ? `sys_platform == "${platform.replace(/["\\]/g, "")}"` : undefined,
    ], f);
    const version = f.optString("version");
    const source = directSource(f);
    const dependency: Dependency = {
      name,
      extras: [...new Set((f.optStringArray("extras") ?? []).map(normalizeExtra))].sort(),
      ...(marker ? { marker } : {}),
      ...(source ? { source } : {}),
      ...(version ? { specifier: parsePoetryConstraint(version, where).map(clauseToSpecifier).join(" || ") } : {}),
    };
    return { dependency, optional: f.optBoolean("optional") ?? false };
  });
}

/**
 * Poetry 1.x wrote `[package.extras]` entries with its own constraint syntax
 * inside the parentheses (`pytest (>=3.5,<3.7.3 || >3.7.3)`), which PEP 508
 * rejects. Read those as Poetry meant them.
 */
const POETRY_STYLE = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?\s*(?:\(([^)]*)\))?\s*(?:;\s*(.+))?$/;

function parsePoetryRequirement(text: string, owner: Fields): Requirement | undefined {
  const m = POETRY_STYLE.exec(text);
  if (!m) return undefined;
  const clauses = parsePoetryConstraint(m[3] ?? "*", `${owner.where}, \`${text}\``);
  const marker = m[4] !== undefined ? readMarker(m[4], owner) : undefined;
  return {
    name: m[1] as string,
    extras: [...new Set((m[2] ?? "").split(",").map((e) => normalizeExtra(e.trim())).filter((e) => e !== ""))].sort(),
    specifier: clauses.map(clauseToSpecifier).join(" || "),
    ...(marker ? { marker } : {}),
  };
}

/** Reads a PEP 508 requirement string (`[project] dependencies`, `[package.extras]`). */
export function readRequirementString(text: string, owner: Fields): Dependency {
  let req: Requirement;
  try {
    req = parseRequirement(text);
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    const legacy = parsePoetryRequirement(text, owner);
    if (!legacy) throw new ParseError(`${owner.where}: invalid requirement \`${text}\`: ${err.message}`, owner.location);
    req = legacy;
  }
  const source: PackageSource | undefined = req.url
    ? req.url.startsWith("git+")
      ? { kind: "git", url: req.url.slice(4).replace(/@[^@/]*$/, ""), commit: "" }
      : { kind: "url", url: req.url }
    : undefined;
  return {
    name: normalizeName(req.name),
    extras: req.extras,
    ...(req.marker ? { marker: req.marker } : {}),
    ...(req.specifier ? { specifier: req.specifier } : {}),
    ...(source ? { source } : {}),
  };
}
