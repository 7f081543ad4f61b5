import { ParseError } from "../../errors.js";
import {
  markerToString,
  markerUses,
  parseMarker,
  specializeMarker,
  type MarkerNode,
} from "../../pep/markers.js";
import { normalizeName } from "../../pep/normalize.js";
import type { Fields } from "../fields.js";

/**
 * PEP 751 package markers may test `'x' in extras` and `'g' in
 * dependency_groups`. The lock model's markers are plain PEP 508, so these
 * are taken apart here:
 *
 * - `dependency_groups` is decided per group environment: lock2nix's group
 *   `main` installs with `default-groups`, a group G with `default-groups`
 *   plus G;
 * - `'x' in extras` becomes `extra == "x"`, which the resolver evaluates
 *   against the root extras asked for (`extra` holds if any requested extra
 *   matches, so `'a' in extras and 'b' in extras` keeps its meaning).
 */

/** The names the lock's markers range over, normalized. */
export interface PylockScope {
  defaultGroups: string[];
  /** Groups besides the default ones: `dependency-groups` and any a marker names. */
  groups: string[];
  extras: string[];
}

/** Parses a marker in lock-file mode, reporting a bad one with its package and line. */
export function readLockMarker(text: string, owner: Fields, what = "marker"): MarkerNode {
  let node: MarkerNode;
  try {
    node = parseMarker(text, { lockFile: true });
  } catch (err) {
    if (err instanceof ParseError) throw new ParseError(`${owner.where}: invalid ${what}: ${err.message}`, owner.location);
    throw err;
  }
  // PEP 751 defines `extras`, not the `extra` of package metadata, for lock files.
  if (markerUses(node, "extra")) {
    throw new ParseError(`${owner.where}: invalid ${what}: \`extra\` is not defined in pylock.toml markers; use 'name' in extras`, owner.location);
  }
  return node;
}

/** The names a marker compares with `variable` (`'x' in extras` gives `x`). */
export function namesIn(node: MarkerNode, variable: "extras" | "dependency_groups"): string[] {
  if (node.kind !== "compare") return node.children.flatMap((c) => namesIn(c, variable));
  const { left, right } = node;
  return right.kind === "variable" && right.name === variable && left.kind === "literal" ? [left.value] : [];
}

/** `'x' in extras` -> `extra == "x"`, `'x' not in extras` -> `extra != "x"`. */
function extrasToExtra(node: MarkerNode): MarkerNode {
  if (node.kind !== "compare") return { kind: node.kind, children: node.children.map(extrasToExtra) };
  const { left, op, right } = node;
  if (right.kind !== "variable" || right.name !== "extras" || left.kind !== "literal") return node;
  return { kind: "compare", left: { kind: "variable", name: "extra" }, op: op === "in" ? "==" : "!=", right: left };
}

const text = (value: MarkerNode | boolean): string | boolean => (typeof value === "boolean" ? value : markerToString(value));

/**
 * The marker of the root's edge to this package in a group environment
 * whose `dependency_groups` is `groups`: `true` (always), `false` (never),
 * or the PEP 508 marker that remains.
 */
export function rootEdgeMarker(node: MarkerNode, groups: readonly string[]): string | boolean {
  const value = specializeMarker(node, { dependencyGroups: new Set(groups.map(normalizeName)) });
  return typeof value === "boolean" ? value : markerToString(extrasToExtra(value));
}

/** `a or b or …` of marker texts, as one canonical marker. */
function anyOf(markers: string[]): string {
  return markers.length === 1 ? (markers[0] as string) : markerToString(parseMarker(markers.map((m) => `(${m})`).join(" or ")));
}

/**
 * Where the package may be installed at all, whatever groups and extras are
 * asked for: the environment part of its marker, for telling apart entries
 * of one name and for edges from the packages that depend on it.
 */
export function environmentMarker(node: MarkerNode, scope: PylockScope): string | boolean {
  const groupSets = [scope.defaultGroups, ...scope.groups.map((g) => [...scope.defaultGroups, g])];
  const extraSets = [[], ...scope.extras.map((e) => [e]), scope.extras];
  const found = new Set<string>();
  for (const dependencyGroups of groupSets) {
    for (const extras of extraSets) {
      const value = text(specializeMarker(node, { dependencyGroups: new Set(dependencyGroups), extras: new Set(extras) }));
      if (value === true) return true;
      if (typeof value === "string") found.add(value);
    }
  }
  return found.size === 0 ? false : anyOf([...found].sort());
}
