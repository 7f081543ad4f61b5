import { posix } from "node:path";
import { LockError, ParseError } from "../../errors.js";
import type { Artifact, PackageSource } from "../../model.js";
import { Fields, isTable } from "../fields.js";

/** A uv source: a model source, or a project that is not built (`virtual`). */
export type UvSource = PackageSource | { kind: "virtual"; path: string };

/** uv's `source` table read: the model source, and the registry it names if any. */
export interface ReadSource {
  source: UvSource;
  /** Set for `registry = "<folder>"`, whose files are named relative to that folder. */
  localRegistry?: string;
}

const ARCHIVE = /\.(whl|zip|tar\.gz|tgz|tar\.bz2|tbz|tar\.xz|txz|tar\.zst|tar|tar\.lz|tar\.lzma)$/i;
const HAS_SCHEME = /^[a-z][a-z0-9+.-]+:/i;

export function isArchive(path: string): boolean {
  return ARCHIVE.test(path);
}

/** `.` and `./` name the lock's own folder; uv writes paths with `/`. */
export function isRootPath(path: string): boolean {
  return posix.normalize(path.replace(/\\/g, "/")) === "." || path === "";
}

function parseUrl(text: string, what: string, f: Fields): URL {
  try {
    return new URL(text);
  } catch {
    throw new ParseError(`${f.where}: ${what} \`${text}\` is not a valid URL`, f.location);
  }
}

