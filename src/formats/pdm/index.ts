import { createHash } from "node:crypto";
import { ParseError } from "../../errors.js";
import type { Dependency, Lock, LockedPackage, RootProject } from "../../model.js";
import { comparePackages } from "../../model.js";
import { DEFAULT_GROUP } from "../../model.js";
import { normalizeName } from "../../pep/normalize.js";
import { Fields, isTable } from "../fields.js";
import { parseToml } from "../toml.js";
import type { LockInput } from "../types.js";
import { readPdmPackage, type PdmEntry } from "./package.js";
import { pdmIndexes, readPdmRoot } from "./pyproject.js";

/**
 * pdm.lock formats: 4.x (pdm 2.x; minor versions only add keys), and the older
 * 3.x, 2 and 0.1.0 of pdm 1.x and 2.0/2.1 (files in [metadata.files], `name[extra]`
 * entries, `sections` for groups), which real projects still have.
 */
const LOCK_VERSION = /^(?:[234](?:\.\d+){0,2}|0\.1\.0)$/;
const SUPPORTED = "lock2nix reads pdm.lock versions 4.x (pdm 2) and the older 3.x, 2 and 0.1.0 (pdm 1)";

/** Line numbers (1-based) of each `[[package]]` header, in order, for error messages. */
function headerLines(text: string, header: string): number[] {
  const lines: number[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === header) lines.push(i + 1);
  });
  return lines;
}

const sameSource = (a: LockedPackage, b: LockedPackage) => JSON.stringify(a.source) === JSON.stringify(b.source);

/**
 * pdm writes a package asked for with extras as a second entry (`extras =
 * ["socks"]`, or `name = "httpx[socks]"` before): its dependencies are the
 * base entry pinned plus what the extras add. Those become the base
 * package's `extras`.
 */
function mergeExtras(entries: PdmEntry[]): LockedPackage[] {
  const bases = entries.filter((e) => e.extras.length === 0).map((e) => e.package);
  for (const entry of entries.filter((e) => e.extras.length > 0)) {
    const pkg = entry.package;
    const base = bases.find((b) => b.name === pkg.name && b.version === pkg.version && sameSource(b, pkg));
    if (!base) {
      throw new ParseError(
        `${entry.fields.where}: the entry for ${pkg.name}[${entry.extras.join(",")}] ${pkg.version} has no entry for ${pkg.name} ${pkg.version} itself`,
        entry.fields.location,
      );
    }
    // The pin on the base package itself is how pdm ties the two; extras of itself stay.
    const added = pkg.dependencies.filter((d) => d.name !== pkg.name || d.extras.length > 0);
    for (const extra of entry.extras) {
      const known = (base.extras[extra] ??= []);
      for (const dep of added) {
        if (!known.some((d) => JSON.stringify(d) === JSON.stringify(dep))) known.push(dep);
      }
    }
    base.groups = [...new Set([...base.groups, ...pkg.groups])].sort();
  }
  return bases;
}

function rootFromPackages(packages: LockedPackage[]): RootProject {
  const groups: Record<string, Dependency[]> = { [DEFAULT_GROUP]: [] };
  for (const pkg of packages) {
    for (const group of pkg.groups.length > 0 ? pkg.groups : [DEFAULT_GROUP]) {
      (groups[group] ??= []).push({ name: pkg.name, extras: [], ...(pkg.marker ? { marker: pkg.marker } : {}) });
    }
  }
  return { groups, extras: {} };
}

