import { LockError, ParseError } from "../../errors.js";
import type { Artifact, Dependency, LockedPackage, PackageSource } from "../../model.js";
import { markerToString, parseMarker, specializeMarker, type MarkerNode } from "../../pep/markers.js";
import { isValidName, normalizeExtra, normalizeName } from "../../pep/normalize.js";
import { parseSdistFilename, parseWheelFilename } from "../../pep/tags.js";
import { Fields } from "../fields.js";
import { fileNameOfUrl } from "../pdm/package.js";
import { ARCHIVE } from "../pdm/requirement.js";
import type { PipenvSources } from "./meta.js";

/** One entry of a category table, read: the package and the root's edge to it. */
export interface PipenvEntry {
  package: LockedPackage;
  /** The category's edge to the package; absent when its marker rules the category out. */
  dependency?: Dependency;
  /** An index package without `hashes` (locks before pipenv recorded them). */
  hashless: boolean;
  /** pipenv writes no version for some git and local entries. */
  versionless: boolean;
  fields: Fields;
}

export interface EntryContext {
  sources: PipenvSources;
  /** The lock2nix group of the category. */
  group: string;
  /** What PEP 751's `dependency_groups` holds while installing the category (pipenv's pylock export adds `'dev' in dependency_groups` to develop entries). */
  dependencyGroups: ReadonlySet<string>;
  /** Keys the reader does not use, collected for one warning. */
  ignoredKeys: Set<string>;
  warnings: string[];
}

/** Pipfile keys naming a marker variable (`sys_platform = "== 'linux'"`), which older pipenv copied into the lock. */
const MARKER_KEYS = [
  "os_name", "sys_platform", "platform_machine", "platform_python_implementation", "platform_release", "platform_system",
  "platform_version", "python_version", "python_full_version", "implementation_name", "implementation_version",
];

const KNOWN_KEYS = new Set([
  "name", "version", "hashes", "index", "markers", "os_markers", "extras", "git", "ref", "subdirectory", "file", "path", "editable",
  ...MARKER_KEYS,
]);

const COMMIT = /^[0-9a-fA-F]{40}$/;

/** `==1.2.3` or `===1.2.3` -> the version; anything else is not a pin. */
function readPin(f: Fields): string {
  const raw = f.string("version");
  const m = /^\s*(===?)\s*([^\s,;]+)\s*$/.exec(raw);
  if (!m || (m[1] === "==" && (m[2] as string).includes("*"))) {
    throw new LockError(`${f.where}: version "${raw}" is not pinned: lock2nix needs an exact "==<version>"`, f.location);
  }
  return m[2] as string;
}

function readHashes(f: Fields): string[] {
  return (f.optStringArray("hashes") ?? []).map((hash) => {
    const m = /^sha256:([0-9a-fA-F]{64})$/.exec(hash);
    if (!m) throw new ParseError(`${f.where}: hash "${hash}" is not a sha256 (expected "sha256:<64 hex digits>")`, f.location);
    return (m[1] as string).toLowerCase();
  });
}

function parseEntryMarker(text: string, f: Fields, key: string): MarkerNode {
  try {
    return parseMarker(text, { lockFile: true });
  } catch (err) {
    if (err instanceof ParseError) throw new ParseError(`${f.where}: invalid \`${key}\`: ${err.message}`, f.location);
    throw err;
  }
}

/**
 * The entry's markers as one PEP 508 marker for the category's edge:
 * `markers`, `os_markers` and marker-variable keys, all of which must hold.
 * `true` when it always holds, `false` when it never does in this category.
 */
function readMarker(f: Fields, ctx: EntryContext): string | boolean {
  const parts: string[] = [];
  for (const key of ["markers", "os_markers", ...MARKER_KEYS]) {
    const value = f.optString(key);
    if (value === undefined || value.trim() === "" || value.trim() === "*") continue;
    const text = key === "markers" || key === "os_markers" ? value : `${key} ${value}`;
    parts.push(markerToString(parseEntryMarker(text, f, key)));
  }
  if (parts.length === 0) return true;
  const node = parts.length === 1 ? parseMarker(parts[0] as string, { lockFile: true }) : parseMarker(parts.map((p) => `(${p})`).join(" and "), { lockFile: true });
  // The lock's project has no extras of its own: `'x' in extras` never holds.
  const value = specializeMarker(node, { dependencyGroups: ctx.dependencyGroups, extras: new Set() });
  return typeof value === "boolean" ? value : markerToString(value);
}

/** pipenv writes `git+https://host/repo.git`, older locks a `@ref` and `#egg=` fragment too. */
function readGit(f: Fields): Extract<PackageSource, { kind: "git" }> {
  for (const vcs of ["hg", "svn", "bzr"]) {
    if (f.has(vcs)) throw new LockError(`${f.where}: ${vcs} sources are not supported (only git)`, f.location);
  }
  const raw = f.string("git");
  let url = raw.replace(/^git\+/, "");
  const hash = url.indexOf("#");
  const fragment = hash >= 0 ? url.slice(hash + 1) : "";
  if (hash >= 0) url = url.slice(0, hash);
  let refInUrl: string | undefined;
  const pathStart = url.indexOf("/", url.indexOf("://") + 3);
  const at = url.lastIndexOf("@");
  if (pathStart >= 0 && at > pathStart) {
    refInUrl = url.slice(at + 1);
    url = url.slice(0, at);
  }
  const ref = f.optString("ref") ?? refInUrl;
  if (ref === undefined || ref === "") {
    throw new LockError(`${f.where}: git source ${url} has no \`ref\`: lock2nix needs the commit (40 hex digits) it was locked at`, f.location);
  }
  if (!COMMIT.test(ref)) {
    throw new LockError(
      `${f.where}: git source ${url} is locked at "${ref}", a branch or tag, not a commit: lock2nix needs the full 40-hex commit in \`ref\``,
      f.location,
    );
  }
  const subdirectory = f.optString("subdirectory") ?? (new URLSearchParams(fragment).get("subdirectory") || undefined);
  return { kind: "git", url, commit: ref.toLowerCase(), ...(subdirectory ? { subdirectory } : {}) };
}

