/**
 * pip requirements files (`requirements.txt`, pip-compile and
 * `uv pip compile` output, hand-pinned files) as locks. lock2nix does not
 * resolve: every requirement must be pinned to one version (`==`, `===`),
 * by itself or by a constraints file, or name its own source.
 */
import { createHash } from "node:crypto";
import { dirname, relative, resolve } from "node:path";
import { satisfies } from "../../pep/specifier.js";
import { isValidVersion } from "../../pep/version.js";
import { LockError } from "../../errors.js";
import { redactUrl } from "../../index/credentials.js";
import { isPypiIndex } from "../../index/pypi-urls.js";
import type { Artifact, Dependency, Lock, LockedPackage, PackageSource } from "../../model.js";
import { comparePackages } from "../../model.js";
import { DEFAULT_GROUP, PYPI_SIMPLE_URL } from "../../model.js";
import { normalizeName } from "../../pep/normalize.js";
import type { LockInput } from "../types.js";
import type { Environment } from "./lexer.js";
import { siteText, type GlobalOptions, type Site } from "./options.js";
import { readTree, type Entry, type RequirementsTree } from "./parser.js";
import { fail, resolveEntry, shown, sourceKey, type Resolved, type SourceContext } from "./source.js";
import { optional } from "./spec.js";

export interface ReadRequirementsOptions {
  /** Where `${VAR}` gets its values; default the process environment. */
  env?: Environment;
  /** The folder relative local paths (`./pkg`, `-e .`) mean, as pip's current folder; default the entry file's. */
  cwd?: string;
}

export interface RequirementsIndex {
  url: string;
  name: string;
}

export interface RequirementsResult {
  lock: Lock;
  /** The index every index package comes from, then the `--extra-index-url`s (not yet searched). */
  indexes: RequirementsIndex[];
  /** File-wide options as written, with where. */
  options: GlobalOptions;
  /** pip's --no-binary/--only-binary verdict per package: only wheels, or only sdists. */
  only: Map<string, "wheel" | "sdist">;
  /** Package name -> the lines that require it, in reading order. */
  origins: Map<string, Site[]>;
}

const FORMAT = "requirements";

/** Reads a requirements file and the files it includes. */
export function readRequirements(input: LockInput, options: ReadRequirementsOptions = {}): Lock {
  return readRequirementsTree(input, options).lock;
}

interface Candidate {
  pkg: LockedPackage;
  key: string;
  /** Markers of the requirements this entry came from; undefined once one has none. */
  markers: string[] | undefined;
  first: Resolved;
  deps: Dependency[];
}