/** Reads `pdm.lock` (lock format 4.x, pdm 2) and the `pyproject.toml` beside it. */
export function readPdmLock(input: LockInput): Lock {
  const { text, path } = input;
  const doc = parseToml(text, path);
  const top = new Fields(doc, "pdm.lock", { file: path });
  const metadata = top.sub("metadata", "[metadata]");
  const lockVersion = metadata?.optString("lock_version");
  // The first pdm releases wrote no lock_version, but a [metadata] with the content hash.
  const unversioned = lockVersion === undefined && metadata?.has("content_hash") === true;
  if (!unversioned && (lockVersion === undefined || !LOCK_VERSION.test(lockVersion))) {
    throw new ParseError(
      `unsupported lock_version ${lockVersion === undefined ? "(none in [metadata], nor a content_hash)" : `"${lockVersion}"`}: ${SUPPORTED}`,
      { file: path },
    );
  }
  const warnings: string[] = [];
  const pyprojectPath = input.siblingPath("pyproject.toml");
  const pyprojectText = input.readSibling("pyproject.toml");
  const pyproject = pyprojectText !== undefined ? parseToml(pyprojectText, pyprojectPath) : undefined;

  // Only type-checked: `strategy` decides which keys the packages carry, and each is read where it appears.
  metadata?.optStringArray("strategy");
  const lockedGroups = metadata?.optStringArray("groups");
  const targets = (metadata?.optArray("targets") ?? []).map((t, i) => {
    if (!isTable(t)) throw new ParseError("[[metadata.targets]] must be a table", { file: path });
    return new Fields(t, `[[metadata.targets]] #${i + 1}`, { file: path });
  });
  const narrowed = targets.filter((t) => t.has("platform") || t.has("implementation"));
  if (narrowed.length > 0) {
    const shown = narrowed.map((t) => [t.optString("platform"), t.optString("implementation")].filter(Boolean).join(" ")).join("; ");
    warnings.push(`the lock was made for these targets only: ${shown}; lock2nix does not check the Nix systems against them`);
  }

  const unknownKeys = new Set<string>();
  const ctx = {
    indexFor: pdmIndexes(pyproject, pyprojectPath, warnings),
    metadataFiles: new Map(Object.entries(metadata?.optTable("files") ?? {})),
    unknownKeys,
  };
  const lines = headerLines(text, "[[package]]");
  const entries = (top.optArray("package") ?? []).map((raw, i) => {
    const location = { file: path, ...(lines[i] !== undefined ? { line: lines[i] } : {}) };
    if (!isTable(raw)) throw new ParseError("[[package]] must be a table", location);
    const rawName = typeof raw["name"] === "string" ? raw["name"] : `#${i + 1}`;
    const where = `[[package]] ${rawName}`;
    const pkg = typeof raw["name"] === "string" ? { package: normalizeName(raw["name"].replace(/\[.*$/, "")) } : {};
    return readPdmPackage(raw, new Fields(raw, where, { ...location, ...pkg }), ctx);
  });
  if (unknownKeys.size > 0) {
    warnings.push(`pdm.lock: [[package]] keys lock2nix does not know were ignored: ${[...unknownKeys].sort().join(", ")}`);
  }
  const packages = mergeExtras(entries);
  packages.sort(comparePackages);

  let root: RootProject;
  if (pyproject) {
    const locked = lockedGroups ? new Set(["default", ...lockedGroups.map(normalizeName)]) : undefined;
    root = readPdmRoot(pyproject, pyprojectPath, locked, warnings);
  } else {
    root = rootFromPackages(packages);
    warnings.push(
      packages.some((p) => p.groups.length > 0)
        ? "no pyproject.toml beside the lock: every package the lock assigns to a group is taken as a direct dependency of that group (extras cannot be told from groups)"
        : "no pyproject.toml beside the lock, and the lock records no groups (no inherit_metadata strategy): every package is taken as a direct dependency of the main group",
    );
  }
  if (!root.requiresPython) {
    const specs = [...new Set(targets.map((t) => t.optString("requires_python") ?? ""))];
    if (specs.length > 0 && !specs.includes("")) root.requiresPython = specs;
  }

  return {
    format: "pdm",
    file: path,
    sha256: createHash("sha256").update(text).digest("hex"),
    ...(lockVersion !== undefined ? { lockVersion } : {}),
    root,
    packages,
    warnings,
  };
}
