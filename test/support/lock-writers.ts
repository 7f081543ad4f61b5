// Writes uv.lock, pdm.lock (with its pyproject.toml), pylock.toml, Pipfile.lock (with its Pipfile) and requirements.txt text
// for the fixture packages, laid out the way each tool writes them, so the
// readers meet files shaped like real ones, not like a TOML library's:
//
// - uv.lock version 1, revision 3, as uv 0.8+ writes it (toml_edit);
// - pdm.lock lock_version 4.5.0, as pdm 2.20+ writes it (tomlkit), with the
//   inherit_metadata strategy, and the pyproject.toml pdm reads;
// - pylock.toml (PEP 751) as `pip lock` writes it (tomli_w; one environment,
//   one file a package, no index, marker, size or upload-time), or as
//   `uv export --format pylock.toml` writes it (every environment: index,
//   markers, the sdist and every wheel with size and upload-time);
// - Pipfile and Pipfile.lock as pipenv 2023+ writes them (pipfile-spec 6);
// - requirements.txt as pip-compile (pip-tools 7) writes it, with or
//   without --generate-hashes, or as `pip freeze` prints it.
//
// Only the packages reachable from the root are written, so the whole
// fixture set can be passed in.

import { createHash } from "node:crypto";
import { evaluateMarkerText, markerEnvironmentFor, type MarkerEnvironment } from "../../src/pep/markers.js";
import type { FixtureDependency, FixturePackage } from "./fixture-packages.js";
import { pythonJsonDumps, tomlString, transitiveMarkers, type RootProject as PoetryRoot } from "./poetry-lock-writer.js";
import { pipfileLockText, type PipenvEntry } from "../formats/pipenv/pipfile-lock-writer.js";

/** The project being locked: what its pyproject.toml asks for. */
export interface LockRoot {
  name: string;
  version: string;
  /** PEP 440, e.g. ">=3.11". */
  requiresPython: string;
  /** Direct dependencies; markers double-quoted, as in the fixtures. */
  dependencies: FixtureDependency[];
}

/** Where the files are: the loopback IndexServer fits. */
export interface LockIndex {
  /** The simple API root, e.g. http://127.0.0.1:PORT/simple/ */
  simpleUrl: string;
  fileUrl(filename: string): string;
}

export interface WriterOptions {
  root: LockRoot;
  index: LockIndex;
  /** The files' upload time (ISO 8601); defaults to the index server's fixed time. */
  uploadTime?: string;
}

/** The index server's default upload time (test/support/index-formats.ts DEFAULT_UPLOAD_TIME). */
export const FIXTURE_UPLOAD_TIME = "2024-01-02T03:04:05.678901Z";

const canonical = (name: string): string => name.replace(/[-_.]+/g, "-").toLowerCase();
const byName = <T extends { name: string }>(a: T, b: T): number => (canonical(a.name) < canonical(b.name) ? -1 : canonical(a.name) > canonical(b.name) ? 1 : 0);
const withoutSlash = (url: string): string => url.replace(/\/+$/, "");

