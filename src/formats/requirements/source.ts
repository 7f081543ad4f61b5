/**
 * What one requirement entry pins: its name, and either a version on the
 * index or a source of its own (a URL, a git commit, a local path).
 */
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { LockError, ParseError } from "../../errors.js";
import type { PackageSource } from "../../model.js";
import { isValidName, normalizeName } from "../../pep/normalize.js";
import { parseSdistFilename, parseWheelFilename } from "../../pep/tags.js";
import { isTable } from "../fields.js";
import { parseToml } from "../toml.js";
import { readHash } from "./options.js";
import type { Entry } from "./parser.js";
import { isArchive, isVcsUrl, normalizeExtras, optional } from "./spec.js";

/** A requirement as the reader needs it; `source` absent means the index. */
export interface Resolved {
  name: string;
  extras: string[];
  marker?: string;
  /** Index requirements: the specifier as written. */
  specifier?: string;
  source?: PackageSource;
  /** Known for index pins and where a file name or project file tells it. */
  version?: string;
  /** For url and file sources: the file's name. */
  filename?: string;
  hashes: string[];
  entry: Entry;
}

export interface SourceContext {
  /** The lock's folder, absolute: local paths in the model are relative to it. */
  lockDir: string;
  /** The folder relative local paths in the file mean (pip: the current folder). */
  cwd: string;
  /** Reads a file relative to the lock's folder. */
  read(rel: string): string | undefined;
}

/** The requirement as shown in messages: as written, without its marker. */
export function shown(entry: Entry): string {
  const text = entry.spec.form === "url" ? entry.text.split("; ")[0] : entry.text.split(";")[0];
  return (text as string).trim();
}

export function fail(entry: Entry, message: string, name?: string, kind: "parse" | "lock" = "lock"): never {
  const location = { ...entry.at, ...(name ? { package: name } : {}) };
  throw kind === "parse" ? new ParseError(message, location) : new LockError(message, location);
}

/** Splits pip's URL fragment (`#egg=name&subdirectory=dir&sha256=…`) off a URL. */
function fragment(url: string): { bare: string; egg?: string; subdirectory?: string; hash?: string } {
  const hashAt = url.indexOf("#");
  if (hashAt === -1) return { bare: url };
  const params = new Map<string, string>();
  for (const part of url.slice(hashAt + 1).split("&")) {
    const eq = part.indexOf("=");
    if (eq !== -1) params.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const hash = ["sha256", "sha1", "sha224", "sha384", "sha512", "md5"].find((a) => params.has(a));
  return {
    bare: url.slice(0, hashAt),
    ...optional("egg", params.get("egg")),
    ...optional("subdirectory", params.get("subdirectory")),
    ...optional("hash", hash && `${hash}:${params.get(hash)}`),
  };
}

/** `name` or `name[extra]` from `#egg=`. */
function eggName(egg: string, entry: Entry): { name: string; extras: string[] } {
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[([^\]]*)\])?$/.exec(egg);
  if (!m || !isValidName(m[1] as string)) {
    fail(entry, `\`#egg=${egg}\` in \`${shown(entry)}\` is not a package name (PEP 508)`, undefined, "parse");
  }
  const extras = m[2] ? m[2].split(",").map((e) => e.trim()).filter((e) => e !== "") : [];
  return { name: normalizeName(m[1] as string), extras: normalizeExtras(extras) };
}

function fileNameVersion(filename: string, entry: Entry): { name: string; version: string } | undefined {
  if (filename.toLowerCase().endsWith(".whl")) {
    try {
      const wheel = parseWheelFilename(filename);
      return { name: wheel.name, version: wheel.version };
    } catch (err) {
      return fail(entry, `\`${shown(entry)}\`: ${(err as Error).message}`, undefined, "parse");
    }
  }
  return parseSdistFilename(filename);
}

