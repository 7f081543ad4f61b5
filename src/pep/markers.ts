/**
 * PEP 508 environment markers: parser, evaluator and canonical printer.
 * Grammar, error messages and evaluation follow pypa/packaging, except where
 * noted at the point of difference.
 */
import { Lock2nixError, LockError, ParseError } from "../errors.js";
import { normalizeExtra } from "./normalize.js";
import { parseSpecifier, specifiersContain } from "./specifier.js";
import { parseVersion } from "./version.js";

export interface MarkerEnvironment {
  python_version: string;
  python_full_version: string;
  sys_platform: string;
  platform_system: string;
  platform_machine: string;
  os_name: string;
  implementation_name: string;
  implementation_version: string;
  platform_python_implementation: string;
  platform_release: string;
  platform_version: string;
}

/**
 * PEP 751 marker variables: sets of names, defined only when installing from
 * a lock file (pylock.toml), and compared only as `'name' in extras`.
 */
export type SetMarkerVariable = "extras" | "dependency_groups";

export type MarkerVariable = keyof MarkerEnvironment | "extra" | SetMarkerVariable;

export interface MarkerParseOptions {
  /** Accept PEP 751's lock-file variables `extras` and `dependency_groups`; elsewhere they are unknown variables. */
  lockFile?: boolean;
}

/** The values of PEP 751's set variables while installing from a lock file; names compare PEP 503-normalized. */
export interface LockMarkerContext {
  extras: ReadonlySet<string>;
  dependencyGroups: ReadonlySet<string>;
}

export type MarkerOperator = "<" | "<=" | "==" | "!=" | ">=" | ">" | "~=" | "===" | "in" | "not in";

export type MarkerOperand =
  | { kind: "variable"; name: MarkerVariable }
  | { kind: "literal"; value: string };

/** `and`/`or` nodes have two or more children; the parser never nests a kind in itself. */
export type MarkerNode =
  | { kind: "and"; children: MarkerNode[] }
  | { kind: "or"; children: MarkerNode[] }
  | { kind: "compare"; left: MarkerOperand; op: MarkerOperator; right: MarkerOperand };

// ---------------------------------------------------------------------------
// Scanner: context-sensitive tokens read on demand, shared with requirement.ts

/** @internal Cursor over a source string; `fail` reports with a caret. */
export class Scanner {
  pos = 0;
  constructor(readonly source: string) {}

  /** Returns the match of a sticky regex at the cursor, without consuming it. */
  peek(re: RegExp): string | undefined {
    re.lastIndex = this.pos;
    return re.exec(this.source)?.[0];
  }

  take(re: RegExp): string | undefined {
    const text = this.peek(re);
    if (text !== undefined) this.pos += text.length;
    return text;
  }

  skipSpace(): void {
    this.take(WS);
  }

  atEnd(): boolean {
    return this.pos >= this.source.length;
  }

  expect(re: RegExp, expected: string): string {
    const text = this.take(re);
    if (text === undefined) this.fail(`Expected ${expected}`);
    return text;
  }

  /** Throws a ParseError underlining `start..end` with the caret at `end`. */
  fail(message: string, start: number = this.pos, end: number = this.pos): never {
    const underline = " ".repeat(start) + "~".repeat(Math.max(0, end - start)) + "^";
    // Only the caller knows the line a marker or requirement came from.
    throw new ParseError(`${message}\n    ${this.source}\n    ${underline}`, { column: end + 1 });
  }

  /** Parses `open inner close` when `open` is next, else just `inner`. */
  enclosed<T>(pair: "()" | "[]", what: string, inner: () => T): T {
    const [open, close] = pair === "()" ? [LPAREN, RPAREN] : [LBRACKET, RBRACKET];
    const openAt = this.pos;
    const opened = this.take(open) !== undefined;
    const result = inner();
    if (opened && this.take(close) === undefined) {
      this.fail(`Expected matching '${pair[1]}' for '${pair[0]}', after ${what}`, openAt);
    }
    return result;
  }
}