/** The version in an archive's file name, when it follows the sdist or wheel naming rules. */
function versionOfFile(filename: string): string | undefined {
  if (!filename.endsWith(".whl")) return parseSdistFilename(filename)?.version;
  try {
    return parseWheelFilename(filename).version;
  } catch {
    return undefined;
  }
}

/** A `file` or `path` entry: a URL, a `file:` URL or a path relative to the lock. */
function readLocal(f: Fields, hashes: string[]): { source: PackageSource; artifacts: Artifact[] } {
  const key = f.has("file") ? "file" : "path";
  const value = f.string(key);
  const editable = f.optBoolean("editable") ?? false;
  const sha256 = hashes[0];
  if (hashes.length > 1 && (/^(https?|ftp):\/\//i.test(value) || ARCHIVE.test(value))) {
    throw new LockError(`${f.where}: lists ${hashes.length} hashes for the one file at ${value}; lock2nix expects one`, f.location);
  }
  if (/^(https?|ftp):\/\//i.test(value)) {
    const subdirectory = f.optString("subdirectory");
    const url = value.split("#", 1)[0] as string;
    return {
      source: { kind: "url", url, ...(subdirectory ? { subdirectory } : {}) },
      artifacts: [{ filename: fileNameOfUrl(url), url, ...(sha256 ? { sha256 } : {}) }],
    };
  }
  let path = /^file:/i.test(value) ? decodeURIComponent(new URL(value).pathname) : value;
  path = path.replace(/\/+$/, "") || ".";
  if (ARCHIVE.test(path)) {
    return { source: { kind: "file", path }, artifacts: sha256 ? [{ filename: fileNameOfUrl(path), sha256 }] : [] };
  }
  const subdirectory = f.optString("subdirectory");
  return { source: { kind: "directory", path: subdirectory ? `${path}/${subdirectory}` : path, editable }, artifacts: [] };
}

function readSource(f: Fields, ctx: EntryContext, hashes: string[]): { source: PackageSource; artifacts: Artifact[] } {
  if (f.has("git") || f.has("hg") || f.has("svn") || f.has("bzr")) return { source: readGit(f), artifacts: [] };
  if (f.has("file") || f.has("path")) return readLocal(f, hashes);
  const index = f.optString("index");
  let source = ctx.sources.default;
  if (index !== undefined) {
    const named = ctx.sources.byName.get(index);
    if (!named) {
      const known = [...ctx.sources.byName.keys()];
      throw new ParseError(
        `${f.where}: index "${index}" is not one of the sources in _meta.sources (${known.length > 0 ? known.join(", ") : "none has a name"})`,
        f.location,
      );
    }
    source = named;
  }
  // The index names the files: Pipfile.lock gives hashes only.
  return { source, artifacts: hashes.map((sha256) => ({ filename: "", sha256 })) };
}

/** Reads one entry `"name": {…}` of a category table. */
export function readPipenvEntry(key: string, table: Record<string, unknown>, f: Fields, ctx: EntryContext): PipenvEntry {
  if (!isValidName(key)) {
    throw new ParseError(`${f.where}: \`${key}\` is not a valid package name (PEP 508: letters, digits and -_. inside)`, f.location);
  }
  const name = normalizeName(key);
  const hashes = readHashes(f);
  const { source, artifacts } = readSource(f, ctx, hashes);
  const direct = source.kind !== "index";
  // pipenv drops the version of `file` and `path` entries: an archive's name may still tell it.
  const fromFile = source.kind === "url" || source.kind === "file" ? versionOfFile(fileNameOfUrl(source.kind === "url" ? source.url : source.path)) : undefined;
  const versionless = direct && !f.has("version") && fromFile === undefined;
  // FIXME(model): a git or local entry may have no version in the lock; "0" stands in, as for uv's dynamic versions.
  const version = direct && !f.has("version") ? (fromFile ?? "0") : readPin(f);
  if ((source.kind === "git" || source.kind === "directory") && hashes.length > 0) ctx.ignoredKeys.add("hashes (of a git or directory entry)");
  for (const k of Object.keys(table)) if (!KNOWN_KEYS.has(k)) ctx.ignoredKeys.add(k);
  if (source.kind !== "index" && f.has("index")) ctx.ignoredKeys.add("index (of a git, file or path entry)");

  const extras = [...new Set((f.optStringArray("extras") ?? []).map(normalizeExtra))].sort();
  const marker = readMarker(f, ctx);
  if (marker === false) {
    ctx.warnings.push(`${f.where}: its markers never hold in this category, so it is never installed with it`);
  }
  const dependency: Dependency | undefined =
    marker === false
      ? undefined
      : { name, extras, version, ...(typeof marker === "string" ? { marker } : {}), ...(direct ? { source } : {}) };
  return {
    package: {
      name,
      version,
      ...(versionless ? { versionUnknown: true } : {}),
      source,
      artifacts,
      dependencies: [],
      // The lock lists what an extra adds as entries of the category itself; the extra is known, and adds nothing more.
      extras: Object.fromEntries(extras.map((e) => [e, []])),
      groups: [ctx.group],
    },
    ...(dependency ? { dependency } : {}),
    hashless: source.kind === "index" && hashes.length === 0,
    versionless,
    fields: f,
  };
}