/** Resolves one requirement entry's name and source; an index requirement's pin is left to the caller. */
export function resolveEntry(entry: Entry, ctx: SourceContext): Resolved {
  const spec = entry.spec;
  const base = { extras: spec.extras, ...optional("marker", spec.marker), hashes: [...entry.hashes], entry };
  if (spec.form === "named" && spec.url === undefined) {
    return { ...base, name: normalizeName(spec.name), ...optional("specifier", spec.specifier) };
  }
  if (spec.form === "path") {
    const absolute = resolve(ctx.cwd, spec.path);
    return { ...base, ...local(absolute, entry, undefined, ctx) };
  }
  const url = spec.url as string;
  const named = spec.form === "named" ? normalizeName(spec.name) : undefined;
  const frag = fragment(url);
  if (frag.hash !== undefined) {
    const hash = readHash(frag.hash);
    if (typeof hash !== "string") fail(entry, hash.error, named, "parse");
    if (!base.hashes.includes(hash)) base.hashes.push(hash);
  }
  const egg = named === undefined && frag.egg !== undefined ? eggName(frag.egg, entry) : undefined;
  const hint = named ?? egg?.name;
  const extras = normalizeExtras([...base.extras, ...(egg?.extras ?? [])]);

  if (/^file:/i.test(frag.bare)) {
    let absolute: string;
    try {
      absolute = fileURLToPath(frag.bare);
    } catch (err) {
      return fail(entry, `\`${shown(entry)}\`: not a usable file: URL (${(err as Error).message})`, hint, "parse");
    }
    return { ...base, extras, ...local(absolute, entry, hint, ctx) };
  }
  if (isVcsUrl(frag.bare)) {
    return { ...base, extras, ...git(frag.bare, frag.subdirectory, entry, hint) };
  }

  let path: string;
  try {
    path = new URL(frag.bare).pathname;
  } catch {
    return fail(entry, `\`${shown(entry)}\` is not a valid URL`, hint, "parse");
  }
  let filename = basename(path);
  try {
    filename = decodeURIComponent(filename);
  } catch {
    // A malformed escape: keep the name as written.
  }
  const fromFile = filename === "" ? undefined : fileNameVersion(filename, entry);
  const name = hint ?? fromFile?.name;
  if (name === undefined) {
    fail(entry, `cannot tell which package \`${shown(entry)}\` is: write it as \`name @ ${frag.bare}\` (or add \`#egg=name\`)`);
  }
  if (fromFile && filename.toLowerCase().endsWith(".whl") && fromFile.name !== name) {
    fail(entry, `\`${shown(entry)}\`: the wheel ${filename} is of ${fromFile.name}, not ${name}`, name, "parse");
  }
  if (base.hashes.length > 1) {
    fail(entry, `\`${shown(entry)}\` names one file but gives ${base.hashes.length} different hashes`, name);
  }
  return {
    ...base,
    extras,
    name,
    source: { kind: "url", url: frag.bare, ...optional("subdirectory", frag.subdirectory) },
    ...optional("version", fromFile?.version),
    filename: filename || "source",
  };
}

