import { existsSync } from "node:fs";
import { dirname, join, relative, resolve as resolvePath } from "node:path";
import { LockError } from "../errors.js";
import { inScope, outOfScopeReason, pathScope, type PathScope } from "../scope.js";
import type { Dependency, Lock, LockedPackage, PackageSource } from "../model.js";
import { DEFAULT_GROUP } from "../model.js";
import { evaluateMarker, markerEnvironmentFor, parseMarker, type MarkerEnvironment, type MarkerNode } from "../pep/markers.js";
import { normalizeExtra } from "../pep/normalize.js";
import { chooseArtifact, type ChosenArtifact } from "./artifacts.js";
import { breakCycles } from "./cycles.js";
import { choosePython, NIX_SYSTEMS, type NixSystem, type Target } from "./target.js";

export interface ResolveOptions {
  /** CPython minor version, e.g. `3.12`; default: the newest stable one nixpkgs ships that the project allows. */
  python?: string;
  systems?: NixSystem[];
  /** Groups to give an environment each; default all. The main group is always included. */
  groups?: string[];
  /** The root project's extras to install. */
  extras?: string[];
  preferWheels?: boolean;
  /** Where local path sources may be (default: the lock's folder). */
  scope?: PathScope;
}

export type BuildSource =
  | { kind: "artifact"; artifact: ChosenArtifact }
  /** `hash` is the NAR sha256 (SRI) of the checkout without `.git`, once computed. */
  | { kind: "git"; url: string; commit: string; subdirectory?: string; hash?: string }
  /** A local file or folder; `path` is absolute. */
  | { kind: "path"; path: string; sha256?: string; format: "sdist" | "wheel" | "directory" }
  | { kind: "missing"; reason: string };

export interface PackageBuild {
  name: string;
  version: string;
  source: BuildSource;
  /** Runtime dependencies (names), sorted, after cycle breaking. */
  dependencies: string[];
  /** Dependencies left out to break a cycle: the runtime check must not look for them. */
  droppedForCycle: string[];
  /** The lock does not say what this package depends on: the runtime check cannot be satisfied. */
  unknownDependencies: boolean;
  /** The lock gives no version: `version` is a stand-in (LockedPackage.versionUnknown). */
  versionUnknown?: boolean;
}

export interface Resolution {
  python: string;
  systems: NixSystem[];
  /** Package name -> system -> how it is built there (only systems that need it). */
  packages: Map<string, Map<NixSystem, PackageBuild>>;
  /** Group -> system -> every package its environment holds, sorted. */
  groups: Map<string, Map<NixSystem, string[]>>;
  warnings: string[];
}

/** A marker's answer on one target, as a walk asked it. */
interface MarkerAnswer {
  node: MarkerNode;
  extras: ReadonlySet<string>;
  holds: boolean;
}

const parsedMarkers = new Map<string, MarkerNode>();

class MarkerCache {
  /** Every question asked, in order: a target that answers them all alike walks to the same graph. */
  readonly asked: MarkerAnswer[] = [];
  constructor(private readonly env: MarkerEnvironment) {}
  holds(marker: string | undefined, extras: ReadonlySet<string>): boolean {
    if (marker === undefined) return true;
    let node = parsedMarkers.get(marker);
    if (!node) parsedMarkers.set(marker, (node = parseMarker(marker)));
    const holds = evaluateMarker(node, this.env, extras);
    this.asked.push({ node, extras, holds });
    return holds;
  }
}

const stripGit = (url: string) => url.replace(/\.git$/, "").replace(/\/+$/, "");

function sameSource(edge: PackageSource, entry: PackageSource, lockDir: string): boolean {
  if (edge.kind === "url" && entry.kind === "url") return edge.url === entry.url;
  if (edge.kind === "git" && entry.kind === "git") return stripGit(edge.url) === stripGit(entry.url);
  if ((edge.kind === "file" || edge.kind === "directory") && (entry.kind === "file" || entry.kind === "directory")) {
    return resolvePath(lockDir, edge.path) === resolvePath(lockDir, entry.path);
  }
  return false;
}