export function readRequirementsTree(input: LockInput, options: ReadRequirementsOptions = {}): RequirementsResult {
  const env = options.env ?? process.env;
  const tree = readTree(input, env);
  const lockDir = resolve(dirname(input.path));
  const ctx: SourceContext = {
    lockDir,
    cwd: options.cwd ? resolve(options.cwd) : lockDir,
    read: (rel) => input.readSibling(rel),
  };
  const index = indexOf(tree.options);
  const constraints = constraintsByName(tree.entries, ctx);
  const resolved = tree.entries.filter((e) => !e.constraint).map((e) => pin(resolveEntry(e, ctx), constraints, ctx));

  const byName = new Map<string, Candidate[]>();
  const rootDeps: Dependency[] = [];
  for (const r of resolved) {
    const source: PackageSource = r.source ?? { kind: "index", url: index.url, ...optional("name", index.name) };
    const version = r.version ?? "0";
    const key = `${version} ${sourceKey(source)}`;
    const candidates = byName.get(r.name) ?? [];
    byName.set(r.name, candidates);
    let candidate = candidates.find((c) => c.key === key);
    if (candidate) {
      mergeInto(candidate, r);
    } else {
      const clash = candidates.find((c) => r.marker === undefined || c.markers === undefined || c.markers.includes(r.marker));
      if (clash) {
        fail(
          r.entry,
          `\`${shown(r.entry)}\` conflicts with \`${shown(clash.first.entry)}\` (${siteText(clash.first.entry.at)}): a package is pinned once, or once per environment marker`,
          r.name,
        );
      }
      candidate = {
        pkg: { name: r.name, version, ...(r.version === undefined ? { versionUnknown: true } : {}), source, artifacts: artifactsOf(r, source), dependencies: [], extras: {}, groups: [DEFAULT_GROUP] },
        key,
        markers: r.marker === undefined ? undefined : [r.marker],
        first: r,
        deps: [],
      };
      candidates.push(candidate);
    }
    const dep: Dependency = { name: r.name, extras: r.extras, ...optional("marker", r.marker) };
    if (!candidate.deps.some((d) => JSON.stringify(d) === JSON.stringify(dep))) {
      candidate.deps.push(dep);
      rootDeps.push(dep);
    }
  }

  const packages: LockedPackage[] = [];
  for (const candidates of byName.values()) {
    for (const c of candidates) {
      if (candidates.length > 1) {
        // Several pins of one name under different markers: each entry applies where its requirements do.
        const markers = c.markers as string[];
        c.pkg.marker = markers.length === 1 ? (markers[0] as string) : markers.map((m) => `(${m})`).join(" or ");
        for (const d of c.deps) Object.assign(d, { version: c.pkg.version, source: c.pkg.source });
      }
      packages.push(c.pkg);
    }
  }
  checkHashes(resolved, tree);
  const warnings = [...tree.warnings, ...optionWarnings(tree.options, index, resolved)];
  packages.sort(comparePackages);

  const only = new Map<string, "wheel" | "sdist">();
  for (const p of packages) {
    // A requirements file is flat: it never says what a package depends on.
    p.unknownDependencies = true;
    const o = tree.options.formatControl.only(p.name);
    if (o) {
      only.set(p.name, o);
      p.only = o;
    }
  }
  const extras = tree.options.extraIndexUrls.map((e) => ({ url: e.url, name: hostName(e.url) }));
  const lock: Lock = {
    format: FORMAT,
    file: input.path,
    sha256: treeHash(tree, input, lockDir),
    root: { groups: { [DEFAULT_GROUP]: rootDeps }, extras: {}, ...(extras.length > 0 ? { indexes: extras } : {}) },
    packages,
    warnings,
  };
  const origins = new Map<string, Site[]>();
  for (const r of resolved) origins.set(r.name, [...(origins.get(r.name) ?? []), r.entry.at]);
  return { lock, indexes: [{ url: index.url, name: index.name ?? hostName(index.url) }, ...extras], options: tree.options, only, origins };
}

function indexOf(options: GlobalOptions): { url: string; name?: string } {
  const url = options.indexUrl?.url ?? PYPI_SIMPLE_URL;
  return isPypiIndex(url) ? { url, name: "pypi" } : { url };
}

