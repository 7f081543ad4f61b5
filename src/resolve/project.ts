/**
 * The project itself: the root package beside the lock (when its
 * pyproject.toml describes one) and every local tree the resolution builds
 * (workspace members, path and editable dependencies). What the emitter
 * needs for `app`, the editable dev shells and `checks`.
 */
import { dirname } from "node:path";
import { LockError } from "../errors.js";
import { readLocalTree, type LocalTreeFacts } from "../inspect/local-tree.js";
import { DEFAULT_GROUP, type Lock } from "../model.js";
import type { PackageBuild, Resolution } from "./index.js";
import type { NixSystem } from "./target.js";

/** A tree installed editable in the dev shells. */
export interface EditableTree {
  name: string;
  /** Absolute path of the tree. */
  dir: string;
  /** Where its modules are imported from, relative to `dir`. */
  importRoot: string;
  scripts: Map<string, string>;
}

export interface Project {
  /** The project's folder (the lock's): the root tree, or a virtual root holding the members. */
  dir: string;
  /** The root package's name; absent for a virtual root (a uv workspace of members only). */
  root?: string;
  /** The root package's build on each system, when the lock does not hold it (Poetry, PDM): the emitter adds it to the set. */
  rootBuilds?: Map<NixSystem, PackageBuild>;
  /** The root and every local tree, by name. */
  editable: EditableTree[];
  /** The scripts `app` holds: the root's, or, with no root package, every member's; name → `module:attr`. */
  scripts: Map<string, string>;
  /** The group whose environment runs the tests (`checks`), when asked for. */
  testGroup?: string;
}

/** The resolution's packages with the root's build added where the lock does not hold it. */
export function packagesWithRoot(resolution: Resolution, project: Project | undefined): Resolution["packages"] {
  return project?.rootBuilds && project.root !== undefined ? new Map([...resolution.packages, [project.root, project.rootBuilds]]) : resolution.packages;
}

/** Groups a project's tests run from, in the order they are looked for. */
export const TEST_GROUPS = ["test", "tests", "dev"];

function editableOf(name: string, dir: string, tree: LocalTreeFacts): EditableTree {
  return { name, dir, importRoot: tree.importRoot, scripts: tree.scripts };
}

/**
 * The project the lock belongs to, or undefined where no pyproject.toml
 * beside the lock describes a package and the lock builds no local tree
 * (a requirements file on its own: an environment, not a project).
 */
export function readProject(
  lock: Lock,
  resolution: Resolution,
  options: { checks: boolean; readTree?: (dir: string) => LocalTreeFacts },
): Project | undefined {
  const readTree = options.readTree ?? readLocalTree;
  const dir = dirname(lock.file);
  const rootTree = readTree(dir);
  const root = rootTree.isPackage ? rootTree.name : undefined;
  const editable = new Map<string, EditableTree>();
  for (const [name, builds] of resolution.packages) {
    for (const b of builds.values()) {
      if (b.source.kind === "path" && b.source.format === "directory" && !editable.has(name)) editable.set(name, editableOf(name, b.source.path, readTree(b.source.path)));
    }
  }
  if (root !== undefined && !editable.has(root)) editable.set(root, editableOf(root, dir, rootTree));
  if (editable.size === 0) return undefined;

  const project: Project = { dir, editable: [...editable.values()].sort((a, b) => a.name.localeCompare(b.name)), scripts: new Map() };
  if (root !== undefined) {
    project.root = root;
    project.scripts = rootTree.scripts;
    if (!resolution.packages.has(root)) project.rootBuilds = rootBuilds(root, dir, rootTree, lock, resolution);
  } else {
    for (const tree of project.editable) for (const [script, target] of tree.scripts) project.scripts.set(script, target);
  }
  if (options.checks) project.testGroup = testGroupOf(lock, resolution);
  return project;
}

/** The root's build on each system: its direct main dependencies that the system's environment holds. */
function rootBuilds(name: string, dir: string, tree: LocalTreeFacts, lock: Lock, resolution: Resolution): Map<NixSystem, PackageBuild> {
  const direct = new Set((lock.root.groups[DEFAULT_GROUP] ?? []).map((d) => d.name));
  const builds = new Map<NixSystem, PackageBuild>();
  for (const [system, closure] of resolution.groups.get(DEFAULT_GROUP) ?? new Map<NixSystem, string[]>()) {
    builds.set(system, {
      name,
      // The tree's own version; where its backend computes one lock2nix could not, the emitter says so.
      version: tree.version ?? "0",
      ...(tree.version === undefined ? { versionUnknown: true } : {}),
      source: { kind: "path", path: dir, format: "directory" },
      dependencies: closure.filter((n) => direct.has(n)),
      droppedForCycle: [],
      unknownDependencies: false,
    });
  }
  return builds;
}

function testGroupOf(lock: Lock, resolution: Resolution): string {
  const group = TEST_GROUPS.find((g) => resolution.groups.has(g));
  const hasPytest = group !== undefined && [...(resolution.groups.get(group)?.values() ?? [])].every((names) => names.includes("pytest"));
  if (!group || !hasPytest) {
    throw new LockError(
      `--checks runs the project's tests with pytest from its ${TEST_GROUPS.join(", ")} group, but ${group ? `the ${group} group does not hold pytest` : "the lock has none of them"}`,
      { file: lock.file },
    );
  }
  return group;
}
