// Writes poetry.lock and pyproject.toml text the way Poetry (tomlkit) lays
// them out, for lock versions 1.1 (Poetry 1.1), 2.0 (1.3–1.8) and 2.1 (2.x),
// so the parsers meet files shaped like real ones, not like a TOML library's.

import { createHash } from "node:crypto";

export interface LockDependency {
  name: string;
  /** PEP 440 specifier (">=1"); absent means "*". */
  specifier?: string;
  extras?: string[];
  marker?: string;
}

/** What a locked package needs; the fixture packages' metadata fits as is. */
export interface LockPackage {
  name: string;
  version: string;
  description?: string;
  requiresPython?: string;
  dependencies: LockDependency[];
  /** extra name → dependencies it adds. */
  extras?: Record<string, LockDependency[]>;
  files: Array<{ filename: string; sha256: string }>;
}

export interface RootDependency {
  name: string;
  /** Poetry constraint ("^1.0.0", ">=1", "*"); default "*". */
  version?: string;
  extras?: string[];
  markers?: string;
}

export interface RootProject {
  name: string;
  version: string;
  description?: string;
  /** tool.poetry python constraint or project requires-python; "^3.11" / ">=3.11" by default. */
  python?: string;
  dependencies: RootDependency[];
  source?: { name: string; url: string; priority?: string };
  /** "poetry": [tool.poetry] (Poetry 1.x); "pep621": [project] as Poetry 2 writes it. */
  style?: "poetry" | "pep621";
  /** false writes `package-mode = false` (an application that is not itself built). */
  packageMode?: boolean;
}

export interface PoetryLockOptions {
  lockVersion: "1.1" | "2.0" | "2.1";
  /** A legacy (simple API) source every package came from; omit for PyPI. */
  sourceUrl?: string;
  /** The source's name in pyproject.toml, written as `reference`. */
  sourceName?: string;
  /** For metadata.content-hash, python-versions, and 2.1's groups and markers. */
  root?: RootProject;
  contentHash?: string;
  poetryVersion?: string;
}

const canonical = (name: string): string => name.replace(/[-_.]+/g, "-").toLowerCase();

// ---- TOML, as tomlkit prints it ----