/** @internal Blanks between tokens; PEP 508 allows spaces and tabs only. */
export const WS = /[ \t]+/y;
const LPAREN = /\(/y;
const RPAREN = /\)/y;
const LBRACKET = /\[/y;
const RBRACKET = /\]/y;
const QUOTED = /'[^']*'|"[^"]*"/y;
const BOOLOP = /\b(?:or|and)\b/y;
const IN = /\bin\b/y;
const NOT = /\bnot\b/y;
const OP = /===|==|~=|!=|<=|>=|<|>/y;
// Dotted PEP 345 and setuptools spellings are accepted as aliases.
const VARIABLE =
  /\b(?:python_version|python_full_version|os[._]name|sys[._]platform|platform_(?:release|system)|platform[._](?:version|machine|python_implementation)|python_implementation|implementation_(?:name|version)|extra)\b/y;
const SET_VARIABLE = /\b(?:extras|dependency_groups)\b/y;

export function isSetVariable(name: MarkerVariable): name is SetMarkerVariable {
  return name === "extras" || name === "dependency_groups";
}

function canonicalVariable(text: string): MarkerVariable {
  const name = text.replace(".", "_");
  if (name === "python_implementation") return "platform_python_implementation";
  return name as MarkerVariable;
}

// ---------------------------------------------------------------------------
// Parser

/** @internal marker = atom (("and" | "or") atom)*, starting at the scanner's cursor. */
export function parseMarkerExpression(s: Scanner, options: MarkerParseOptions = {}): MarkerNode {
  const atoms = [parseAtom(s, options)];
  const ops: string[] = [];
  for (let op = s.take(BOOLOP); op !== undefined; op = s.take(BOOLOP)) {
    ops.push(op);
    atoms.push(parseAtom(s, options));
  }
  // `and` binds tighter than `or`: split at each `or` into and-groups.
  const groups: MarkerNode[][] = [[atoms[0]!]];
  ops.forEach((op, i) => {
    if (op === "or") groups.push([]);
    groups[groups.length - 1]!.push(atoms[i + 1]!);
  });
  return combine("or", groups.map((g) => combine("and", g)));
}

function combine(kind: "and" | "or", nodes: MarkerNode[]): MarkerNode {
  // Flattening makes `a and (b and c)` and `a and b and c` the same tree.
  const children = nodes.flatMap((n) => (n.kind === kind ? n.children : [n]));
  return children.length === 1 ? children[0]! : { kind, children };
}

const MAX_NESTING = 100;
/** Open parentheses per marker being parsed. */
const nesting = new WeakMap<Scanner, number>();

function parseAtom(s: Scanner, options: MarkerParseOptions): MarkerNode {
  s.skipSpace();
  let node: MarkerNode;
  if (s.peek(LPAREN) !== undefined) {
    // Each level is a stack frame: bound them, so `((((…` cannot overflow the stack.
    const depth = (nesting.get(s) ?? 0) + 1;
    if (depth > MAX_NESTING) s.fail(`Markers nest deeper than ${MAX_NESTING} parentheses`);
    nesting.set(s, depth);
    node = s.enclosed("()", "marker expression", () => {
      s.skipSpace();
      const inner = parseMarkerExpression(s, options);
      s.skipSpace();
      nesting.set(s, depth - 1);
      return inner;
    });
  } else {
    node = parseComparison(s, options);
  }
  s.skipSpace();
  return node;
}

function parseComparison(s: Scanner, options: MarkerParseOptions): MarkerNode {
  const start = s.pos;
  const left = parseOperand(s, options);
  s.skipSpace();
  const op = parseOperator(s);
  s.skipSpace();
  const right = parseOperand(s, options);
  const end = s.pos;
  s.skipSpace();
  const set = [left, right].find((o) => o.kind === "variable" && isSetVariable(o.name));
  if (set?.kind === "variable") {
    // A set holds names: only membership of a quoted name means anything.
    if (left.kind !== "literal" || right !== set || (op !== "in" && op !== "not in")) {
      s.fail(`\`${set.name}\` is a set of names: compare it as '<name>' in ${set.name} or '<name>' not in ${set.name}`, start, end);
    }
    return { kind: "compare", left: { kind: "literal", value: normalizeExtra(left.value) }, op, right };
  }
  // PEP 685: extra names compare normalized, so store them normalized.
  if (left.kind === "variable" && left.name === "extra" && right.kind === "literal") {
    return { kind: "compare", left, op, right: { kind: "literal", value: normalizeExtra(right.value) } };
  }
  if (right.kind === "variable" && right.name === "extra" && left.kind === "literal") {
    return { kind: "compare", left: { kind: "literal", value: normalizeExtra(left.value) }, op, right };
  }
  return { kind: "compare", left, op, right };
}