const NO_EXTRAS: ReadonlySet<string> = new Set();

const byNameOf = new WeakMap<Lock, Map<string, LockedPackage[]>>();

/** The lock's entries by name (several where it pins one name more than once); the same for every target. */
function entriesByName(lock: Lock): Map<string, LockedPackage[]> {
  let byName = byNameOf.get(lock);
  if (!byName) {
    byName = new Map();
    for (const pkg of lock.packages) {
      const list = byName.get(pkg.name);
      if (list) list.push(pkg);
      else byName.set(pkg.name, [pkg]);
    }
    byNameOf.set(lock, byName);
  }
  return byName;
}

interface TargetGraph {
  chosen: Map<string, LockedPackage>;
  edges: Map<string, Set<string>>;
  roots: Map<string, string[]>;
  /** The markers the walk evaluated, with their answers. */
  asked: MarkerAnswer[];
}

/** Walks the lock from the root's groups on one target: which entry of each name, with which extras. */
/** Packages lockers leave out as "unsafe" (Poetry's and pip-tools' lists). */
const OMITTED_BY_LOCKERS: ReadonlySet<string> = new Set(["setuptools", "pip", "wheel", "distribute"]);

function walkTarget(lock: Lock, target: Target, groups: string[], rootExtras: string[], warnings: Set<string>): TargetGraph {
  const markers = new MarkerCache(markerEnvironmentFor({ pythonVersion: target.python, system: target.system }));
  const lockDir = dirname(lock.file);
  const byName = entriesByName(lock);

  const chosen = new Map<string, LockedPackage>();
  const activeExtras = new Map<string, ReadonlySet<string>>();
  // `from` names who asked, for warnings: a group, or a package (its text made only when needed).
  const queue: Array<{ dep: Dependency; from: string | LockedPackage }> = [];
  const rootExtraSet = new Set(rootExtras.map(normalizeExtra));
  const rootEdges = (group: string): Dependency[] => [
    ...(lock.root.groups[group] ?? []),
    ...(group === DEFAULT_GROUP ? rootExtras.flatMap((e) => lock.root.extras[normalizeExtra(e)] ?? []) : []),
  ];
  const roots = new Map<string, string[]>();
  // Main first: where groups pin one name differently (Pipfile.lock categories), its pin wins, as `pipenv install --dev` does.
  for (const group of [DEFAULT_GROUP, ...groups.filter((g) => g !== DEFAULT_GROUP)]) {
    const names: string[] = [];
    for (const dep of rootEdges(group)) {
      if (!markers.holds(dep.marker, rootExtraSet)) continue;
      queue.push({ dep, from: `the project (group ${group})` });
      names.push(dep.name);
    }
    roots.set(group, [...new Set(names)].sort());
  }
  // Workspace members no group installs: in the set (with what they need), in no environment.
  for (const dep of lock.root.members ?? []) queue.push({ dep, from: "the workspace" });

  const who = (from: string | LockedPackage) => (typeof from === "string" ? from : `${from.name} ${from.version}`);
  const choose = (dep: Dependency, from: string | LockedPackage): LockedPackage | undefined => {
    const already = chosen.get(dep.name);
    if (already) return already;
    let candidates = byName.get(dep.name) ?? [];
    if (candidates.length === 0) {
      // Poetry before 1.4 and pip-compile without --allow-unsafe leave these out of every lock: the interpreter's own are used.
      if (OMITTED_BY_LOCKERS.has(dep.name)) {
        warnings.add(`${who(from)} depends on ${dep.name}, which the lock leaves out (as Poetry and pip-compile do); it is left out`);
        return undefined;
      }
      // A lock cut short or edited by hand: building without the package would fail at import, not here.
      throw new LockError(`${who(from)} depends on ${dep.name}, which the lock does not contain; the lock is incomplete (regenerate it with its tool)`, {
        file: lock.file,
        package: typeof from === "string" ? dep.name : from.name,
      });
    }
    if (candidates.length > 1 && dep.version !== undefined) {
      const matched = candidates.filter((c) => c.version === dep.version);
      if (matched.length > 0) candidates = matched;
    }
    if (candidates.length > 1 && dep.source) {
      const matched = candidates.filter((c) => sameSource(dep.source as PackageSource, c.source, lockDir));
      if (matched.length > 0) candidates = matched;
    }
    if (candidates.length > 1) {
      const applicable = candidates.filter((c) => markers.holds(c.marker, new Set()));
      if (applicable.length > 0) candidates = applicable;
    }
    // Several entries still fit: an index release is the one other packages mean.
    const pick = candidates.find((c) => c.source.kind === "index") ?? candidates[0];
    if (pick) chosen.set(dep.name, pick);
    return pick;
  };

  const depsOf = (pkg: LockedPackage, extras: ReadonlySet<string>): Dependency[] =>
    extras.size === 0 ? pkg.dependencies : [...pkg.dependencies, ...[...extras].sort().flatMap((e) => pkg.extras[e] ?? [])];

  for (let head = 0; head < queue.length; head++) {
    const { dep, from } = queue[head] as { dep: Dependency; from: string | LockedPackage };
    const pkg = choose(dep, from);
    if (!pkg) continue;
    const seen = activeExtras.get(pkg.name);
    const known = pkg.extras;
    const fresh = dep.extras.filter((e) => !seen?.has(e));
    for (const extra of fresh) {
      // A flat lock (requirements, Pipfile.lock) pins what an extra adds on its own and records no extras.
      if (!(extra in known) && !pkg.unknownDependencies) warnings.add(`${who(from)} asks for ${pkg.name}[${extra}], which ${pkg.name} ${pkg.version} does not define`);
    }
    if (seen && fresh.length === 0) continue;
    const extras = fresh.length === 0 ? (seen ?? NO_EXTRAS) : new Set([...(seen ?? []), ...fresh]);
    activeExtras.set(pkg.name, extras);
    for (const next of depsOf(pkg, extras)) {
      if (markers.holds(next.marker, extras)) queue.push({ dep: next, from: pkg });
    }
  }

  const edges = new Map<string, Set<string>>();
  for (const [name, pkg] of chosen) {
    const extras = activeExtras.get(name) ?? NO_EXTRAS;
    const deps = depsOf(pkg, extras)
      .filter((d) => markers.holds(d.marker, extras) && chosen.has(d.name) && d.name !== name)
      .map((d) => d.name);
    edges.set(name, new Set(deps));
  }
  return { chosen, edges, roots, asked: markers.asked };
}

