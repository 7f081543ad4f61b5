import { ParseError } from "../../errors.js";
import { markerToString, parseMarker, type MarkerNode, type MarkerOperand } from "../../pep/markers.js";
import { normalizeExtra, normalizeName } from "../../pep/normalize.js";
import type { Fields } from "../fields.js";
import { isTable } from "../fields.js";

/**
 * uv writes "conflicts" (extras and dependency groups that may not be
 * installed together) into markers as synthetic extras:
 * `extra == 'extra-{len}-{package}-{extra}'`, `extra == 'group-{len}-{package}-{group}'`
 * and `extra == 'project-{len}-{package}'`. lock2nix installs one
 * consistent set of packages, so these are decided when the lock is read.
 */
export interface ConflictItem {
  kind: "extra" | "group" | "project";
  package: string;
  /** The extra or group; absent for a whole project. */
  name?: string;
}

const ENCODED = /^(extra|group|project)-(\d+)-(.*)$/;

export function decodeConflictItem(literal: string): ConflictItem | undefined {
  const m = ENCODED.exec(literal);
  if (!m) return undefined;
  const kind = m[1] as ConflictItem["kind"];
  const length = Number(m[2]);
  const rest = m[3] as string;
  if (rest.length < length) return undefined;
  const pkg = rest.slice(0, length);
  if (kind === "project") return rest.length === length ? { kind, package: pkg } : undefined;
  if (rest[length] !== "-" || rest.length === length + 1) return undefined;
  return { kind, package: pkg, name: rest.slice(length + 1) };
}

export function describeItem(item: ConflictItem): string {
  if (item.kind === "extra") return `${item.package}[${item.name}]`;
  if (item.kind === "group") return `${item.package}:${item.name}`;
  return item.package;
}

/**
 * Which conflicting items lock2nix takes as active. Dependency groups and
 * projects are active, as lock2nix installs every group by default, except
 * that of each declared conflict set only the first such item stays active.
 * Extras of other packages are inactive (a package's own extras are kept as
 * plain `extra == …` markers, which the resolver decides).
 */
export class ConflictAssignment {
  private readonly inactive = new Set<string>();
  /** The items decided by assumption, for the warning. */
  readonly assumedActive = new Set<string>();
  readonly assumedInactive = new Set<string>();
  /** Each declared set, described, for the warning. */
  readonly sets: string[] = [];
  /** Each declared set's items. */
  readonly declared: ConflictItem[][] = [];

  constructor(conflicts: unknown, top: Fields) {
    if (conflicts === undefined) return;
    const fail = (): never => {
      throw new ParseError(
        "`conflicts` must be an array of arrays of tables {package, extra} or {package, group}",
        top.location,
      );
    };
    if (!Array.isArray(conflicts)) fail();
    for (const set of conflicts as unknown[]) {
      if (!Array.isArray(set)) fail();
      const items = (set as unknown[]).map((entry): ConflictItem => {
        if (!isTable(entry) || typeof entry["package"] !== "string") return fail();
        const pkg = normalizeName(entry["package"]);
        if (typeof entry["extra"] === "string") return { kind: "extra", package: pkg, name: normalizeExtra(entry["extra"]) };
        if (typeof entry["group"] === "string") return { kind: "group", package: pkg, name: normalizeName(entry["group"]) };
        if (entry["extra"] !== undefined || entry["group"] !== undefined) fail();
        return { kind: "project", package: pkg };
      });
      this.sets.push(items.map(describeItem).join(" with "));
      this.declared.push(items);
      const activeCandidates = items.filter((i) => i.kind !== "extra" && !this.inactive.has(key(i)));
      for (const loser of activeCandidates.slice(1)) this.inactive.add(key(loser));
    }
  }

  /** The value lock2nix assumes for an item outside its owner's own dependency lists. */
  value(item: ConflictItem): boolean {
    const active = item.kind !== "extra" && !this.inactive.has(key(item));
    (active ? this.assumedActive : this.assumedInactive).add(describeItem(item));
    return active;
  }
}