function parseOperand(s: Scanner, options: MarkerParseOptions): MarkerOperand {
  const setVariable = options.lockFile ? s.take(SET_VARIABLE) : undefined;
  if (setVariable !== undefined) return { kind: "variable", name: setVariable as SetMarkerVariable };
  const variable = s.take(VARIABLE);
  if (variable !== undefined) return { kind: "variable", name: canonicalVariable(variable) };
  const start = s.pos;
  const quoted = s.take(QUOTED);
  if (quoted !== undefined) {
    // packaging runs Python's literal_eval here; PEP 508 strings have no
    // escapes, so a backslash is refused rather than guessed at.
    if (quoted.includes("\\")) s.fail("Invalid quoted string (backslash escapes are not supported)", start);
    return { kind: "literal", value: quoted.slice(1, -1) };
  }
  return s.fail("Expected a marker variable or quoted string");
}

function parseOperator(s: Scanner): MarkerOperator {
  if (s.take(IN) !== undefined) return "in";
  if (s.take(NOT) !== undefined) {
    s.expect(WS, "whitespace after 'not'");
    s.expect(IN, "'in' after 'not'");
    return "not in";
  }
  const op = s.take(OP);
  if (op !== undefined) return op as MarkerOperator;
  return s.fail("Expected marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in");
}

export function parseMarker(text: string, options: MarkerParseOptions = {}): MarkerNode {
  const s = new Scanner(text);
  const node = parseMarkerExpression(s, options);
  if (!s.atEnd()) s.fail("Expected end of marker expression");
  return node;
}

// ---------------------------------------------------------------------------
// Printer

function operandToString(o: MarkerOperand): string {
  if (o.kind === "variable") return o.name;
  // A single-quoted literal may hold `"`; there are no escapes to use instead.
  return o.value.includes('"') ? `'${o.value}'` : `"${o.value}"`;
}

export function markerToString(node: MarkerNode): string {
  switch (node.kind) {
    case "compare":
      return `${operandToString(node.left)} ${node.op} ${operandToString(node.right)}`;
    case "and":
      return node.children
        .map((c) => (c.kind === "or" && c.children.length > 1 ? `(${markerToString(c)})` : markerToString(c)))
        .join(" and ");
    case "or":
      return node.children.map(markerToString).join(" or ");
  }
}

// ---------------------------------------------------------------------------
// Evaluator

const NEGATED: Partial<Record<MarkerOperator, MarkerOperator>> = { "!=": "==", "not in": "in" };

/**
 * Evaluates a marker. `extras` is the set the `extra` variable stands for;
 * `context` gives PEP 751's `extras` and `dependency_groups` sets, without
 * which a marker that uses them is an error.
 */
export function evaluateMarker(
  node: MarkerNode,
  env: MarkerEnvironment,
  extras?: ReadonlySet<string>,
  context?: LockMarkerContext,
): boolean {
  switch (node.kind) {
    // Every comparison is evaluated, as packaging does, so an undefined one fails whatever its neighbours say.
    case "and":
      return node.children.map((c) => evaluateMarker(c, env, extras, context)).every(Boolean);
    case "or":
      return node.children.map((c) => evaluateMarker(c, env, extras, context)).some(Boolean);
    case "compare":
      return evaluateComparison(node, env, extras, context);
  }
}

function setValue(name: SetMarkerVariable, context: Partial<LockMarkerContext>): ReadonlySet<string> | undefined {
  return name === "extras" ? context.extras : context.dependencyGroups;
}

/** Membership in a PEP 751 set; the parser guarantees `'name' in|not in <set>`. */
function evaluateSetComparison(node: Extract<MarkerNode, { kind: "compare" }>, set: ReadonlySet<string>): boolean {
  const name = node.left.kind === "literal" ? normalizeExtra(node.left.value) : "";
  const found = [...set].some((v) => normalizeExtra(v) === name);
  return node.op === "not in" ? !found : found;
}