function buildSource(pkg: LockedPackage, target: Target, lock: Lock, preferWheels: boolean, scope: PathScope | undefined): BuildSource {
  switch (pkg.source.kind) {
    case "git":
      return {
        kind: "git",
        url: pkg.source.url,
        commit: pkg.source.commit,
        ...(pkg.source.subdirectory ? { subdirectory: pkg.source.subdirectory } : {}),
      };
    case "file":
    case "directory": {
      const lockDir = dirname(lock.file);
      const path = resolvePath(lockDir, pkg.source.path);
      if (!existsSync(path)) {
        throw new LockError(`${pkg.name} ${pkg.version} is a local ${pkg.source.kind} dependency at ${pkg.source.path}, which does not exist (looked for ${path})`, {
          file: lock.file,
          package: pkg.name,
        });
      }
      const allowed = scope ?? pathScope(lockDir);
      if (!inScope(allowed, path)) {
        throw new LockError(`${pkg.name} ${pkg.version} is a local ${pkg.source.kind} dependency at ${pkg.source.path}: ${outOfScopeReason(allowed, path)}`, {
          file: lock.file,
          package: pkg.name,
        });
      }
      const repo = repositoryRoot(lockDir);
      if (repo && relative(repo, path).startsWith("..")) {
        // Nix copies a local path into the store from the checkout: one outside it is not there on another machine.
        throw new LockError(
          `${pkg.name} ${pkg.version} is a local ${pkg.source.kind} dependency at ${pkg.source.path}, outside the repository ${repo} that holds the lock; move it into the repository or publish it`,
          { file: lock.file, package: pkg.name },
        );
      }
      const format = pkg.source.kind === "directory" ? "directory" : path.endsWith(".whl") ? "wheel" : "sdist";
      const sha256 = pkg.artifacts[0]?.sha256;
      return { kind: "path", path, format, ...(sha256 ? { sha256 } : {}) };
    }
    default: {
      if (pkg.artifacts.some((a) => a.filename === "")) {
        throw new LockError(
          `${pkg.name} ${pkg.version}: the lock gives sha256 hashes without file names (Poetry 0.12's [metadata.hashes], Pipfile.lock); matching them to files needs the package index, which this run may not use (--offline)`,
          { file: lock.file, package: pkg.name },
        );
      }
      const chosen = chooseArtifact(pkg, target, preferWheels);
      if ("reason" in chosen) return { kind: "missing", reason: chosen.reason };
      // One source object for every target that chose the same file, so the emitter sees at once that they agree.
      let source = artifactSources.get(chosen);
      if (!source) artifactSources.set(chosen, (source = { kind: "artifact", artifact: chosen }));
      return source;
    }
  }
}