/** uv and pip print markers with single quotes; the fixtures write double ones. */
const singleQuoted = (marker: string): string => marker.replace(/"/g, "'");

/** jiff's Timestamp display at millisecond precision: `2024-01-02T03:04:05.678Z`, no fraction when zero. */
function millisecondTime(iso: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(?:Z|\+00:00)$/.exec(iso);
  if (!m) throw new Error(`not a UTC ISO 8601 time: ${iso}`);
  const fraction = (m[2] ?? "").slice(0, 3).replace(/0+$/, "");
  return `${m[1]}${fraction ? `.${fraction}` : ""}Z`;
}

function poetryRoot(root: LockRoot): PoetryRoot {
  return {
    name: root.name,
    version: root.version,
    dependencies: root.dependencies.map((d) => ({
      name: d.name,
      ...(d.extras?.length ? { extras: d.extras } : {}),
      ...(d.marker ? { markers: d.marker } : {}),
    })),
  };
}

/**
 * The packages a universal lock holds (every environment) and the marker
 * under which each is needed: undefined for always.
 */
function universal(packages: FixturePackage[], root: LockRoot): Array<{ pkg: FixturePackage; marker: string | undefined }> {
  const markers = transitiveMarkers(packages, poetryRoot(root));
  return packages
    .filter((p) => markers.has(canonical(p.name)))
    .sort(byName)
    .map((pkg) => ({ pkg, marker: markers.get(canonical(pkg.name)) }));
}

/** What one environment installs: the dependencies whose markers hold there, extras followed. */
function installedIn(packages: FixturePackage[], root: LockRoot, env: MarkerEnvironment): FixturePackage[] {
  const known = new Map(packages.map((p) => [canonical(p.name), p]));
  const extrasSeen = new Map<string, Set<string>>();
  const visit = (dep: FixtureDependency, extraOf?: string): void => {
    if (dep.marker && !evaluateMarkerText(dep.marker, env, extraOf ? new Set([extraOf]) : new Set())) return;
    const key = canonical(dep.name);
    const pkg = known.get(key);
    if (!pkg) throw new Error(`${dep.name} is required but not among the packages`);
    const seen = extrasSeen.get(key);
    const fresh = (dep.extras ?? []).filter((e) => !seen?.has(e));
    if (seen && fresh.length === 0) return;
    const now = new Set([...(seen ?? []), ...fresh]);
    extrasSeen.set(key, now);
    if (!seen) pkg.dependencies.forEach((d) => visit(d));
    for (const extra of fresh) (pkg.extras[extra] ?? []).forEach((d) => visit(d, extra));
  };
  root.dependencies.forEach((d) => visit(d));
  return packages.filter((p) => extrasSeen.has(canonical(p.name))).sort(byName);
}

const sortedFiles = (pkg: FixturePackage) => [...pkg.files].sort((a, b) => (a.filename < b.filename ? -1 : 1));

// ---- uv.lock ----

/** toml_edit's inline table: `{ k = v, … }`. */
const inlineTable = (entries: Array<[string, string]>): string => `{ ${entries.map(([k, v]) => `${k} = ${v}`).join(", ")} }`;
/** uv's `each_element_on_its_line_array`. */
const eachOnItsLine = (items: string[]): string => `[\n${items.map((i) => `    ${i},\n`).join("")}]`;
const inlineArray = (items: string[]): string => `[${items.join(", ")}]`;

function uvDependency(dep: FixtureDependency): string {
  const fields: Array<[string, string]> = [["name", tomlString(canonical(dep.name))]];
  if (dep.extras?.length) fields.push(["extra", inlineArray([...dep.extras].sort().map(tomlString))]);
  if (dep.marker) fields.push(["marker", tomlString(singleQuoted(dep.marker))]);
  return inlineTable(fields);
}

/** A `[package.metadata] requires-dist` entry: name, extras, marker, specifier. */
function uvRequirement(dep: FixtureDependency): string {
  const fields: Array<[string, string]> = [["name", tomlString(canonical(dep.name))]];
  if (dep.extras?.length) fields.push(["extras", inlineArray([...dep.extras].sort().map(tomlString))]);
  if (dep.marker) fields.push(["marker", tomlString(singleQuoted(dep.marker))]);
  if (dep.specifier) fields.push(["specifier", tomlString(dep.specifier)]);
  return inlineTable(fields);
}

const uvDependencyList = (deps: FixtureDependency[]): string => eachOnItsLine([...deps].sort(byName).map(uvDependency));

export interface UvLockOptions extends WriterOptions {
  /** How the project itself is recorded: `virtual = "."` (an application, the default) or `editable = "."`. */
  rootSource?: "virtual" | "editable";
}

/** uv.lock version 1 revision 3, as uv 0.8+ writes it for the root project and the packages it reaches. */
export function writeUvLock(packages: FixturePackage[], options: UvLockOptions): string {
  const { root, index } = options;
  const registry = withoutSlash(index.simpleUrl);
  const uploaded = millisecondTime(options.uploadTime ?? FIXTURE_UPLOAD_TIME);
  const file = (f: FixturePackage["files"][number]): string =>
    inlineTable([
      ["url", tomlString(index.fileUrl(f.filename))],
      ["hash", tomlString(`sha256:${f.sha256}`)],
      ["size", String(f.size)],
      ["upload-time", tomlString(uploaded)],
    ]);

  const entries: Array<{ name: string; text: string }> = [];
  for (const { pkg } of universal(packages, root)) {
    const lines = ["[[package]]", `name = ${tomlString(canonical(pkg.name))}`, `version = ${tomlString(pkg.version)}`];
    lines.push(`source = ${inlineTable([["registry", tomlString(registry)]])}`);
    if (pkg.dependencies.length) lines.push(`dependencies = ${uvDependencyList(pkg.dependencies)}`);
    const files = sortedFiles(pkg);
    const sdist = files.find((f) => f.kind === "sdist");
    const wheels = files.filter((f) => f.kind === "wheel");
    if (sdist) lines.push(`sdist = ${file(sdist)}`);
    if (wheels.length) lines.push(`wheels = ${eachOnItsLine(wheels.map(file))}`);
    const extras = Object.entries(pkg.extras).sort(([a], [b]) => (a < b ? -1 : 1));
    if (extras.length) {
      lines.push("", "[package.optional-dependencies]", ...extras.map(([e, deps]) => `${e} = ${uvDependencyList(deps)}`));
    }
    entries.push({ name: canonical(pkg.name), text: lines.join("\n") });
  }

  const project = ["[[package]]", `name = ${tomlString(canonical(root.name))}`, `version = ${tomlString(root.version)}`];
  project.push(`source = ${inlineTable([[options.rootSource ?? "virtual", tomlString(".")]])}`);
  if (root.dependencies.length) project.push(`dependencies = ${uvDependencyList(root.dependencies)}`);
  const requires = [...root.dependencies].sort(byName).map(uvRequirement);
  // uv writes a single requirement inline, more one a line.
  const requiresDist = requires.length === 1 ? inlineArray(requires) : requires.length ? eachOnItsLine(requires) : "[]";
  project.push("", "[package.metadata]", `requires-dist = ${requiresDist}`);
  entries.push({ name: canonical(root.name), text: project.join("\n") });

  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const head = ["version = 1", "revision = 3", `requires-python = ${tomlString(root.requiresPython)}`].join("\n");
  return `${[head, ...entries.map((e) => e.text)].join("\n\n")}\n`;
}

// ---- pdm.lock and pyproject.toml ----

/** pdm's `Requirement.as_line()`: `name[extras]specifier; marker`. */
function pdmLine(dep: FixtureDependency): string {
  const extras = dep.extras?.length ? `[${[...dep.extras].sort().join(",")}]` : "";
  return `${canonical(dep.name)}${extras}${dep.specifier ?? ""}${dep.marker ? `; ${dep.marker}` : ""}`;
}

/** tomlkit's multi-line array of strings as pdm writes `dependencies`. */
const pdmStringArray = (items: string[]): string => `[\n${items.map((i) => `    ${tomlString(i)},\n`).join("")}]`;

/** `pdm add` saves `>=` the locked version (the "minimum" save strategy). */
function pdmRootLine(dep: FixtureDependency, packages: FixturePackage[]): string {
  const locked = packages.find((p) => canonical(p.name) === canonical(dep.name));
  return pdmLine({ ...dep, specifier: dep.specifier ?? (locked ? `>=${locked.version}` : undefined) });
}

/** The pyproject.toml pdm reads: `pdm init` (an application), `pdm add`, and the index as the source named pypi. */
export function writePdmPyproject(packages: FixturePackage[], options: WriterOptions): string {
  const { root, index } = options;
  const deps = root.dependencies.map((d) => pdmRootLine(d, packages));
  return [
    [
      "[project]",
      `name = ${tomlString(root.name)}`,
      `version = ${tomlString(root.version)}`,
      `description = ${tomlString("Default template for PDM package")}`,
      "authors = [\n    {name = \"lock2nix tests\", email = \"tests@example.invalid\"},\n]",
      `dependencies = ${deps.length ? pdmStringArray(deps) : "[]"}`,
      `requires-python = ${tomlString(root.requiresPython)}`,
      `readme = "README.md"`,
      `license = {text = "MIT"}`,
      "",
    ].join("\n"),
    ["", "[tool.pdm]", "distribution = false", ""].join("\n"),
    ["[[tool.pdm.source]]", `name = "pypi"`, `url = ${tomlString(withoutSlash(index.simpleUrl))}`, "verify_ssl = true", ""].join("\n"),
  ].join("\n");
}

/** pdm's `PyProject.content_hash()` over what writePdmPyproject writes. */
export function pdmContentHash(packages: FixturePackage[], options: WriterOptions): string {
  const data = {
    sources: [{ name: "pypi", url: withoutSlash(options.index.simpleUrl), verify_ssl: true }],
    dependencies: options.root.dependencies.map((d) => pdmRootLine(d, packages)),
    "dev-dependencies": {},
    "optional-dependencies": {},
    "requires-python": options.root.requiresPython,
    overrides: {},
  };
  return createHash("sha256").update(pythonJsonDumps(data)).digest("hex");
}

/**
 * pdm.lock 4.5.0 as pdm 2.20+ writes it (strategy inherit_metadata: each
 * package's groups and the marker it inherits from the paths to it). A
 * package asked for with extras gets a second entry with `extras`, pinning
 * the first and adding what the extras bring.
 */
export function writePdmLock(packages: FixturePackage[], options: WriterOptions): string {
  const { root } = options;
  const blocks = [
    "# This file is @generated by PDM.\n# It is not intended for manual editing.\n",
    [
      "[metadata]",
      'groups = ["default"]',
      'strategy = ["inherit_metadata"]',
      'lock_version = "4.5.0"',
      `content_hash = ${tomlString(`sha256:${pdmContentHash(packages, options)}`)}`,
      "",
      "[[metadata.targets]]",
      `requires_python = ${tomlString(root.requiresPython)}`,
      "",
    ].join("\n"),
  ];
  const requested = requestedExtras(packages, root);
  const files = (pkg: FixturePackage): string =>
    `[\n${sortedFiles(pkg).map((f) => `    {file = ${tomlString(f.filename)}, hash = ${tomlString(`sha256:${f.sha256}`)}},\n`).join("")}]`;
  const entry = (pkg: FixturePackage, marker: string | undefined, extras: string[], deps: string[]): string => {
    const lines = ["[[package]]", `name = ${tomlString(canonical(pkg.name))}`, `version = ${tomlString(pkg.version)}`];
    if (extras.length) lines.push(`extras = [${extras.map(tomlString).join(", ")}]`);
    lines.push(`requires_python = ${tomlString(pkg.requiresPython)}`, `summary = ${tomlString(pkg.description)}`, 'groups = ["default"]');
    if (marker) lines.push(`marker = ${tomlString(marker)}`);
    if (deps.length) lines.push(`dependencies = ${pdmStringArray([...deps].sort())}`);
    lines.push(`files = ${files(pkg)}`);
    return `${lines.join("\n")}\n`;
  };
  for (const { pkg, marker } of universal(packages, root)) {
    blocks.push(entry(pkg, marker, [], pkg.dependencies.map(pdmLine)));
    const extras = [...(requested.get(canonical(pkg.name)) ?? [])].filter((e) => pkg.extras[e]).sort();
    if (extras.length) {
      const added = extras.flatMap((e) => pkg.extras[e] ?? []).map(pdmLine);
      blocks.push(entry(pkg, marker, extras, [...new Set([...added, `${canonical(pkg.name)}==${pkg.version}`])]));
    }
  }
  return blocks.join("\n");
}

// ---- pylock.toml ----

export interface PylockOptions extends WriterOptions {
  /**
   * "pip" (default): `pip lock --index-url <simple url>` run in `environment`:
   * the packages installed there, each with the one file pip chose (a wheel
   * where there is one), and nothing else (no index, marker, size or
   * upload-time: pip 25 records none). "uv": `uv export --format
   * pylock.toml` of the universal lock: every environment's packages with
   * their markers and index, the sdist and every wheel.
   */
  createdBy?: "pip" | "uv";
  /** pip's environment; default CPython 3.11 on x86_64 Linux. */
  environment?: MarkerEnvironment;
}

export function writePylock(packages: FixturePackage[], options: PylockOptions): string {
  return (options.createdBy ?? "pip") === "pip" ? writePipPylock(packages, options) : writeUvPylock(packages, options);
}

/** `pip lock`: `tomli_w.dumps(pylock.to_dict())`; tables whose inline form passes 100 characters become [tables]. */
function writePipPylock(packages: FixturePackage[], options: PylockOptions): string {
  const env = options.environment ?? markerEnvironmentFor({ pythonVersion: "3.11", system: "x86_64-linux" });
  const chunks = ['lock-version = "1.0"\ncreated-by = "pip"\n'];
  for (const pkg of installedIn(packages, options.root, env)) {
    chunks.push(`[[packages]]\nname = ${tomlString(canonical(pkg.name))}\nversion = ${tomlString(pkg.version)}\n`);
    const files = sortedFiles(pkg);
    const chosen = files.find((f) => f.kind === "wheel") ?? files.find((f) => f.kind === "sdist");
    if (!chosen) throw new Error(`${pkg.name} has no files`);
    const table = chosen.kind === "wheel" ? "[[packages.wheels]]" : "[packages.sdist]";
    const hashes = chosen.kind === "wheel" ? "[packages.wheels.hashes]" : "[packages.sdist.hashes]";
    chunks.push(`${table}\nname = ${tomlString(chosen.filename)}\nurl = ${tomlString(options.index.fileUrl(chosen.filename))}\n`);
    chunks.push(`${hashes}\nsha256 = ${tomlString(chosen.sha256)}\n`);
  }
  return chunks.join("\n");
}

/** `uv export --format pylock.toml`: toml_edit, with files as inline tables and upload-time a TOML datetime. */
function writeUvPylock(packages: FixturePackage[], options: PylockOptions): string {
  const { root, index } = options;
  const uploaded = millisecondTime(options.uploadTime ?? FIXTURE_UPLOAD_TIME);
  // uv leaves out `name` when the URL ends in it, as here.
  const file = (f: FixturePackage["files"][number]): string =>
    inlineTable([
      ["url", tomlString(index.fileUrl(f.filename))],
      ["upload-time", uploaded],
      ["size", String(f.size)],
      ["hashes", inlineTable([["sha256", tomlString(f.sha256)]])],
    ]);
  const blocks = [
    [
      "# This file was autogenerated by uv via the following command:",
      "#    uv export --format pylock.toml",
      'lock-version = "1.0"',
      'created-by = "uv"',
      `requires-python = ${tomlString(root.requiresPython)}`,
    ].join("\n"),
  ];
  for (const { pkg, marker } of universal(packages, root)) {
    const lines = ["[[packages]]", `name = ${tomlString(canonical(pkg.name))}`, `version = ${tomlString(pkg.version)}`];
    if (marker) lines.push(`marker = ${tomlString(singleQuoted(marker))}`);
    lines.push(`index = ${tomlString(withoutSlash(index.simpleUrl))}`);
    const files = sortedFiles(pkg);
    const sdist = files.find((f) => f.kind === "sdist");
    const wheels = files.filter((f) => f.kind === "wheel").map(file);
    if (sdist) lines.push(`sdist = ${file(sdist)}`);
    if (wheels.length) lines.push(`wheels = ${wheels.length === 1 ? inlineArray(wheels) : eachOnItsLine(wheels)}`);
    blocks.push(lines.join("\n"));
  }
  return `${blocks.join("\n\n")}\n`;
}

// ---- Pipfile and Pipfile.lock ----
//
// pipenv's lock is flat: every package the Pipfile's [packages] reach, in any
// environment, is an entry of `default`, with the sha256 of every file of its
// release, the index it came from and, where the path to it has one, its
// marker (single-quoted, as pipenv prints markers). No entry says what it
// depends on. The text itself is pipenv's json.dumps (pipfileLockText).

export interface PipenvOptions extends WriterOptions {
  /** The name of the Pipfile's `[[source]]` (and of every entry's `index`); default "loopback". */
  sourceName?: string;
  /**
   * Also write, as pipenv does for packages declaring Requires-Python, a
   * `python_version >= 'X.Y'` marker on each entry (joined to its own with
   * `and`). Off by default.
   */
  requiresPythonMarkers?: boolean;
}

/** `X.Y` of a `>=X.Y` Requires-Python, the only form the fixtures use. */
function minimumPython(requires: string): string | undefined {
  return /^\s*>=\s*(\d+\.\d+)\s*$/.exec(requires)?.[1];
}

/** pipenv's `[requires] python_version`: the root's minimum X.Y. */
function pipenvPythonVersion(root: LockRoot): string {
  const version = minimumPython(root.requiresPython);
  if (!version) throw new Error(`cannot write pipenv's python_version for requires-python ${root.requiresPython}`);
  return version;
}

const pipfileSource = (options: PipenvOptions) => ({ url: options.index.simpleUrl, verify_ssl: true, name: options.sourceName ?? "loopback" });

/** A root dependency as a Pipfile value: `"*"`, `">=1.0"`, or a table with extras or markers. */
function pipfileValue(dep: FixtureDependency): string | Record<string, unknown> {
  const version = dep.specifier ?? "*";
  if (!dep.extras?.length && !dep.marker) return version;
  return { version, ...(dep.extras?.length ? { extras: [...dep.extras] } : {}), ...(dep.marker ? { markers: singleQuoted(dep.marker) } : {}) };
}

const tomlValue = (v: string | Record<string, unknown>): string =>
  typeof v === "string"
    ? tomlString(v)
    : `{${Object.entries(v)
        .map(([k, x]) => `${k} = ${Array.isArray(x) ? `[${x.map((e) => tomlString(String(e))).join(", ")}]` : tomlString(String(x))}`)
        .join(", ")}}`;

/** The Pipfile `pipenv install --python 3.11` and `pipenv install <dep>` leave, with the loopback index as its source. */
export function writePipfile(_packages: FixturePackage[], options: PipenvOptions): string {
  const source = pipfileSource(options);
  return [
    "[[source]]",
    `url = ${tomlString(source.url)}`,
    "verify_ssl = true",
    `name = ${tomlString(source.name)}`,
    "",
    "[packages]",
    ...options.root.dependencies.map((d) => `${canonical(d.name)} = ${tomlValue(pipfileValue(d))}`),
    "",
    "[dev-packages]",
    "",
    "[requires]",
    `python_version = ${tomlString(pipenvPythonVersion(options.root))}`,
    "",
  ].join("\n");
}

/** plette's `Pipfile.get_hash()`: sha256 of the compact, key-sorted JSON of sources, requires and the package tables. */
export function pipfileHash(options: PipenvOptions): string {
  const sortKeys = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(sortKeys)
      : typeof value === "object" && value !== null
        ? Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]))
        : value;
  const data = {
    _meta: { sources: [pipfileSource(options)], requires: { python_version: pipenvPythonVersion(options.root) } },
    default: Object.fromEntries(options.root.dependencies.map((d) => [canonical(d.name), pipfileValue(d)])),
    develop: {},
  };
  // Python's json.dumps(sort_keys=True, separators=(",", ":")) for ASCII text.
  return createHash("sha256").update(JSON.stringify(sortKeys(data))).digest("hex");
}