/** Basic string with tomlkit's escapes. */
export function tomlString(s: string): string {
  const escaped = s.replace(/[\\"\u0000-\u001f\u007f]/g, (c) => {
    const named: Record<string, string> = { "\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f" };
    return named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
  return `"${escaped}"`;
}

const tomlKey = (k: string): string => (/^[A-Za-z0-9_-]+$/.test(k) ? k : tomlString(k));

type TomlValue = string | boolean | TomlValue[] | { [k: string]: TomlValue };

function inline(v: TomlValue): string {
  if (typeof v === "string") return tomlString(v);
  if (typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(inline).join(", ")}]`;
  return `{${Object.entries(v).map(([k, x]) => `${tomlKey(k)} = ${inline(x)}`).join(", ")}}`;
}

const kv = (k: string, v: TomlValue): string => `${tomlKey(k)} = ${inline(v)}`;

function multiline(items: TomlValue[]): string {
  return items.length ? `[\n${items.map((i) => `    ${inline(i)},\n`).join("")}]` : "[]";
}

// ---- poetry.lock ----

/** Poetry's `str(marker)` for `a and b`: an `or` inside gets parentheses. */
function and(...markers: Array<string | undefined>): string | undefined {
  const parts = markers.filter((m): m is string => !!m);
  if (parts.length <= 1) return parts[0];
  return parts.map((m) => (/ or /.test(m) ? `(${m})` : m)).join(" and ");
}

function dependencyValue(dep: LockDependency, optional: boolean, marker: string | undefined): TomlValue {
  const version = dep.specifier || "*";
  if (!dep.extras?.length && !optional && !marker) return version;
  const table: Record<string, TomlValue> = { version };
  if (dep.extras?.length) table.extras = [...dep.extras].sort();
  if (optional) table.optional = true;
  if (marker) table.markers = marker;
  return table;
}

/** PEP 508 form Poetry writes in [package.extras] (`delta (>=1) ; marker`). */
function extraEntry(dep: LockDependency): string {
  return `${dep.name}${dep.specifier ? ` (${dep.specifier})` : ""}${dep.marker ? ` ; ${dep.marker}` : ""}`;
}

/**
 * 2.1's per-package `markers`: the union over all paths from the root of the
 * conjunction of the markers along them (extras followed only where requested).
 * Returns undefined for "always"; absent packages are unreachable.
 */
export function transitiveMarkers(packages: LockPackage[], root: RootProject): Map<string, string | undefined> {
  const byName = new Map(packages.map((p) => [canonical(p.name), p]));
  const state = new Map<string, { terms: Set<string>; extras: Set<string> }>();
  const visit = (name: string, term: string[], extras: string[]): void => {
    const key = canonical(name);
    const pkg = byName.get(key);
    if (!pkg) return;
    let st = state.get(key);
    if (!st) state.set(key, (st = { terms: new Set(), extras: new Set() }));
    const t = JSON.stringify([...new Set(term)].sort());
    const news = extras.filter((e) => !st!.extras.has(e));
    if (st.terms.has(t) && !news.length) return;
    st.terms.add(t);
    news.forEach((e) => st!.extras.add(e));
    const deps = [...pkg.dependencies, ...[...st.extras].flatMap((e) => pkg.extras?.[e] ?? [])];
    for (const tt of [...st.terms]) {
      const atoms = JSON.parse(tt) as string[];
      for (const d of deps) visit(d.name, d.marker ? [...atoms, d.marker] : atoms, d.extras ?? []);
    }
  };
  for (const d of root.dependencies) visit(d.name, d.markers ? [d.markers] : [], d.extras ?? []);

  const out = new Map<string, string | undefined>();
  for (const [key, st] of state) {
    const terms = [...st.terms].map((t) => JSON.parse(t) as string[]);
    // Absorption: a term that contains another one's atoms adds nothing.
    const kept = terms.filter((t) => !terms.some((o) => o !== t && o.length < t.length && o.every((a) => t.includes(a))));
    out.set(key, kept.some((t) => t.length === 0) ? undefined : kept.map((t) => and(...t)!).join(" or "));
  }
  return out;
}

export function writePoetryLock(packages: LockPackage[], options: PoetryLockOptions): string {
  const v = options.lockVersion;
  const sorted = [...packages].sort((a, b) => {
    const x = canonical(a.name);
    const y = canonical(b.name);
    return x < y ? -1 : x > y ? 1 : a.version < b.version ? -1 : 1;
  });
  const markers = v === "2.1" && options.root ? transitiveMarkers(packages, options.root) : undefined;
  const files = (p: LockPackage): TomlValue[] =>
    [...p.files]
      .sort((a, b) => (a.filename < b.filename ? -1 : 1))
      .map((f) => ({ file: f.filename, hash: `sha256:${f.sha256}` }));

  const blocks: string[] = [];
  if (v !== "1.1") {
    const poetry = options.poetryVersion ?? (v === "2.1" ? "2.1.3" : "1.8.3");
    blocks.push(`# This file is automatically @generated by Poetry ${poetry} and should not be changed by hand.\n`);
  }
  for (const p of sorted) {
    const lines = ["[[package]]", kv("name", p.name), kv("version", p.version), kv("description", p.description ?? "")];
    if (v === "1.1") lines.push(kv("category", "main"));
    lines.push(kv("optional", false), kv("python-versions", p.requiresPython ?? "*"));
    if (v === "2.1") {
      lines.push(kv("groups", ["main"]));
      const m = markers?.get(canonical(p.name));
      if (m) lines.push(kv("markers", m));
    }
    if (v !== "1.1") lines.push(`files = ${multiline(files(p))}`);

    const deps: Array<[LockDependency, boolean, string | undefined]> = p.dependencies.map((d) => [d, false, d.marker]);
    for (const [extra, list] of Object.entries(p.extras ?? {})) {
      for (const d of list) deps.push([d, true, and(d.marker, `extra == "${extra}"`)]);
    }
    if (deps.length) {
      deps.sort(([a], [b]) => (canonical(a.name) < canonical(b.name) ? -1 : 1));
      lines.push("", "[package.dependencies]", ...deps.map(([d, opt, m]) => kv(d.name, dependencyValue(d, opt, m))));
    }
    const extras = Object.entries(p.extras ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
    if (extras.length) {
      lines.push("", "[package.extras]", ...extras.map(([e, ds]) => kv(e, ds.map(extraEntry).sort())));
    }
    if (options.sourceUrl) {
      lines.push("", "[package.source]", kv("type", "legacy"), kv("url", options.sourceUrl.replace(/\/+$/, "")));
      lines.push(kv("reference", options.sourceName ?? options.root?.source?.name ?? "private"));
    }
    blocks.push(`${lines.join("\n")}\n`);
  }

  const root = options.root;
  const python = root ? rootPython(root) : "^3.11";
  const hash = options.contentHash ?? (root ? poetryContentHash(root) : createHash("sha256").update("").digest("hex"));
  const meta = ["[metadata]", kv("lock-version", v), kv("python-versions", python), kv("content-hash", hash)];
  if (v === "1.1") {
    meta.push("", "[metadata.files]", ...sorted.map((p) => `${tomlKey(p.name)} = ${multiline(files(p))}`));
  }
  blocks.push(`${meta.join("\n")}\n`);
  return blocks.join("\n");
}

// ---- pyproject.toml ----

const rootPython = (root: RootProject): string => root.python ?? (root.style === "pep621" ? ">=3.11" : "^3.11");

/** Poetry's caret/tilde constraints as PEP 440 ranges, the way `poetry add` writes [project]. */
export function toPep440(constraint: string): string {
  const m = /^([\^~])\s*(\d+(?:\.\d+)*)$/.exec(constraint.trim());
  if (!m) return constraint === "*" ? "" : constraint;
  const parts = m[2]!.split(".").map(Number);
  const bump = m[1] === "~" ? Math.min(1, parts.length - 1) : Math.max(0, parts.findIndex((n) => n !== 0));
  const upper = parts.map((n, i) => (i < bump ? n : i === bump ? n + 1 : 0));
  while (upper.length < 2) upper.push(0);
  return `>=${m[2]},<${upper.join(".")}`;
}

function pep508(d: RootDependency): string {
  const range = toPep440(d.version ?? "*");
  const extras = d.extras?.length ? `[${d.extras.join(",")}]` : "";
  return `${d.name}${extras}${range ? ` (${range})` : ""}${d.markers ? ` ; ${d.markers}` : ""}`;
}

function poetryDependency(d: RootDependency): TomlValue {
  const version = d.version ?? "*";
  if (!d.extras?.length && !d.markers) return version;
  const t: Record<string, TomlValue> = { version };
  if (d.extras?.length) t.extras = d.extras;
  if (d.markers) t.markers = d.markers;
  return t;
}

const sourceTable = (s: NonNullable<RootProject["source"]>): Record<string, string> => ({
  name: s.name,
  url: s.url,
  ...(s.priority ? { priority: s.priority } : {}),
});

/** Poetry's Locker._get_content_hash over what writePyproject writes. */
export function poetryContentHash(root: RootProject): string {
  const source = root.source ? [sourceTable(root.source)] : null;
  let relevant: unknown;
  if (root.style === "pep621") {
    const project = { "requires-python": rootPython(root), dependencies: root.dependencies.map(pep508) };
    relevant = { project, tool: { poetry: source ? { source } : {} } };
  } else {
    const dependencies: Record<string, unknown> = { python: rootPython(root) };
    for (const d of root.dependencies) dependencies[d.name] = poetryDependency(d);
    relevant = { dependencies, source, extras: null, "dev-dependencies": null };
  }
  return createHash("sha256").update(pythonJsonDumps(relevant)).digest("hex");
}

/** Python's `json.dumps(x, sort_keys=True)`: ", " and ": " separators, ASCII only. */
export function pythonJsonDumps(x: unknown): string {
  if (x === null || x === undefined) return "null";
  if (typeof x === "string") return JSON.stringify(x).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  if (typeof x !== "object") return JSON.stringify(x);
  if (Array.isArray(x)) return `[${x.map(pythonJsonDumps).join(", ")}]`;
  const o = x as Record<string, unknown>;
  return `{${Object.keys(o).sort().map((k) => `${pythonJsonDumps(k)}: ${pythonJsonDumps(o[k])}`).join(", ")}}`;
}

export function writePyproject(root: RootProject): string {
  const sections: string[] = [];
  const src = root.source ? `[[tool.poetry.source]]\n${Object.entries(sourceTable(root.source)).map(([k, x]) => kv(k, x)).join("\n")}\n` : "";
  const modeLine = root.packageMode === false ? `${kv("package-mode", false)}\n` : "";
  if (root.style === "pep621") {
    const deps = root.dependencies.map(pep508);
    sections.push(
      [
        "[project]",
        kv("name", root.name),
        kv("version", root.version),
        kv("description", root.description ?? ""),
        "authors = [\n    {name = \"lock2nix tests\",email = \"tests@example.invalid\"}\n]",
        kv("requires-python", rootPython(root)),
        `dependencies = ${deps.length ? `[\n${deps.map((d) => `    ${tomlString(d)}`).join(",\n")}\n]` : "[]"}`,
      ].join("\n") + "\n",
    );
    if (modeLine) sections.push(`[tool.poetry]\n${modeLine}`);
    if (src) sections.push(src);
    sections.push('[build-system]\nrequires = ["poetry-core>=2.0.0,<3.0.0"]\nbuild-backend = "poetry.core.masonry.api"\n');
  } else {
    sections.push(
      [
        "[tool.poetry]",
        kv("name", root.name),
        kv("version", root.version),
        kv("description", root.description ?? ""),
        kv("authors", ["lock2nix tests <tests@example.invalid>"]),
      ].join("\n") + `\n${modeLine}`,
    );
    const deps = [kv("python", rootPython(root)), ...root.dependencies.map((d) => kv(d.name, poetryDependency(d)))];
    sections.push(`[tool.poetry.dependencies]\n${deps.join("\n")}\n`);
    if (src) sections.push(src);
    sections.push('[build-system]\nrequires = ["poetry-core"]\nbuild-backend = "poetry.core.masonry.api"\n');
  }
  return sections.join("\n");
}