const artifactSources = new WeakMap<ChosenArtifact, BuildSource>();

/** The git checkout holding `dir` (the nearest folder above with a `.git`), if any. */
function repositoryRoot(dir: string): string | undefined {
  for (let d = resolvePath(dir); ; d = dirname(d)) {
    if (existsSync(join(d, ".git"))) return d;
    if (dirname(d) === d) return undefined;
  }
}

/**
 * Checks the extras and groups asked for against the project's conflicts (uv's):
 * extras that conflict with each other, or with a group asked for by name, are
 * refused; a group taken by default that conflicts with an extra is left out.
 * Each environment is main + the extras + one group, so groups never meet each other.
 */
function withoutConflicts(lock: Lock, groups: string[], options: ResolveOptions, warnings: Set<string>): string[] {
  const extras = new Set((options.extras ?? []).map(normalizeExtra));
  const shown = (i: { kind: string; name: string }) => `${i.kind} \`${i.name}\``;
  const kept: string[] = [];
  for (const set of lock.root.conflicts ?? []) {
    const asked = set.filter((i) => i.kind === "extra" && extras.has(i.name));
    if (asked.length > 1) {
      throw new LockError(`${asked.map(shown).join(" and ")} conflict (the lock's \`conflicts\`): uv installs them only apart; ask for one`, { file: lock.file });
    }
  }
  for (const group of groups) {
    const clash = (lock.root.conflicts ?? [])
      .filter((set) => set.some((i) => i.kind === "group" && i.name === group))
      .flatMap((set) => set.filter((i) => i.kind === "extra" && extras.has(i.name)));
    if (clash.length === 0) {
      kept.push(group);
      continue;
    }
    const why = `group \`${group}\` conflicts with ${clash.map(shown).join(", ")} (the lock's \`conflicts\`)`;
    if (options.groups !== undefined) throw new LockError(`${why}: uv installs them only apart; leave one out`, { file: lock.file });
    warnings.add(`${why}: envs.${group} is left out`);
  }
  return kept;
}