/** The Pipfile.lock `pipenv lock` writes for writePipfile's Pipfile (pipfile-spec 6, pipenv 2023+). */
export function writePipfileLock(packages: FixturePackage[], options: PipenvOptions): string {
  const sourceName = options.sourceName ?? "loopback";
  const defaults: Record<string, PipenvEntry> = {};
  const extras = requestedExtras(packages, options.root);
  for (const { pkg, marker } of universal(packages, options.root)) {
    const python = options.requiresPythonMarkers ? minimumPython(pkg.requiresPython) : undefined;
    const markers = [python ? `python_version >= '${python}'` : undefined, marker ? singleQuoted(marker) : undefined].filter((m) => m !== undefined);
    const asked = [...(extras.get(canonical(pkg.name)) ?? [])].filter((e) => pkg.extras[e]).sort();
    defaults[canonical(pkg.name)] = {
      hashes: pkg.files.map((f) => `sha256:${f.sha256}`),
      index: sourceName,
      version: `==${pkg.version}`,
      ...(asked.length ? { extras: asked } : {}),
      ...(markers.length ? { markers: markers.join(" and ") } : {}),
    };
  }
  const text = pipfileLockText({
    sources: [pipfileSource(options)],
    requires: { python_version: pipenvPythonVersion(options.root) },
    categories: { default: defaults, develop: {} },
  });
  // pipfileLockText leaves the Pipfile's hash at zeros: put plette's in.
  const zeros = `"sha256": "${"0".repeat(64)}"`;
  if (!text.includes(zeros)) throw new Error("pipfileLockText no longer writes a zero _meta.hash");
  return text.replace(zeros, `"sha256": "${pipfileHash(options)}"`);
}