function setVariableOf(node: Extract<MarkerNode, { kind: "compare" }>): SetMarkerVariable | undefined {
  const { left, right } = node;
  if (right.kind === "variable" && isSetVariable(right.name)) return right.name;
  if (left.kind === "variable" && isSetVariable(left.name)) return left.name;
  return undefined;
}

function evaluateComparison(
  node: Extract<MarkerNode, { kind: "compare" }>,
  env: MarkerEnvironment,
  extras: ReadonlySet<string> | undefined,
  context: LockMarkerContext | undefined,
): boolean {
  const { left, op, right } = node;
  const setVariable = setVariableOf(node);
  if (setVariable !== undefined) {
    if (!context) {
      throw new LockError(
        `marker variable \`${setVariable}\` is only defined when installing from a lock file (PEP 751), and no lock context was given`,
      );
    }
    return evaluateSetComparison(node, setValue(setVariable, context) as ReadonlySet<string>);
  }
  const isExtra = (o: MarkerOperand) => o.kind === "variable" && o.name === "extra";
  if (isExtra(left) || isExtra(right)) {
    // `extra` stands for the set of requested extras: a positive comparison
    // holds if it holds for some extra, a negated one if its positive doesn't.
    const candidates = (o: MarkerOperand): string[] =>
      isExtra(o) ? [...(extras ?? [])].map(normalizeExtra) : [normalizeExtra(resolve(o, env))];
    const positive = NEGATED[op] ?? op;
    const found = candidates(left).some((l) => candidates(right).some((r) => compareStrings(l, positive, r)));
    return positive === op ? found : !found;
  }
  let lhs = resolve(left, env);
  let rhs = resolve(right, env);
  // packaging repairs python_full_version "3.11.1+" from untagged builds.
  if (left.kind === "variable" && left.name === "python_full_version") lhs = lhs.replace(/\+$/, "");
  if (right.kind === "variable" && right.name === "python_full_version") rhs = rhs.replace(/\+$/, "");
  // As packaging: a comparison whose right side makes a PEP 440 specifier compares versions.
  const spec = op === "in" || op === "not in" ? undefined : parseSpecifier(`${op}${rhs}`);
  if (spec) {
    const version = parseVersion(lhs);
    if (version) return specifiersContain([spec], version, { prereleases: true });
    // packaging raises on a left side that is not a version; an unknown value cannot be compatible.
    if (op === "~=") return false;
  }
  return compareStrings(lhs, op, rhs);
}

function resolve(o: MarkerOperand, env: MarkerEnvironment): string {
  if (o.kind === "literal") return o.value;
  if (o.name === "extra" || isSetVariable(o.name)) return "";
  return env[o.name];
}

/**
 * Non-version comparison. Ordering operators order strings as PEP 508 (Python's
 * `<` on str) says; packaging ≥ 22 instead makes `<`/`>` false there.
 */
function compareStrings(lhs: string, op: MarkerOperator, rhs: string): boolean {
  switch (op) {
    case "==":
    case "===":
      return lhs === rhs;
    case "!=":
      return lhs !== rhs;
    case "<":
      return lhs < rhs;
    case "<=":
      return lhs <= rhs;
    case ">":
      return lhs > rhs;
    case ">=":
      return lhs >= rhs;
    case "in":
      return rhs.includes(lhs);
    case "not in":
      return !rhs.includes(lhs);
    case "~=":
      throw new LockError(`Undefined comparison ${JSON.stringify(lhs)} ~= ${JSON.stringify(rhs)}: ~= needs versions`);
  }
}

export function evaluateMarkerText(
  text: string,
  env: MarkerEnvironment,
  extras?: ReadonlySet<string>,
  context?: LockMarkerContext,
): boolean {
  return evaluateMarker(parseMarker(text, { lockFile: context !== undefined }), env, extras, context);
}

/**
 * Partial evaluation: replaces every comparison on a set variable that
 * `known` gives by its truth value and simplifies. Returns `true` or `false`
 * when the whole marker is decided, else the marker that remains (which no
 * longer mentions the variables given).
 */