const key = (i: ConflictItem) => `${i.kind} ${i.package} ${i.name ?? ""}`;

/** Where a marker sits, which decides how conflict items in it read. */
export interface MarkerContext {
  /** The package whose dependency list holds the marker. */
  owner?: string;
  /**
   * The owner's extras when its list is copied into another package's (a
   * virtual package's dependencies): its own extras are then known.
   */
  ownerExtras?: ReadonlySet<string>;
  /** The owner's dependency group whose list holds the marker: it is active there. */
  ownerGroup?: string;
}

type Folded = MarkerNode | boolean;

const isExtraVariable = (o: MarkerOperand) => o.kind === "variable" && o.name === "extra";

function fold(node: MarkerNode, atom: (c: Extract<MarkerNode, { kind: "compare" }>) => Folded): Folded {
  if (node.kind === "compare") return atom(node);
  const decisive = node.kind === "or";
  const rest: MarkerNode[] = [];
  for (const child of node.children) {
    const value = fold(child, atom);
    if (typeof value === "boolean") {
      if (value === decisive) return decisive;
      continue;
    }
    rest.push(...(value.kind === node.kind ? value.children : [value]));
  }
  if (rest.length === 0) return !decisive;
  return rest.length === 1 ? (rest[0] as MarkerNode) : { kind: node.kind, children: rest };
}

/**
 * Decides the conflict items of a marker for `context`: the owner's own
 * extras become plain `extra` comparisons, other items take the assumed
 * values. Returns the marker left, or true/false when it is decided.
 */
export function resolveConflicts(node: MarkerNode, context: MarkerContext, assignment: ConflictAssignment): Folded {
  return fold(node, (c) => {
    if (c.op !== "==" && c.op !== "!=") return c;
    const literal = isExtraVariable(c.left) && c.right.kind === "literal" ? c.right : isExtraVariable(c.right) && c.left.kind === "literal" ? c.left : undefined;
    const item = literal && decodeConflictItem(literal.value);
    if (!item) return c;
    let value: boolean;
    if (item.kind === "extra" && item.package === context.owner) {
      if (!context.ownerExtras) {
        return { kind: "compare", left: { kind: "variable", name: "extra" }, op: c.op, right: { kind: "literal", value: item.name as string } };
      }
      value = context.ownerExtras.has(item.name as string);
    } else if (item.kind === "group" && item.package === context.owner && item.name === context.ownerGroup) {
      value = true;
    } else {
      value = assignment.value(item);
    }
    return c.op === "==" ? value : !value;
  });
}

/** Removes every conflict item, taking each as true: the environments where some choice of extras and groups applies. */
export function dropConflicts(node: MarkerNode): Folded {
  return fold(node, (c) => {
    const literal = isExtraVariable(c.left) ? c.right : isExtraVariable(c.right) ? c.left : undefined;
    return literal?.kind === "literal" && decodeConflictItem(literal.value) ? true : c;
  });
}

/** Parses a marker found at `owner`, so a bad one is reported with its package and line. */
export function readMarkerNode(text: string, owner: Fields): MarkerNode {
  try {
    return parseMarker(text);
  } catch (err) {
    if (err instanceof ParseError) {
      throw new ParseError(`${owner.where}: invalid marker: ${err.message}`, owner.location);
    }
    throw err;
  }
}

export function orMarkers(nodes: MarkerNode[]): MarkerNode | undefined {
  const children = nodes.flatMap((n) => (n.kind === "or" ? n.children : [n]));
  const unique = [...new Map(children.map((c) => [markerToString(c), c])).values()];
  if (unique.length <= 1) return unique[0];
  return { kind: "or", children: unique };
}

export function andMarkers(a: MarkerNode | undefined, b: MarkerNode | undefined): MarkerNode | undefined {
  if (!a || !b) return a ?? b;
  const children = [a, b].flatMap((n) => (n.kind === "and" ? n.children : [n]));
  return { kind: "and", children };
}