/** `git = "https://host/repo.git?rev=v1&subdirectory=pkg#<commit>"`. */
function readGit(text: string, f: Fields): PackageSource {
  const url = parseUrl(text, "git source", f);
  const commit = decodeURIComponent(url.hash.replace(/^#/, ""));
  if (!/^[0-9a-f]{40}$/i.test(commit)) {
    throw new ParseError(
      `${f.where}: git source ${text} must name its commit after \`#\` (40 hex digits), found ${commit === "" ? "nothing" : `\`${commit}\``}`,
      f.location,
    );
  }
  const params = url.searchParams;
  const ref = params.get("rev") ?? params.get("tag") ?? params.get("branch") ?? undefined;
  const subdirectory = params.get("subdirectory") ?? undefined;
  url.hash = "";
  url.search = "";
  return {
    kind: "git",
    url: url.toString(),
    commit: commit.toLowerCase(),
    ...(ref ? { ref } : {}),
    ...(subdirectory ? { subdirectory } : {}),
  };
}

const SOURCE_KEYS = ["registry", "git", "url", "path", "directory", "editable", "virtual"] as const;

/** Reads a `source = { … }` table of a package or a dependency. */
export function readSource(table: Record<string, unknown>, f: Fields): ReadSource {
  const src = new Fields(table, f.where, f.location);
  const keys = SOURCE_KEYS.filter((k) => src.has(k));
  if (keys.length !== 1) {
    throw new ParseError(
      `${f.where}: \`source\` must have exactly one of ${SOURCE_KEYS.join(", ")}, found ${keys.length === 0 ? "none" : keys.join(" and ")}`,
      f.location,
    );
  }
  const kind = keys[0] as (typeof SOURCE_KEYS)[number];
  const value = src.string(kind);
  switch (kind) {
    case "registry":
      // A registry without a URL scheme is a local folder of files (`--find-links`).
      if (HAS_SCHEME.test(value)) return { source: { kind: "index", url: value } };
      return { source: { kind: "index", url: value }, localRegistry: value };
    case "git":
      return { source: readGit(value, f) };
    case "url": {
      parseUrl(value, "url source", f);
      const subdirectory = src.optString("subdirectory");
      return { source: { kind: "url", url: value, ...(subdirectory ? { subdirectory } : {}) } };
    }
    case "path":
      return { source: isArchive(value) ? { kind: "file", path: value } : { kind: "directory", path: value, editable: false } };
    case "directory":
      return { source: { kind: "directory", path: value, editable: false } };
    case "editable":
      return { source: { kind: "directory", path: value, editable: true } };
    case "virtual":
      return { source: { kind: "virtual", path: value } };
  }
}

/** `sha256:<hex>` to lower-case hex; any other algorithm is refused. */
export function readHash(hash: string, f: Fields): string {
  const m = /^sha256:([0-9a-fA-F]{64})$/.exec(hash);
  if (!m) {
    throw new ParseError(`${f.where}: hash \`${hash}\` is not a sha256 (expected \`sha256:<64 hex digits>\`)`, f.location);
  }
  return (m[1] as string).toLowerCase();
}

/** The last path segment of a URL, URL-decoded: the file's name. */
export function urlFilename(url: string, f: Fields): string {
  const segment = parseUrl(url, "file URL", f).pathname.split("/").pop() ?? "";
  let name = segment;
  try {
    name = decodeURIComponent(segment);
  } catch {
    // A malformed escape: keep the name as written.
  }
  if (name === "") throw new ParseError(`${f.where}: file URL \`${url}\` does not end in a file name`, f.location);
  return name;
}

interface RawFile {
  url?: string;
  path?: string;
  filename?: string;
  sha256?: string;
}

function readFile(entry: unknown, what: string, f: Fields): RawFile {
  if (!isTable(entry)) throw new ParseError(`${f.where}: each of \`${what}\` must be a table {url, hash, size}`, f.location);
  const file = new Fields(entry, `${f.where}, ${what}`, f.location);
  const hash = file.optString("hash");
  const url = file.optString("url");
  const path = file.optString("path");
  const filename = file.optString("filename");
  return {
    ...(url !== undefined ? { url } : {}),
    ...(path !== undefined ? { path } : {}),
    ...(filename !== undefined ? { filename } : {}),
    ...(hash !== undefined ? { sha256: readHash(hash, f) } : {}),
  };
}

/**
 * The files of a package: `sdist = {url|path, hash, size}` and
 * `wheels = [{url|path|filename, hash, size}]`. Files of a direct URL or
 * local archive source may give only a hash: the source names the file.
 */
export interface LocatedArtifact {
  artifact: Artifact;
  /** For a local registry: the file's path relative to the registry folder. */
  path?: string;
}

export function readArtifacts(f: Fields, read: ReadSource, name: string, version: string): LocatedArtifact[] {
  const sdist = f.optTable("sdist");
  const wheels = f.optArray("wheels") ?? [];
  const files: Array<{ file: RawFile; wheel: boolean }> = [
    ...(sdist ? [{ file: readFile(sdist, "sdist", f), wheel: false }] : []),
    ...wheels.map((w) => ({ file: readFile(w, "wheels", f), wheel: true })),
  ];
  const { source } = read;
  const located = (file: RawFile, wheel: boolean): LocatedArtifact => {
    const sha = file.sha256 ? { sha256: file.sha256 } : {};
    if (file.url !== undefined) return { artifact: { filename: urlFilename(file.url, f), ...sha, url: file.url } };
    if (file.path !== undefined) return { artifact: { filename: posix.basename(file.path), ...sha }, path: file.path };
    if (file.filename !== undefined) return { artifact: { filename: file.filename, ...sha } };
    // Only the hash: the package's source is the file.
    if (source.kind === "url") return { artifact: { filename: urlFilename(source.url, f), ...sha, url: source.url } };
    if (source.kind === "file") return { artifact: { filename: posix.basename(source.path), ...sha } };
    throw new ParseError(
      `${f.where}: ${wheel ? "a wheel" : "the sdist"} must give \`url\`${read.localRegistry !== undefined ? " or `path`" : ""}, found only its hash`,
      f.location,
    );
  };
  const artifacts = files.map(({ file, wheel }) => located(file, wheel));
  if (source.kind === "index" && read.localRegistry === undefined) {
    const local = files.find(({ file }) => file.url === undefined);
    if (local) {
      throw new ParseError(`${f.where}: a file from the registry ${source.url} must give its \`url\``, f.location);
    }
  }
  if (source.kind === "index" && artifacts.length === 0) {
    throw new LockError(`${name} ${version} lists no files: a package from a registry needs an sdist or a wheel`, f.location);
  }
  if (source.kind === "url" && !artifacts.some((a) => a.artifact.sha256)) {
    throw new LockError(`${name} ${version} gives no hash for ${source.url}: a package from a URL needs its sha256`, f.location);
  }
  return artifacts;
}

/**
 * A package from a local registry (a folder of files) becomes the one local
 * file it is built from: its sdist, or its only wheel. Returns the source
 * and the artifacts left, the chosen one first.
 */
export function fromLocalRegistry(
  registry: string,
  files: LocatedArtifact[],
  f: Fields,
  name: string,
  version: string,
): { source: PackageSource; artifacts: Artifact[]; droppedWheels: number } {
  const sdist = files.find((a) => !a.artifact.filename.endsWith(".whl"));
  const wheels = files.filter((a) => a.artifact.filename.endsWith(".whl"));
  const pick = sdist ?? (wheels.length === 1 ? wheels[0] : undefined);
  if (!pick) {
    throw new LockError(
      `${name} ${version} comes from the local registry ${registry} with ${wheels.length} wheels and no sdist: lock2nix cannot choose among local wheels per system`,
      f.location,
    );
  }
  const { artifact } = pick;
  const path = posix.join(registry.replace(/\\/g, "/"), pick.path ?? artifact.filename);
  return {
    source: { kind: "file", path },
    artifacts: [{ filename: artifact.filename, ...(artifact.sha256 ? { sha256: artifact.sha256 } : {}) }],
    droppedWheels: sdist ? wheels.length : 0,
  };
}