/** The extras each reachable package is asked for with, anywhere in the graph. */
function requestedExtras(packages: FixturePackage[], root: LockRoot): Map<string, Set<string>> {
  const requested = new Map<string, Set<string>>();
  for (const dep of [...root.dependencies, ...packages.flatMap((p) => [...p.dependencies, ...Object.values(p.extras).flat()])]) {
    if (!dep.extras?.length) continue;
    const set = requested.get(canonical(dep.name)) ?? new Set<string>();
    dep.extras.forEach((e) => set.add(e));
    requested.set(canonical(dep.name), set);
  }
  return requested;
}

// ---- requirements.txt ----

export interface RequirementsOptions extends WriterOptions {
  /**
   * "pip-compile" (default): pip-tools 7's output for a requirements.in
   * naming the root's dependencies, run with `--index-url <simple url>`:
   * the header, the `--index-url` line, every package of the universal
   * closure pinned (`name[extras]==version`, a marker as ` ; marker`),
   * sorted, each followed by its `# via` comment.
   * "pip-freeze": `pip freeze` in a Linux CPython 3.11 environment: only
   * `name==version` of what is installed there, no index, no comments.
   */
  style?: "pip-compile" | "pip-freeze";
  /** pip-compile's `--generate-hashes`: the sha256 of every file of the release, sorted (default true). */
  hashes?: boolean;
  /** pip-freeze's environment; default CPython 3.11 on x86_64 Linux. */
  environment?: MarkerEnvironment;
}