/** Decides, for every target, which packages each group needs and how each is built. */
export function resolveLock(lock: Lock, options: ResolveOptions = {}): Resolution {
  const python = choosePython(lock, options.python);
  const systems = [...new Set(options.systems ?? NIX_SYSTEMS)].sort();
  const allGroups = Object.keys(lock.root.groups);
  for (const g of options.groups ?? []) {
    if (!allGroups.includes(g)) {
      throw new LockError(`no dependency group \`${g}\` in the project (it has ${allGroups.sort().join(", ") || "none"})`, { file: lock.file });
    }
  }
  for (const e of options.extras ?? []) {
    if (!(normalizeExtra(e) in lock.root.extras)) {
      throw new LockError(`no extra \`${e}\` in the project (it has ${Object.keys(lock.root.extras).sort().join(", ") || "none"})`, { file: lock.file });
    }
  }
  const warnings = new Set<string>(lock.warnings);
  const groups = withoutConflicts(lock, [...new Set([DEFAULT_GROUP, ...(options.groups ?? allGroups)])].sort(), options, warnings);

  const graphs = new Map<NixSystem, TargetGraph>();
  for (const system of systems) {
    // The walk is decided by its markers' answers alone: where another target's are all the same here, so is its graph.
    const env = markerEnvironmentFor({ pythonVersion: python, system });
    const same = [...graphs.values()].find((g) => g.asked.every((a) => evaluateMarker(a.node, env, a.extras) === a.holds));
    graphs.set(system, same ?? walkTarget(lock, { python, system }, groups, options.extras ?? [], warnings));
  }
  const dropped = breakCycles([...graphs.values()].map((g) => g.edges), warnings);

  const packages = new Map<string, Map<NixSystem, PackageBuild>>();
  const groupClosures = new Map<string, Map<NixSystem, string[]>>();
  // Targets that share a graph share its dependency lists and group closures too.
  const closures = new Map<TargetGraph, Map<string, string[]>>();
  const closureIn = (graph: TargetGraph, group: string): string[] => {
    let byGroup = closures.get(graph);
    if (!byGroup) closures.set(graph, (byGroup = new Map()));
    let closure = byGroup.get(group);
    if (closure) return closure;
    // A group's environment is the main group plus its own packages, as `poetry install --with` gives.
    const seen = new Set<string>();
    const stack = [...(graph.roots.get(DEFAULT_GROUP) ?? []), ...(graph.roots.get(group) ?? [])];
    while (stack.length > 0) {
      const name = stack.pop() as string;
      if (seen.has(name) || !graph.chosen.has(name)) continue;
      seen.add(name);
      stack.push(...(graph.edges.get(name) ?? []));
    }
    byGroup.set(group, (closure = [...seen].sort()));
    return closure;
  };
  const depsByGraph = new Map<TargetGraph, Map<string, { dependencies: string[]; droppedForCycle: string[] }>>();
  const depsIn = (graph: TargetGraph, name: string) => {
    let byName = depsByGraph.get(graph);
    if (!byName) depsByGraph.set(graph, (byName = new Map()));
    let found = byName.get(name);
    if (!found) {
      const deps = [...(graph.edges.get(name) ?? [])].sort();
      found = {
        dependencies: dropped.size === 0 ? deps : deps.filter((d) => !dropped.has(`${name} ${d}`)),
        droppedForCycle: dropped.size === 0 ? [] : deps.filter((d) => dropped.has(`${name} ${d}`)),
      };
      byName.set(name, found);
    }
    return found;
  };
  for (const [system, graph] of graphs) {
    for (const [name, pkg] of graph.chosen) {
      const { dependencies, droppedForCycle } = depsIn(graph, name);
      const build: PackageBuild = {
        name,
        version: pkg.version,
        source: buildSource(pkg, { python, system }, lock, options.preferWheels ?? false, options.scope),
        dependencies,
        droppedForCycle,
        unknownDependencies: pkg.unknownDependencies ?? false,
        ...(pkg.versionUnknown ? { versionUnknown: true } : {}),
      };
      if (!packages.has(name)) packages.set(name, new Map());
      packages.get(name)?.set(system, build);
    }
    for (const group of groups) {
      if (!groupClosures.has(group)) groupClosures.set(group, new Map());
      groupClosures.get(group)?.set(system, closureIn(graph, group));
    }
  }
  return {
    python,
    systems,
    packages: new Map([...packages].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    groups: groupClosures,
    warnings: [...warnings].sort(),
  };
}