export function specializeMarker(node: MarkerNode, known: Partial<LockMarkerContext>): MarkerNode | boolean {
  switch (node.kind) {
    case "compare": {
      const variable = setVariableOf(node);
      const set = variable && setValue(variable, known);
      return set ? evaluateSetComparison(node, set) : node;
    }
    case "and":
    case "or": {
      // `and` is decided by a false child, `or` by a true one; the other value drops out.
      const decisive = node.kind === "or";
      const rest: MarkerNode[] = [];
      for (const child of node.children) {
        const value = specializeMarker(child, known);
        if (value === decisive) return decisive;
        if (value !== !decisive) rest.push(value as MarkerNode);
      }
      if (rest.length === 0) return !decisive;
      return combine(node.kind, rest);
    }
  }
}

/** Whether the marker compares anything with `variable`. */
export function markerUses(node: MarkerNode, variable: MarkerVariable): boolean {
  if (node.kind !== "compare") return node.children.some((c) => markerUses(c, variable));
  return [node.left, node.right].some((o) => o.kind === "variable" && o.name === variable);
}

// ---------------------------------------------------------------------------
// Environments for Nix systems

/**
 * Patch releases of CPython that nixpkgs ships for each minor version; markers
 * such as `python_full_version < "3.11.2"` need the patch level. Update when
 * the pinned nixpkgs moves (pkgs/development/interpreters/python/default.nix,
 * each `sourceVersion`; 3.15 is the pre-release 3.15.0b3).
 */
export const NIXPKGS_PYTHON_PATCH_RELEASES: Readonly<Record<string, string>> = {
  "3.11": "3.11.15",
  "3.12": "3.12.13",
  "3.13": "3.13.14",
  "3.14": "3.14.6",
  "3.15": "3.15.0b3",
};

const SYSTEMS: Readonly<Record<string, Pick<MarkerEnvironment, "sys_platform" | "platform_system" | "platform_machine">>> = {
  "x86_64-linux": { sys_platform: "linux", platform_system: "Linux", platform_machine: "x86_64" },
  "aarch64-linux": { sys_platform: "linux", platform_system: "Linux", platform_machine: "aarch64" },
  "x86_64-darwin": { sys_platform: "darwin", platform_system: "Darwin", platform_machine: "x86_64" },
  // macOS reports Apple silicon as arm64, not aarch64.
  "aarch64-darwin": { sys_platform: "darwin", platform_system: "Darwin", platform_machine: "arm64" },
};

/** `platform.release()` assumed per OS: Linux 6.12 (nixpkgs' default LTS kernel), Darwin 23 (macOS 14). */
export const KERNEL_RELEASES: Readonly<Record<string, string>> = { linux: "6.12.0", darwin: "23.6.0" };

export function markerEnvironmentFor(target: { pythonVersion: string; system: string }): MarkerEnvironment {
  const platform = Object.hasOwn(SYSTEMS, target.system) ? SYSTEMS[target.system] : undefined;
  if (platform === undefined) {
    throw new Lock2nixError(
      `unsupported Nix system ${JSON.stringify(target.system)}; expected one of ${Object.keys(SYSTEMS).join(", ")}`,
    );
  }
  // A full "3.12.3" pins the patch release; "3.12" takes nixpkgs' one.
  const minor = target.pythonVersion.split(".").slice(0, 2).join(".");
  const full =
    target.pythonVersion !== minor
      ? target.pythonVersion
      : Object.hasOwn(NIXPKGS_PYTHON_PATCH_RELEASES, minor)
        ? NIXPKGS_PYTHON_PATCH_RELEASES[minor]!
        : `${minor}.0`;
  return {
    python_version: minor,
    python_full_version: full,
    ...platform,
    os_name: "posix",
    implementation_name: "cpython",
    implementation_version: full,
    platform_python_implementation: "CPython",
    // The kernel is unknown when the lock is converted: a recent release stands for it, so a
    // package split on platform_release keeps one of its pins (README, "Markers").
    platform_release: KERNEL_RELEASES[platform.sys_platform] ?? "",
    // The build string is free text no marker can usefully compare.
    platform_version: "",
  };
}
