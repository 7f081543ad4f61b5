import { LockError, ParseError } from "../../errors.js";
import type { Dependency, LockedPackage, PackageSource, RootProject } from "../../model.js";
import { DEFAULT_GROUP } from "../../model.js";
import { markerToString, parseMarker, type MarkerNode } from "../../pep/markers.js";
import { normalizeName } from "../../pep/normalize.js";
import type { Fields } from "../fields.js";
import { andMarkers, ConflictAssignment, dropConflicts, orMarkers, resolveConflicts, type MarkerContext } from "./markers.js";
import { isLocalTree, type UvDependency, type UvPackage } from "./package.js";
import { isRootPath } from "./source.js";

/** Turns uv's entries into the model's: decides conflict markers and inlines virtual packages. */
export class Converter {
  private readonly byName = new Map<string, UvPackage[]>();

  constructor(
    packages: UvPackage[],
    private readonly assignment: ConflictAssignment,
  ) {
    for (const p of packages) this.byName.set(p.name, [...(this.byName.get(p.name) ?? []), p]);
  }

  /** The virtual package an edge means, if it means one: such a package is not built, its dependencies are. */
  private virtualTarget(dep: UvDependency): UvPackage | undefined {
    const candidates = (this.byName.get(dep.name) ?? []).filter(
      (p) => (dep.version === undefined || p.version === dep.version) && (dep.source === undefined || dep.source.kind === p.source.kind),
    );
    return candidates.length > 0 && candidates.every((p) => p.source.kind === "virtual") ? candidates[0] : undefined;
  }

  dependencies(deps: UvDependency[], context: MarkerContext, inlined: ReadonlySet<UvPackage> = new Set()): Dependency[] {
    const out: Dependency[] = [];
    for (const dep of deps) {
      let marker: MarkerNode | undefined = dep.marker;
      if (marker) {
        const decided = resolveConflicts(marker, context, this.assignment);
        if (decided === false) continue;
        marker = decided === true ? undefined : decided;
      }
      const virtual = this.virtualTarget(dep);
      if (virtual) {
        if (inlined.has(virtual)) continue;
        const inner = this.dependencies(
          [...virtual.dependencies, ...dep.extras.flatMap((e) => virtual.optional[e] ?? [])],
          { owner: virtual.name, ownerExtras: new Set(dep.extras) },
          new Set([...inlined, virtual]),
        );
        for (const d of inner) {
          const both = andMarkers(marker, d.marker !== undefined ? parseMarker(d.marker) : undefined);
          const { marker: _old, ...rest } = d;
          out.push({ ...rest, ...(both ? { marker: markerToString(both) } : {}) });
        }
        continue;
      }
      const source = dep.source && dep.source.kind !== "virtual" ? dep.source : undefined;
      out.push({
        name: dep.name,
        extras: dep.extras,
        ...(marker ? { marker: markerToString(marker) } : {}),
        ...(source ? { source } : {}),
        ...(dep.version !== undefined ? { version: dep.version } : {}),
        ...(dep.specifier !== undefined ? { specifier: dep.specifier } : {}),
      });
    }
    return out;
  }

  /**
   * The environments an entry applies to: the OR of its forks, nothing when
   * it is in every fork of the lock.
   */
  packageMarker(pkg: UvPackage, lockForks: ReadonlySet<string>): string | undefined {
    const forks = pkg.forkMarkers.map(markerToString);
    if (forks.length === 0 || (forks.length === lockForks.size && forks.every((m) => lockForks.has(m)))) return undefined;
    const node = orMarkers(pkg.forkMarkers) as MarkerNode;
    let decided = resolveConflicts(node, {}, this.assignment);
    // Under the extras and groups lock2nix assumes no fork holds: say where the entry applies under any.
    if (decided === false) decided = dropConflicts(node);
    return typeof decided === "boolean" ? undefined : markerToString(decided);
  }

  locked(pkg: UvPackage): LockedPackage {
    const context = { owner: pkg.name };
    const extras: Record<string, Dependency[]> = {};
    for (const [extra, deps] of Object.entries(pkg.optional)) extras[extra] = this.dependencies(deps, context);
    return {
      name: pkg.name,
      // FIXME(model): a source tree with a dynamic version has none in the lock.
      version: pkg.version ?? "0",
      ...(pkg.version === undefined ? { versionUnknown: true } : {}),
      source: pkg.source as PackageSource,
      artifacts: pkg.artifacts,
      dependencies: this.dependencies(pkg.dependencies, context),
      extras,
      groups: [],
    };
  }
}

