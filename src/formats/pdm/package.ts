import { LockError, ParseError } from "../../errors.js";
import type { Artifact, Dependency, LockedPackage, PackageSource } from "../../model.js";
import { DEFAULT_GROUP } from "../../model.js";
import { isValidName, normalizeExtra, normalizeName } from "../../pep/normalize.js";
import { Fields, isTable } from "../fields.js";
import { ARCHIVE, localPathOf, readMarker, readPdmRequirement } from "./requirement.js";

/** One `[[package]]` table: the package, and the extras it stands for when it is an extras entry. */
export interface PdmEntry {
  package: LockedPackage;
  /** Non-empty for `name = "x"` with `extras = [...]` (pdm 2) or `name = "x[a]"` (older pdm). */
  extras: string[];
  fields: Fields;
}

export interface PdmPackageContext {
  /** The index a package named so comes from. */
  indexFor(name: string): PackageSource;
  /** `[metadata.files]` of lock 4.0/4.1, keyed `"<name> <version>"`. */
  metadataFiles: Map<string, unknown>;
  /** Keys the reader does not know, collected for one warning. */
  unknownKeys: Set<string>;
}

const KNOWN_KEYS = new Set([
  "name", "version", "extras", "requires_python", "summary", "groups", "sections", "marker", "dependencies", "files",
  "git", "hg", "svn", "bzr", "ref", "revision", "path", "url", "editable", "subdirectory",
]);

function readHash(hash: string, f: Fields, file: string): string {
  const m = /^sha256:([0-9a-fA-F]{64})$/.exec(hash);
  if (!m) {
    throw new ParseError(`${f.where}: file ${file}: hash \`${hash}\` is not a sha256 (expected \`sha256:<64 hex digits>\`)`, f.location);
  }
  return (m[1] as string).toLowerCase();
}