function hostName(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

function artifactsOf(r: Resolved, source: PackageSource): Artifact[] {
  if (source.kind === "index") return r.hashes.map((sha256) => ({ filename: "", sha256 }));
  if (source.kind === "url") return [{ filename: r.filename as string, url: source.url, ...optional("sha256", r.hashes[0]) }];
  if (source.kind === "file") return r.hashes[0] ? [{ filename: r.filename as string, sha256: r.hashes[0] }] : [];
  if (r.hashes.length > 0) {
    fail(r.entry, `\`${shown(r.entry)}\` has \`--hash\`, but a ${source.kind === "git" ? "git repository" : "source folder"} has no file to check it against (pip refuses this too)`, r.name);
  }
  return [];
}

function mergeInto(c: Candidate, r: Resolved): void {
  if (c.pkg.source.kind === "directory" && r.source?.kind === "directory" && r.source.editable) c.pkg.source.editable = true;
  if (c.markers !== undefined) c.markers = r.marker === undefined ? undefined : [...new Set([...c.markers, r.marker])];
  const artifacts = c.pkg.artifacts;
  if (c.pkg.source.kind === "index") {
    for (const h of r.hashes) if (!artifacts.some((a) => a.sha256 === h)) artifacts.push({ filename: "", sha256: h });
    return;
  }
  const have = artifacts[0]?.sha256;
  const extra = r.hashes.find((h) => h !== have);
  if (extra !== undefined && have !== undefined) {
    fail(r.entry, `\`${shown(r.entry)}\` gives sha256 ${extra}, but ${siteText(c.first.entry.at)} gives ${have} for the same file`, r.name);
  }
  if (extra !== undefined && artifacts[0]) artifacts[0] = { ...artifacts[0], sha256: extra };
  else if (extra !== undefined) artifacts.push({ filename: r.filename as string, sha256: extra });
}

/** Constraint entries by name; a constraint must be named and not editable, as pip requires. Read when used. */
function constraintsByName(entries: Entry[], ctx: SourceContext): Map<string, Entry[]> {
  const out = new Map<string, Entry[]>();
  for (const entry of entries) {
    if (!entry.constraint) continue;
    if (entry.editable) fail(entry, `\`${shown(entry)}\`: editable requirements are not allowed as constraints (pip refuses them too)`);
    if (entry.spec.form === "path") fail(entry, `\`${shown(entry)}\`: unnamed requirements are not allowed as constraints (pip refuses them too)`);
    const name = entry.spec.form === "named" ? normalizeName(entry.spec.name) : resolveEntry(entry, ctx).name;
    out.set(name, [...(out.get(name) ?? []), entry]);
  }
  return out;
}

/** An exact pin's version, or why the specifier is not one. */
function exactPin(specifier: string | undefined): { version: string } | { why: string } {
  if (!specifier) return { why: "no version given" };
  const m = /^(===?)(.+)$/.exec(specifier);
  if (m && !specifier.includes(",")) {
    if (m[1] === "==" && (m[2] as string).endsWith(".*")) return { why: `\`${specifier}\` is a wildcard` };
    return { version: m[2] as string };
  }
  return { why: `\`${specifier}\` allows more than one version` };
}

/** Whether a pinned version meets a specifier; pins name their pre-releases, so pip admits them. */
function allows(specifier: string, version: string): boolean {
  if (!isValidVersion(version)) return true;
  try {
    return satisfies(version, specifier, { prereleases: true });
  } catch {
    return true;
  }
}

/**
 * Gives an index requirement its version, from itself or from a constraint
 * (pip applies a constraint to a package only when something requires it),
 * and checks every constraint that applies agrees.
 */
function pin(r: Resolved, constraints: Map<string, Entry[]>, ctx: SourceContext): Resolved {
  const applicable = (constraints.get(r.name) ?? [])
    .filter((e) => e.spec.marker === undefined || e.spec.marker === r.marker)
    .map((e) => resolveEntry(e, ctx));
  const conflict = (c: Resolved): never =>
    fail(r.entry, `\`${shown(r.entry)}\` conflicts with constraint \`${shown(c.entry)}\` (${siteText(c.entry.at)})`, r.name);
  const own = exactPin(r.specifier);
  let result: Resolved = r.source === undefined && "version" in own ? { ...r, version: own.version } : r;
  let pinnedBy: Resolved | undefined;
  for (const c of applicable) {
    if (r.source !== undefined) {
      if (c.source !== undefined && sourceKey(c.source) !== sourceKey(r.source)) conflict(c);
      continue;
    }
    if (c.source !== undefined) {
      if (result.version !== undefined || result.source !== undefined) conflict(c);
      result = { ...result, source: c.source, ...optional("version", c.version), ...optional("filename", c.filename), hashes: union(result.hashes, c.hashes) };
      pinnedBy = c;
      continue;
    }
    const cpin = exactPin(c.specifier);
    if (!("version" in cpin)) continue;
    if (result.source !== undefined) conflict(c);
    const version = result.version === undefined ? cpin.version : commonPin(result.version, cpin.version);
    if (version === undefined) conflict(c);
    result = { ...result, version, hashes: union(result.hashes, c.hashes) };
    pinnedBy ??= c;
  }
  if (result.version === undefined && result.source === undefined) {
    fail(
      r.entry,
      `\`${shown(r.entry)}\` is not pinned (${"why" in own ? own.why : ""}): lock2nix turns locks into Nix and does not resolve versions; pin every requirement to one version with \`==\` (pip-compile and \`uv pip compile\` write such files)`,
      r.name,
    );
  }
  const version = result.version;
  if (version !== undefined) {
    if (pinnedBy && r.specifier && !allows(r.specifier, version)) conflict(pinnedBy);
    for (const c of applicable) if (c.source === undefined && c.specifier && !allows(c.specifier, version)) conflict(c);
  }
  return result;
}

/**
 * The version both `==a` and `==b` admit, as pip's resolver finds it: `1.0` and
 * `1.0.0` are one version; `2.1.0` admits `2.1.0+cu118`, which is then the one.
 */
function commonPin(a: string, b: string): string | undefined {
  if (a === b) return a;
  return [a, b].find((v) => isValidVersion(v) && allows(`==${a}`, v) && allows(`==${b}`, v));
}

const union = (a: string[], b: string[]): string[] => [...new Set([...a, ...b])];

/** pip's hash-checking mode: with `--require-hashes`, or once any requirement has a hash, every file must have one. */
function checkHashes(resolved: Resolved[], tree: RequirementsTree): void {
  const explicit = tree.options.requireHashes;
  // pip's get_requirements: any `--hash` option, constraints' too (a URL's `#sha256=` does not count).
  const hashed = tree.entries.find((e) => e.hashes.length > 0);
  if (!explicit && !hashed) return;
  for (const r of resolved) {
    const kind = r.source?.kind ?? "index";
    if (r.hashes.length > 0 || (kind !== "index" && kind !== "url" && kind !== "file")) continue;
    const why = explicit
      ? `\`--require-hashes\` (${siteText(explicit)}) asks a hash of every requirement`
      : `other requirements have one (\`${shown(hashed as Entry)}\` at ${siteText((hashed as Entry).at)}), which puts pip in hash-checking mode for every requirement`;
    throw new LockError(`\`${shown(r.entry)}\` has no \`--hash\`, but ${why}; pip would refuse this file`, { ...r.entry.at, package: r.name });
  }
}

function optionWarnings(o: GlobalOptions, index: { url: string }, resolved: Resolved[]): string[] {
  const warnings: string[] = [];
  const at = (s: Site) => siteText(s);
  const onIndex = resolved.find((r) => r.source === undefined);
  if (o.noIndex && onIndex) {
    const link = o.findLinks[0];
    const message = link
      ? `\`${shown(onIndex.entry)}\` can only come from the find-links location ${link.location} (${at(link.at)}), as \`--no-index\` (${at(o.noIndex)}) turns the index off; lock2nix does not support --find-links`
      : `\`${shown(onIndex.entry)}\` needs a package index, but \`--no-index\` (${at(o.noIndex)}) turns it off`;
    throw new LockError(message, { ...onIndex.entry.at, package: onIndex.name });
  }
  for (const l of o.findLinks) {
    warnings.push(
      `${at(l.at)}: \`--find-links ${redactUrl(l.location)}\` is not supported: packages may come from find-links locations, but lock2nix looks every package up on ${redactUrl(index.url)} only`,
    );
  }
  for (const t of o.trustedHosts) warnings.push(`${at(t.at)}: \`--trusted-host ${t.host}\` is ignored: lock2nix always verifies TLS`);
  if (o.pre) warnings.push(`${at(o.pre)}: \`--pre\` is ignored: exact pins allow pre-releases anyway`);
  if (o.preferBinary) warnings.push(`${at(o.preferBinary)}: \`--prefer-binary\` is ignored: pass --prefer-wheels to lock2nix to prefer wheels`);
  for (const f of o.features) warnings.push(`${at(f.at)}: \`--use-feature ${f.feature}\` is ignored (it changes how pip works, not what the file pins)`);
  return warnings;
}

/** The entry file's sha256, or, when it includes others, of every file read with its path. */
function treeHash(tree: RequirementsTree, input: LockInput, lockDir: string): string {
  const hash = createHash("sha256");
  if (tree.files.length === 1) return hash.update(input.text).digest("hex");
  for (const f of tree.files) hash.update(`${relative(lockDir, resolve(f.path))}\0${f.text}\0`);
  return hash.digest("hex");
}