/** A `[manifest]` requirement (`requirements`, `dependency-groups`): a requirement as the user wrote it. */
export type ManifestRequirements = { main: UvDependency[]; groups: Record<string, UvDependency[]> };

export interface Workspace {
  root: RootProject;
  /** The root project's own entry, built as a package only when another package depends on it. */
  rootPackage?: UvPackage;
  warnings: string[];
}

function add(target: Record<string, Dependency[]>, key: string, deps: Dependency[]): void {
  (target[key] ??= []).push(...deps);
}

/**
 * The root project: the package at `.` (`editable`, `virtual` or
 * `directory`), else the workspace members of a virtual workspace root,
 * plus what `[manifest]` asks for directly (a script's requirements, a
 * virtual root's dependency groups).
 */
export function readWorkspace(
  packages: UvPackage[],
  memberNames: string[],
  manifest: ManifestRequirements,
  converter: Converter,
  top: Fields,
): Workspace {
  const warnings: string[] = [];
  const roots = packages.filter((p) => isLocalTree(p.source) && isRootPath(p.source.path));
  if (roots.length > 1) {
    throw new ParseError(`more than one package sits at the project's own folder: ${roots.map((p) => p.name).join(", ")}`, top.location);
  }
  const rootPackage = roots[0];
  const members = memberNames.map((raw) => {
    const name = normalizeName(raw);
    const pkg = packages.find((p) => p.name === name && isLocalTree(p.source));
    if (!pkg) {
      throw new ParseError(`[manifest] names the workspace member \`${raw}\`, which has no [[package]] entry with a local source`, top.location);
    }
    return pkg;
  });
  const root: RootProject = { groups: {}, extras: {} };
  const groupsOf = (pkg: UvPackage) => {
    for (const [group, deps] of Object.entries(pkg.dev)) {
      add(root.groups, group, converter.dependencies(deps, { owner: pkg.name, ownerGroup: group }));
    }
  };

  if (rootPackage) {
    root.name = rootPackage.name;
    const context = { owner: rootPackage.name };
    add(root.groups, DEFAULT_GROUP, converter.dependencies(rootPackage.dependencies, context));
    for (const [extra, deps] of Object.entries(rootPackage.optional)) add(root.extras, extra, converter.dependencies(deps, context));
    groupsOf(rootPackage);
    for (const member of members.filter((m) => m !== rootPackage)) {
      const groups = Object.keys(member.dev);
      if (groups.length === 0) continue;
      groupsOf(member);
      warnings.push(
        `workspace member ${member.name}'s dependency groups (${groups.join(", ")}) are merged into the project's groups of the same name, as \`uv sync --all-packages\` would install them`,
      );
    }
  } else if (members.length > 0) {
    // A virtual workspace root: `uv sync` installs every member.
    for (const member of members) {
      const context = { owner: member.name };
      if (member.source.kind === "virtual") {
        add(root.groups, DEFAULT_GROUP, converter.dependencies(member.dependencies, context));
        for (const [extra, deps] of Object.entries(member.optional)) add(root.extras, extra, converter.dependencies(deps, context));
      } else {
        add(root.groups, DEFAULT_GROUP, [{ name: member.name, extras: [] }]);
        for (const extra of Object.keys(member.optional)) add(root.extras, extra, [{ name: member.name, extras: [extra] }]);
      }
      groupsOf(member);
    }
  } else if (packages.length > 0 && manifest.main.length === 0 && Object.keys(manifest.groups).length === 0) {
    // (A lock with no packages at all is a PEP 723 script's with no dependencies: valid, and empty.)
    throw new LockError(
      'uv.lock names no project: no package has the source `editable = "."` or `virtual = "."`, and [manifest] names no members or requirements',
      top.location,
    );
  }

  add(root.groups, DEFAULT_GROUP, converter.dependencies(manifest.main, {}));
  for (const [group, deps] of Object.entries(manifest.groups)) add(root.groups, group, converter.dependencies(deps, {}));

  // Every member is a package of the set, whether or not a group installs it (`uv sync --all-packages`).
  const built = members.filter((m) => m !== rootPackage && m.source.kind !== "virtual");
  if (built.length > 0) root.members = built.map((m) => ({ name: m.name, extras: [] }));
  const memberSet = new Set<UvPackage>([...members, ...(rootPackage ? [rootPackage] : [])]);
  const ignored = packages.filter((p) => !memberSet.has(p) && Object.keys(p.dev).length > 0).map((p) => p.name);
  if (ignored.length > 0) {
    warnings.push(`dependency groups of ${ignored.join(", ")} are left out: only the project's and its workspace members' groups are installed`);
  }
  return { root, ...(rootPackage ? { rootPackage } : {}), warnings };
}