/** The last path segment of a URL, decoded: the file's name. */
export function fileNameOfUrl(url: string): string {
  const path = url.split(/[?#]/, 1)[0] as string;
  const last = path.slice(path.lastIndexOf("/") + 1);
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

/** `files = [{file, hash}]`, or `{url, hash}` under the static_urls strategy. */
function readFiles(entries: unknown[], f: Fields): Artifact[] {
  return entries.map((entry) => {
    if (!isTable(entry)) throw new ParseError(`${f.where}: each of \`files\` must be a table {file, hash} or {url, hash}`, f.location);
    const file = new Fields(entry, `${f.where}, files`, f.location);
    const url = file.optString("url");
    const name = file.optString("file") ?? (url !== undefined ? fileNameOfUrl(url) : undefined);
    if (name === undefined || name === "") {
      throw new ParseError(`${f.where}: each of \`files\` must name its \`file\` or \`url\`, found ${JSON.stringify(entry)}`, f.location);
    }
    return { filename: name, sha256: readHash(file.string("hash"), f, name), ...(url !== undefined ? { url } : {}) };
  });
}

function readSource(f: Fields, name: string, ctx: PdmPackageContext): PackageSource {
  const subdirectory = f.optString("subdirectory");
  const sub = subdirectory ? { subdirectory } : {};
  for (const vcs of ["hg", "svn", "bzr"]) {
    if (f.has(vcs)) throw new LockError(`${f.where}: ${vcs} sources are not supported (only git)`, f.location);
  }
  const git = f.optString("git");
  if (git !== undefined) {
    const ref = f.optString("ref");
    const revision = f.optString("revision");
    if (revision === undefined && f.optBoolean("editable")) {
      throw new LockError(
        `${f.where}: editable git dependency ${git} has no \`revision\` (pdm pins none for editable checkouts); lock2nix needs a commit`,
        f.location,
      );
    }
    if (revision === undefined || !/^[0-9a-f]{40}$/.test(revision)) {
      throw new ParseError(
        `${f.where}: git source ${git} must name its commit in \`revision\` (40 hex digits), found ${revision ?? "nothing"}`,
        f.location,
      );
    }
    return { kind: "git", url: git, commit: revision, ...(ref ? { ref } : {}), ...sub };
  }
  const editable = f.optBoolean("editable") ?? false;
  const path = f.optString("path");
  const url = f.optString("url");
  const local = path ?? (url !== undefined ? localPathOf(url) : undefined);
  if (local !== undefined) {
    const joined = subdirectory ? `${local.replace(/\/+$/, "")}/${subdirectory}` : local;
    if (ARCHIVE.test(local)) {
      if (subdirectory) throw new LockError(`${f.where}: a subdirectory inside the local archive ${local} is not supported`, f.location);
      return { kind: "file", path: local };
    }
    return { kind: "directory", path: joined, editable };
  }
  if (url !== undefined) return { kind: "url", url, ...sub };
  return ctx.indexFor(name);
}

/** Splits older pdm's `name[extra1,extra2]`. */
function splitName(raw: string, f: Fields): { name: string; extras: string[] } {
  const m = /^([^[\]]+)(?:\[([^\]]*)\])?$/.exec(raw.trim());
  const name = m?.[1]?.trim();
  if (!m || !name || !isValidName(name)) {
    throw new ParseError(`${f.where}: \`${raw}\` is not a valid package name (PEP 508: letters, digits and -_. inside)`, f.location);
  }
  return { name: normalizeName(name), extras: (m[2] ?? "").split(",").map((e) => e.trim()).filter((e) => e !== "") };
}

/** Reads one `[[package]]` table. */
export function readPdmPackage(table: Record<string, unknown>, f: Fields, ctx: PdmPackageContext): PdmEntry {
  for (const key of Object.keys(table)) {
    if (!KNOWN_KEYS.has(key)) ctx.unknownKeys.add(key);
  }
  const { name, extras: nameExtras } = splitName(f.string("name"), f);
  const version = f.string("version");
  const extras = [...new Set([...nameExtras, ...(f.optStringArray("extras") ?? [])].map(normalizeExtra))].sort();
  const source = readSource(f, name, ctx);

  let artifacts: Artifact[] = [];
  const files = f.optArray("files");
  const legacyKey = [...ctx.metadataFiles.keys()].find((k) => {
    const [n, v] = k.split(" ");
    return n !== undefined && normalizeName(n.replace(/\[.*$/, "")) === name && v === version;
  });
  if (files) artifacts = readFiles(files, f);
  else if (legacyKey !== undefined) {
    const entries = ctx.metadataFiles.get(legacyKey);
    if (!Array.isArray(entries)) throw new ParseError(`[metadata.files] "${legacyKey}" must be an array`, f.location);
    artifacts = readFiles(entries, f);
  }
  if (source.kind === "url" && artifacts.length === 1 && !artifacts[0]?.url) {
    artifacts = [{ ...(artifacts[0] as Artifact), url: source.url }];
  }
  if ((source.kind === "index" || source.kind === "url") && artifacts.length === 0 && extras.length === 0) {
    throw new LockError(
      `${name} ${version} lists no files: a package from ${source.kind === "index" ? "an index" : "a URL"} needs at least one file with its sha256`,
      f.location,
    );
  }

  const depFields = new Fields({}, `${f.where}, dependencies`, f.location);
  const dependencies: Dependency[] = (f.optStringArray("dependencies") ?? []).map((line) => readPdmRequirement(line, depFields));
  const marker = f.optString("marker");
  const requiresPython = f.optString("requires_python");
  // pdm 1 called groups `sections`.
  const listed = f.optStringArray("groups") ?? f.optStringArray("sections") ?? [];
  const groups = [...new Set(listed.map((g) => (g === "default" ? DEFAULT_GROUP : g)))].sort();
  return {
    package: {
      name,
      version,
      source,
      artifacts,
      dependencies,
      extras: {},
      groups,
      ...(marker !== undefined && marker.trim() !== "" ? { marker: readMarker(marker, f) } : {}),
      ...(requiresPython ? { requiresPython } : {}),
    },
    extras,
    fields: f,
  };
}
