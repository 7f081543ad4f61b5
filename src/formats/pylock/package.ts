import { LockError, ParseError } from "../../errors.js";
import type { Artifact, PackageSource } from "../../model.js";
import { PYPI_SIMPLE_URL } from "../../model.js";
import { parseSdistFilename, parseWheelFilename } from "../../pep/tags.js";
import { Fields, isTable } from "../fields.js";

/** A file entry (`archive`, `sdist`, one of `wheels`), read. */
interface LockedFile {
  name: string;
  sha256: string;
  url?: string;
  path?: string;
}

export interface PylockSource {
  source: PackageSource;
  artifacts: Artifact[];
  /** The version the file names give, for entries that state none. */
  versionFromFiles?: string;
}

function lastSegment(location: string): string {
  const path = location.split(/[?#]/, 1)[0] as string;
  const last = path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

function describe(v: unknown): string {
  return Array.isArray(v) ? "an array" : isTable(v) ? "a table" : `${typeof v} ${JSON.stringify(v)}`;
}

/** Reads `{name?, url?, path?, size?, upload-time?, hashes}`; sha256 is required of every file. */
function readFile(table: unknown, what: string, owner: Fields): LockedFile {
  if (!isTable(table)) throw new ParseError(`${owner.where}: \`${what}\` must be a table, found ${describe(table)}`, owner.location);
  const f = new Fields(table, `${owner.where}, ${what}`, owner.location);
  const url = f.optString("url");
  const path = f.optString("path");
  const location = url ?? path;
  const name = f.optString("name") ?? (location !== undefined ? lastSegment(location) : undefined);
  if (name === undefined || name === "") {
    throw new ParseError(`${f.where}: a file needs a \`name\`, \`url\` or \`path\``, f.location);
  }
  const size = f.raw("size");
  if (size !== undefined && !(typeof size === "number" && Number.isInteger(size) && size >= 0)) {
    throw new ParseError(`${f.where} ${name}: \`size\` must be a whole number of bytes, found ${describe(size)}`, f.location);
  }
  const uploaded = f.raw("upload-time");
  if (uploaded !== undefined && !(uploaded instanceof Date)) {
    throw new ParseError(`${f.where} ${name}: \`upload-time\` must be a TOML datetime, found ${describe(uploaded)}`, f.location);
  }
  const hashes = f.optTable("hashes");
  if (!hashes) throw new ParseError(`${f.where} ${name}: \`hashes\` must be a table such as {sha256 = "…"}, found nothing`, f.location);
  for (const [algo, value] of Object.entries(hashes)) {
    if (typeof value !== "string") {
      throw new ParseError(`${f.where} ${name}: hash \`${algo}\` must be a string, found ${describe(value)}`, f.location);
    }
  }
  const sha256 = hashes["sha256"] as string | undefined;
  if (sha256 === undefined) {
    const found = Object.keys(hashes).join(", ") || "none";
    throw new ParseError(`${f.where} ${name}: \`hashes\` has no sha256 (found ${found}); lock2nix pins every file by its sha256`, f.location);
  }
  if (!/^[0-9a-fA-F]{64}$/.test(sha256)) {
    throw new ParseError(`${f.where} ${name}: sha256 \`${sha256}\` is not 64 hex digits`, f.location);
  }
  return { name, sha256: sha256.toLowerCase(), ...(url !== undefined ? { url } : {}), ...(path !== undefined ? { path } : {}) };
}

function versionOfFile(name: string): string | undefined {
  if (name.endsWith(".whl")) {
    try {
      return parseWheelFilename(name).version;
    } catch {
      return undefined;
    }
  }
  return parseSdistFilename(name)?.version;
}

/** A `file:` URL as a path; other locations unchanged. */
function localPath(file: LockedFile): string | undefined {
  if (file.path !== undefined) return file.path;
  if (file.url !== undefined && /^file:/i.test(file.url)) return decodeURIComponent(new URL(file.url).pathname);
  return undefined;
}

function readVcs(f: Fields): PackageSource {
  const vcs = f.sub("vcs", `${f.where}, vcs`) as Fields;
  const type = vcs.string("type");
  if (type !== "git") throw new LockError(`${vcs.where}: ${type} repositories are not supported (only git)`, f.location);
  const url = vcs.optString("url");
  const path = vcs.optString("path");
  if (url === undefined) {
    if (path !== undefined) throw new LockError(`${vcs.where}: a git repository given by local \`path\` (${path}) is not supported; give its \`url\``, f.location);
    throw new ParseError(`${vcs.where}: needs \`url\` or \`path\``, f.location);
  }
  const commit = vcs.optString("commit-id");
  if (commit === undefined || !/^[0-9a-f]{40}$/.test(commit)) {
    throw new ParseError(`${vcs.where}: \`commit-id\` must be the full commit (40 hex digits), found ${commit ?? "nothing"}`, f.location);
  }
  const ref = vcs.optString("requested-revision");
  const subdirectory = vcs.optString("subdirectory");
  return { kind: "git", url, commit, ...(ref ? { ref } : {}), ...(subdirectory ? { subdirectory } : {}) };
}

function readDirectory(f: Fields): PackageSource {
  const dir = f.sub("directory", `${f.where}, directory`) as Fields;
  const path = dir.string("path");
  const subdirectory = dir.optString("subdirectory");
  return {
    kind: "directory",
    path: subdirectory ? `${path.replace(/[/\\]+$/, "")}/${subdirectory}` : path,
    editable: dir.optBoolean("editable") ?? false,
  };
}

function readArchive(f: Fields): PylockSource {
  const file = readFile(f.raw("archive"), "archive", f);
  const subdirectory = new Fields(f.optTable("archive") ?? {}, "", f.location).optString("subdirectory");
  const artifact: Artifact = { filename: file.name, sha256: file.sha256 };
  const path = localPath(file);
  if (path !== undefined) {
    if (subdirectory) throw new LockError(`${f.where}: a \`subdirectory\` inside the local archive ${path} is not supported`, f.location);
    return { source: { kind: "file", path }, artifacts: [artifact] };
  }
  const url = file.url as string;
  return {
    source: { kind: "url", url, ...(subdirectory ? { subdirectory } : {}) },
    artifacts: [{ ...artifact, url }],
  };
}

function readDistributions(f: Fields): PylockSource {
  const files: LockedFile[] = [];
  if (f.has("sdist")) files.push(readFile(f.raw("sdist"), "sdist", f));
  const byName = new Map<string, LockedFile>();
  for (const entry of f.optArray("wheels") ?? []) {
    const wheel = readFile(entry, "wheels", f);
    const seen = byName.get(wheel.name);
    if (seen && seen.sha256 !== wheel.sha256) {
      throw new ParseError(
        `${f.where}: wheel ${wheel.name} is listed twice with different sha256 hashes (${seen.sha256} and ${wheel.sha256}); one file has one hash, so the lock is malformed`,
        f.location,
      );
    }
    if (!seen) {
      byName.set(wheel.name, wheel);
      files.push(wheel);
    }
  }
  if (files.length === 0) throw new ParseError(`${f.where}: \`wheels\` lists no files and there is no \`sdist\``, f.location);
  const versionFromFiles = files.map((file) => versionOfFile(file.name)).find((v) => v !== undefined);
  const local = files.filter((file) => localPath(file) !== undefined);
  if (local.length > 0) {
    if (files.length > 1) {
      throw new LockError(
        `${f.where}: files given by a local path (${local.map((l) => l.name).join(", ")}) are only supported when the package has that one file`,
        f.location,
      );
    }
    const file = files[0] as LockedFile;
    return {
      source: { kind: "file", path: localPath(file) as string },
      artifacts: [{ filename: file.name, sha256: file.sha256 }],
      ...(versionFromFiles ? { versionFromFiles } : {}),
    };
  }
  const index = f.optString("index");
  // Without `index` (pip writes none) the lock's own URLs are where the files are.
  const allHaveUrls = files.every((file) => file.url !== undefined);
  return {
    source: index !== undefined ? { kind: "index", url: index } : allHaveUrls ? { kind: "urls" } : { kind: "index", url: PYPI_SIMPLE_URL },
    artifacts: files.map((file) => ({ filename: file.name, sha256: file.sha256, ...(file.url !== undefined ? { url: file.url } : {}) })),
    ...(versionFromFiles ? { versionFromFiles } : {}),
  };
}

/** Reads where a `[[packages]]` entry comes from: exactly one of vcs, directory, archive, or sdist/wheels. */
export function readPylockSource(f: Fields): PylockSource {
  const kinds = [
    f.has("vcs") && "`vcs`",
    f.has("directory") && "`directory`",
    f.has("archive") && "`archive`",
    (f.has("sdist") || f.has("wheels")) && "`sdist`/`wheels`",
  ].filter((k): k is string => typeof k === "string");
  if (kinds.length === 0) {
    throw new ParseError(`${f.where}: a package needs one of \`vcs\`, \`directory\`, \`archive\`, \`sdist\` or \`wheels\``, f.location);
  }
  if (kinds.length > 1) {
    throw new ParseError(`${f.where}: ${kinds.join(" and ")} are mutually exclusive (PEP 751); a package has one source`, f.location);
  }
  f.optString("index");
  if (f.has("vcs")) return { source: readVcs(f), artifacts: [] };
  if (f.has("directory")) return { source: readDirectory(f), artifacts: [] };
  if (f.has("archive")) return readArchive(f);
  return readDistributions(f);
}