function git(url: string, subdirectory: string | undefined, entry: Entry, name: string | undefined): Pick<Resolved, "name" | "source"> {
  if (!/^git[+:]/i.test(url)) {
    const scheme = url.split(":")[0] as string;
    fail(entry, `\`${shown(entry)}\`: lock2nix fetches git repositories only, not ${scheme.split("+")[0]}`, name);
  }
  if (name === undefined) {
    fail(entry, `cannot tell which package \`${shown(entry)}\` is: add \`#egg=name\` or write it as \`name @ ${url}\``);
  }
  const repo = url.replace(/^git\+/i, "");
  // pip's get_url_rev_and_auth: the revision follows the last `@` of the path, after the host.
  const hostEnd = repo.indexOf("/", repo.indexOf("://") + 3);
  const at = repo.lastIndexOf("@");
  const rev = hostEnd !== -1 && at > hostEnd ? repo.slice(at + 1) : undefined;
  const bare = rev === undefined ? repo : repo.slice(0, at);
  if (rev === undefined || !/^[0-9a-fA-F]{40}$/.test(rev)) {
    fail(
      entry,
      `\`${shown(entry)}\`: a git requirement must name a full commit (\`@<40 hex digits>\`), found ${rev === undefined ? "no revision" : `\`${rev}\``}: lock2nix needs a commit, and a branch or tag can move`,
      name,
    );
  }
  return { name, source: { kind: "git", url: bare, commit: rev.toLowerCase(), ...optional("subdirectory", subdirectory) } };
}

function local(absolute: string, entry: Entry, hint: string | undefined, ctx: SourceContext): Omit<Resolved, "extras" | "hashes" | "entry"> {
  const path = relative(ctx.lockDir, absolute) || ".";
  if (isArchive(absolute)) {
    const filename = basename(absolute);
    const fromFile = fileNameVersion(filename, entry);
    const name = hint ?? fromFile?.name;
    if (name === undefined) fail(entry, `cannot tell which package \`${shown(entry)}\` is: write it as \`name @ ${pathToFileURL(absolute).href}\``);
    return { name, source: { kind: "file", path }, ...optional("version", fromFile?.version), filename };
  }
  const editable = entry.editable;
  const project = projectMetadata(absolute, ctx);
  const name = hint ?? project?.name;
  if (name === undefined) {
    const folder = path === "." ? "the lock's folder" : path;
    const why = project === undefined ? `no pyproject.toml, setup.cfg or setup.py in ${folder}` : `the pyproject.toml or setup.cfg in ${folder} gives no static name`;
    fail(entry, `cannot tell which package \`${shown(entry)}\` is (${why}): write it as \`name @ ${pathToFileURL(absolute).href}\``);
  }
  return { name, source: { kind: "directory", path, editable }, ...optional("version", project?.version) };
}

/** A local project's static name and version, from pyproject.toml ([project], [tool.poetry]) or setup.cfg. */
function projectMetadata(dir: string, ctx: SourceContext): { name?: string; version?: string } | undefined {
  const rel = (file: string) => relative(ctx.lockDir, join(dir, file));
  const pyproject = ctx.read(rel("pyproject.toml"));
  const setupCfg = ctx.read(rel("setup.cfg"));
  const setupPy = ctx.read(rel("setup.py"));
  if (pyproject === undefined && setupCfg === undefined && setupPy === undefined) return undefined;
  if (pyproject !== undefined) {
    const doc = parseToml(pyproject, join(dirname(rel("pyproject.toml")), "pyproject.toml"));
    const tool = isTable(doc["tool"]) ? doc["tool"] : {};
    for (const table of [doc["project"], tool["poetry"]]) {
      if (!isTable(table) || typeof table["name"] !== "string") continue;
      const dynamic = Array.isArray(table["dynamic"]) ? table["dynamic"] : [];
      const version = typeof table["version"] === "string" && !dynamic.includes("version") ? table["version"] : undefined;
      return { name: normalizeName(table["name"]), ...optional("version", version) };
    }
  }
  if (setupCfg !== undefined) {
    const section = /^\[metadata\]\s*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(setupCfg)?.[1] ?? "";
    const name = /^name\s*[=:]\s*(\S+)\s*$/m.exec(section)?.[1];
    const version = /^version\s*[=:]\s*([0-9][^\s]*)\s*$/m.exec(section)?.[1];
    if (name && isValidName(name)) return { name: normalizeName(name), ...optional("version", version) };
  }
  return {};
}

/** Identifies a source for telling pins apart (a folder's editable flag aside). */
export function sourceKey(s: PackageSource): string {
  switch (s.kind) {
    case "index":
      return "index";
    case "urls":
      return "urls";
    case "url":
      return `url ${s.url} ${s.subdirectory ?? ""}`;
    case "git":
      return `git ${s.url} ${s.commit} ${s.subdirectory ?? ""}`;
    case "file":
      return `file ${s.path}`;
    case "directory":
      return `directory ${s.path}`;
  }
}