/** pip-tools' `# via` block: one name on the line, several one a line below. */
function viaComment(via: string[]): string[] {
  if (via.length === 1) return [`    # via ${via[0]}`];
  return ["    # via", ...via.map((v) => `    #   ${v}`)];
}

export function writeRequirements(packages: FixturePackage[], options: RequirementsOptions): string {
  if ((options.style ?? "pip-compile") === "pip-freeze") {
    const env = options.environment ?? markerEnvironmentFor({ pythonVersion: "3.11", system: "x86_64-linux" });
    return installedIn(packages, options.root, env)
      .map((p) => `${canonical(p.name)}==${p.version}\n`)
      .join("");
  }
  const { root, index } = options;
  const hashes = options.hashes ?? true;
  const closure = universal(packages, root);
  const inClosure = new Set(closure.map(({ pkg }) => canonical(pkg.name)));
  const extras = requestedExtras(packages, root);
  // Who requires each package: the requirements.in, and the packages (through their extras too).
  const via = new Map<string, Set<string>>();
  const add = (name: string, by: string) => via.set(canonical(name), (via.get(canonical(name)) ?? new Set()).add(by));
  root.dependencies.forEach((d) => add(d.name, "-r requirements.in"));
  for (const { pkg } of closure) {
    const asked = extras.get(canonical(pkg.name)) ?? new Set<string>();
    const deps = [...pkg.dependencies, ...[...asked].flatMap((e) => pkg.extras[e] ?? [])];
    deps.filter((d) => inClosure.has(canonical(d.name))).forEach((d) => add(d.name, canonical(pkg.name)));
  }
  const command = `pip-compile${hashes ? " --generate-hashes" : ""} --index-url=${index.simpleUrl} requirements.in`;
  const lines = [
    "#",
    "# This file is autogenerated by pip-compile with Python 3.11",
    "# by the following command:",
    "#",
    `#    ${command}`,
    "#",
    `--index-url ${index.simpleUrl}`,
    "",
  ];
  for (const { pkg, marker } of closure) {
    const asked = [...(extras.get(canonical(pkg.name)) ?? [])].filter((e) => pkg.extras[e]).sort();
    let line = `${canonical(pkg.name)}${asked.length ? `[${asked.join(",")}]` : ""}==${pkg.version}`;
    if (marker) line += ` ; ${marker}`;
    if (hashes) for (const h of pkg.files.map((f) => f.sha256).sort()) line += ` \\\n    --hash=sha256:${h}`;
    lines.push(line);
    const by = [...(via.get(canonical(pkg.name)) ?? [])].sort((a, b) => (a.startsWith("-") === b.startsWith("-") ? (a < b ? -1 : 1) : a.startsWith("-") ? -1 : 1));
    lines.push(...viaComment(by));
  }
  return `${lines.join("\n")}\n`;
}
