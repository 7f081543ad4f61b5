/**
 * The override schema (see overrides/README.md) and its validator. Files are
 * parsed with the `yaml` package into nodes that keep their source offsets,
 * so every problem names the file, the line and the field. Validation is
 * strict: unknown keys, wrong types, bad version ranges and attribute paths
 * that are not plain identifiers are errors, all of them reported at once.
 */
import { isValidSpecifierSet } from "../pep/specifier.js";
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Pair } from "yaml";
import { ParseError } from "../errors.js";
import { isValidName, normalizeName } from "../pep/normalize.js";

/** A nixpkgs attribute path as the library may name it: `pkg-config`, `libxml2.dev`, `libpq.pg_config`. */
export const ATTR_PATH = /^[A-Za-z_][A-Za-z0-9_'-]*(\.[A-Za-z_][A-Za-z0-9_'-]*)*$/;
/** A python-package attribute (one identifier): `setuptools`, `meson-python`. */
export const PYTHON_ATTR = /^[A-Za-z_][A-Za-z0-9_'-]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CARGO_ROOT = /^[A-Za-z0-9_.+-]+(\/[A-Za-z0-9_.+-]+)*$/;
const CRATE_ID = /^[A-Za-z0-9_-]+-[0-9][A-Za-z0-9_.+-]*$/;
const SRI_SHA256 = /^sha256-[A-Za-z0-9+/]{43}=$/;

/** The list fields, as written in the files. */
export const LIST_FIELDS = ["build-system", "nativeBuildInputs", "buildInputs", "patches"] as const;
export type ListField = (typeof LIST_FIELDS)[number];

/**
 * Hook variables an entry may set, each one nixpkgs' own hooks read (and the
 * test stand-in accepts). Add one only when nixpkgs has it.
 */
export const FLAGS = ["dontUseCmakeConfigure", "dontUseMesonConfigure"] as const;
export type Flag = (typeof FLAGS)[number];

export const SYSTEM_BLOCKS = ["darwin", "linux"] as const;
export type SystemBlock = (typeof SYSTEM_BLOCKS)[number];

/** One list item, with the version range it is limited to. */
export interface Item {
  value: string;
  versions?: string;
}

/** An environment variable's value: a string, or a nixpkgs attribute's store path. */
export type EnvValue = { string: string } | { attr: string };

export interface CargoSpec {
  /** Where Cargo.toml sits in the unpacked sdist (nixpkgs' `cargoRoot`). */
  root?: string;
  /** Built by maturin (`rustPlatform.maturinBuildHook`); otherwise setuptools-rust, from build-system. */
  maturin?: boolean;
  /** `outputHashes` for git crates in the sdist's Cargo.lock: `<crate>-<version>` -> SRI hash. */
  gitHashes?: Record<string, string>;
}

/** Part of a substitution's replacement: text, or a nixpkgs package's store path (`{lib:libpq}`, `{out:geos}`). */
export type SubstitutionPart = { text: string } | { attr: string; output: "lib" | "out" };

/** `substituteInPlace <file> --replace-fail <replace> <with>` in postPatch, as nixpkgs' derivations pin library paths. */
export interface Substitution {
  file: string;
  replace: string;
  with: SubstitutionPart[];
}

/** What one block of a file says; a field left out says nothing. */
export interface Fragment {
  lists: Partial<Record<ListField, Item[]>>;
  /** List fields written as `+field` (user files): appended to what came before instead of replacing it. */
  append: Partial<Record<ListField, Item[]>>;
  env?: Record<string, EnvValue>;
  cargo?: CargoSpec;
  networkAtBuild?: boolean;
  /** Skip pypa build's dependency check: the sdist pins a build requirement nixpkgs' newer one does not meet. */
  relaxBuildPins?: boolean;
  flags?: Partial<Record<Flag, boolean>>;
  substitutions?: Substitution[];
  /** Extra `pypaBuildFlags` (e.g. `-Csetup-args=-Dsystem-freetype=true` for meson-python). */
  buildFlags?: string[];
}

/** What a binary wheel's derivation gets (autoPatchelfHook's inputs); nothing else applies to a wheel. */
export interface WheelFragment {
  nativeBuildInputs?: Item[];
  buildInputs?: Item[];
  /** `autoPatchelfIgnoreMissingDeps`: libraries the wheel loads that the system provides (libcuda.so.1). */
  ignoreMissingLibs?: string[];
}

export interface Block extends Fragment {
  versions?: string;
  systems: Partial<Record<SystemBlock, Fragment>>;
  wheel?: WheelFragment;
}

export interface OverrideEntry extends Block {
  /** The package, PEP 503-normalized. */
  name: string;
  reason?: string;
  /** Version-limited blocks, applied after the entry's own fields in file order. */
  when: Block[];
  /** Where it was read, for messages. */
  file: string;
  line: number;
}

export interface OverrideProblem {
  file: string;
  line: number;
  /** The field, as a path: `darwin.buildInputs[1]`; empty for the whole file. */
  field: string;
  message: string;
}

const formatProblem = (p: OverrideProblem) => `${p.file}:${p.line}: ${p.field ? `${p.field}: ` : ""}${p.message}`;

/** An override file that does not follow the schema: every problem found, each with file, line and field. */
export class OverrideError extends ParseError {
  constructor(readonly problems: OverrideProblem[]) {
    const first = problems[0] as OverrideProblem;
    super(`${first.field ? `${first.field}: ` : ""}${first.message}`, { file: first.file, line: first.line });
  }

  override format(): string {
    return this.problems.map(formatProblem).join("\n");
  }

  /** Each problem as `file:line: field: message`. */
  lines(): string[] {
    return this.problems.map(formatProblem);
  }
}

type YNode = unknown;

class Checker {
  readonly problems: OverrideProblem[] = [];
  constructor(
    readonly file: string,
    private readonly lines: LineCounter,
    /** User files may write `+field` to append, and need no `reason`. */
    readonly user: boolean,
  ) {}

  line(node: YNode): number {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? this.lines.linePos(range[0]).line : 1;
  }

  problem(node: YNode, field: string, message: string): void {
    this.problems.push({ file: this.file, line: this.line(node), field, message });
  }
}

function describe(node: YNode): string {
  if (isMap(node)) return "a map";
  if (isSeq(node)) return "a list";
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return "nothing";
    if (typeof v === "string") return `the string ${JSON.stringify(v)}`;
    return `${typeof v === "number" || typeof v === "bigint" ? "the number" : typeof v === "boolean" ? "the boolean" : "the value"} ${String(v)}`;
  }
  return "something else";
}

const join = (base: string, key: string) => (base ? `${base}.${key}` : key);

function stringOf(c: Checker, node: YNode, field: string, what = "a string"): string | undefined {
  if (isScalar(node) && typeof node.value === "string") return node.value;
  const hint = isScalar(node) && (typeof node.value === "number" || typeof node.value === "boolean") ? " (quote it)" : "";
  c.problem(node, field, `expected ${what}${hint}, got ${describe(node)}`);
  return undefined;
}

function boolOf(c: Checker, node: YNode, field: string): boolean | undefined {
  if (isScalar(node) && typeof node.value === "boolean") return node.value;
  c.problem(node, field, `expected true or false, got ${describe(node)}`);
  return undefined;
}

function rangeOf(c: Checker, node: YNode, field: string): string | undefined {
  const s = stringOf(c, node, field, "a PEP 440 version range");
  if (s === undefined) return undefined;
  if (s.trim() === "" || !isValidSpecifierSet(s) || s.split(",").some((clause) => clause.trim() === "")) {
    c.problem(node, field, `${JSON.stringify(s)} is not a PEP 440 version range (e.g. ">=2.0,<3")`);
    return undefined;
  }
  return s.trim();
}

/** The pairs of a map, each key a plain string; problems for anything else. */
function pairsOf(c: Checker, node: YNode, field: string): Array<[string, YNode, Pair]> | undefined {
  if (!isMap(node)) {
    c.problem(node, field, `expected a map, got ${describe(node)}`);
    return undefined;
  }
  const out: Array<[string, YNode, Pair]> = [];
  for (const pair of node.items) {
    if (!isScalar(pair.key) || typeof pair.key.value !== "string") {
      c.problem(pair.key ?? node, field, `expected a plain key, got ${describe(pair.key)}`);
      continue;
    }
    out.push([pair.key.value, pair.value, pair]);
  }
  return out;
}

function unknownKey(c: Checker, pair: Pair, field: string, key: string, allowed: readonly string[]): void {
  c.problem(pair.key, join(field, key), `unknown key \`${key}\` (expected one of: ${allowed.join(", ")})`);
}

function checkAttr(c: Checker, node: YNode, field: string, listField: ListField, value: string): boolean {
  if (listField === "build-system") {
    if (PYTHON_ATTR.test(value)) return true;
    c.problem(node, field, `${JSON.stringify(value)} is not a python-package attribute name (a plain identifier: letters, digits, _ ' -)`);
    return false;
  }
  if (ATTR_PATH.test(value)) return true;
  c.problem(node, field, `${JSON.stringify(value)} is not a nixpkgs attribute path (identifiers of letters, digits, _ ' -, joined by dots)`);
  return false;
}

function listOf(c: Checker, node: YNode, field: string, listField: ListField): Item[] | undefined {
  if (!isSeq(node)) {
    c.problem(node, field, `expected a list, got ${describe(node)}`);
    return undefined;
  }
  const items: Item[] = [];
  node.items.forEach((item, i) => {
    const at = `${field}[${i}]`;
    if (isMap(item)) {
      const pairs = pairsOf(c, item, at) ?? [];
      let value: string | undefined;
      let versions: string | undefined;
      for (const [key, v, pair] of pairs) {
        if (key === "name") value = stringOf(c, v, `${at}.name`);
        else if (key === "versions") versions = rangeOf(c, v, `${at}.versions`);
        else unknownKey(c, pair, at, key, ["name", "versions"]);
      }
      if (!pairs.some(([k]) => k === "name")) c.problem(item, at, "a list item written as a map needs `name`");
      if (value !== undefined && checkAttr(c, item, `${at}.name`, listField, value)) items.push({ value, ...(versions ? { versions } : {}) });
      return;
    }
    const value = stringOf(c, item, at, "a name or a map { name, versions }");
    if (value !== undefined && checkAttr(c, item, at, listField, value)) items.push({ value });
  });
  return items;
}

function envOf(c: Checker, node: YNode, field: string): Record<string, EnvValue> | undefined {
  const pairs = pairsOf(c, node, field);
  if (!pairs) return undefined;
  const env: Record<string, EnvValue> = {};
  for (const [key, v] of pairs) {
    const at = join(field, key);
    if (!ENV_NAME.test(key)) {
      c.problem(v ?? node, at, `${JSON.stringify(key)} is not an environment variable name (letters, digits, _)`);
      continue;
    }
    if (isMap(v)) {
      if (!v.has("attr")) c.problem(v, at, "expected a string or { attr: <nixpkgs attribute path> }");
      for (const [k, av, pair] of pairsOf(c, v, at) ?? []) {
        if (k !== "attr") {
          unknownKey(c, pair, at, k, ["attr"]);
          continue;
        }
        const attr = stringOf(c, av, `${at}.attr`);
        if (attr === undefined) continue;
        if (!ATTR_PATH.test(attr)) c.problem(av, `${at}.attr`, `${JSON.stringify(attr)} is not a nixpkgs attribute path (identifiers of letters, digits, _ ' -, joined by dots)`);
        else env[key] = { attr };
      }
      continue;
    }
    const s = stringOf(c, v, at, "a string or { attr: <nixpkgs attribute path> }");
    if (s !== undefined) env[key] = { string: s };
  }
  return env;
}

function cargoOf(c: Checker, node: YNode, field: string): CargoSpec | undefined {
  const pairs = pairsOf(c, node, field);
  if (!pairs) return undefined;
  const cargo: CargoSpec = {};
  const keys = ["root", "maturin", "git-hashes"];
  for (const [key, v, pair] of pairs) {
    const at = join(field, key);
    if (key === "root") {
      const root = stringOf(c, v, at);
      if (root === undefined) continue;
      if (!CARGO_ROOT.test(root) || root.split("/").some((s) => s === "." || s === "..")) {
        c.problem(v, at, `${JSON.stringify(root)} is not a relative path inside the sdist (e.g. src/_bcrypt)`);
      } else cargo.root = root;
    } else if (key === "maturin") {
      const b = boolOf(c, v, at);
      if (b !== undefined) cargo.maturin = b;
    } else if (key === "git-hashes") {
      const hashes: Record<string, string> = {};
      for (const [crate, h] of pairsOf(c, v, at) ?? []) {
        const hat = join(at, crate);
        const hash = stringOf(c, h, hat);
        if (!CRATE_ID.test(crate)) c.problem(h, hat, `${JSON.stringify(crate)} is not <crate>-<version>`);
        else if (hash !== undefined && !SRI_SHA256.test(hash)) c.problem(h, hat, `${JSON.stringify(hash)} is not an SRI sha256 hash (sha256-…=)`);
        else if (hash !== undefined) hashes[crate] = hash;
      }
      cargo.gitHashes = hashes;
    } else unknownKey(c, pair, field, key, keys);
  }
  return cargo;
}

function flagsOf(c: Checker, node: YNode, field: string): Partial<Record<Flag, boolean>> | undefined {
  const pairs = pairsOf(c, node, field);
  if (!pairs) return undefined;
  const flags: Partial<Record<Flag, boolean>> = {};
  for (const [key, v, pair] of pairs) {
    if (!(FLAGS as readonly string[]).includes(key)) {
      unknownKey(c, pair, field, key, FLAGS);
      continue;
    }
    const b = boolOf(c, v, join(field, key));
    if (b !== undefined) flags[key as Flag] = b;
  }
  return flags;
}

/** `{lib:attr}` / `{out:attr}` in a replacement; any other text is literal. */
const PLACEHOLDER = /\{(lib|out):([^}]*)\}/g;
/** A path inside the unpacked source: relative, no `..`. */
const SOURCE_FILE = /^[A-Za-z0-9_.+-]+(\/[A-Za-z0-9_.+-]+)*$/;

function substitutionsOf(c: Checker, node: YNode, field: string): Substitution[] | undefined {
  if (!isSeq(node)) {
    c.problem(node, field, `expected a list of { file, replace, with }, got ${describe(node)}`);
    return undefined;
  }
  const out: Substitution[] = [];
  node.items.forEach((item, i) => {
    const at = `${field}[${i}]`;
    const got: Partial<Record<"file" | "replace" | "with", string>> = {};
    let reported = false;
    for (const [key, v, pair] of pairsOf(c, item, at) ?? []) {
      if (key !== "file" && key !== "replace" && key !== "with") {
        unknownKey(c, pair, at, key, ["file", "replace", "with"]);
        continue;
      }
      const s = stringOf(c, v, join(at, key));
      if (s === undefined) reported = true;
      else if (key === "file" && (!SOURCE_FILE.test(s) || s.split("/").some((p) => p === "." || p === ".."))) {
        c.problem(v, join(at, key), `${JSON.stringify(s)} is not a relative path inside the source (e.g. psycopg/pq/_pq_ctypes.py)`);
        reported = true;
      } else if (key === "replace" && s === "") {
        c.problem(v, join(at, key), "expected the text to replace, got an empty string");
        reported = true;
      } else got[key] = s;
    }
    if (got.file === undefined || got.replace === undefined || got.with === undefined) {
      if (isMap(item) && !reported) c.problem(item, at, "expected file, replace and with");
      return;
    }
    const parts: SubstitutionPart[] = [];
    let last = 0;
    let ok = true;
    for (const m of got.with.matchAll(PLACEHOLDER)) {
      if (m.index > last) parts.push({ text: got.with.slice(last, m.index) });
      if (!ATTR_PATH.test(m[2] as string)) {
        c.problem(item, join(at, "with"), `${JSON.stringify(m[2])} in ${m[0]} is not a nixpkgs attribute path`);
        ok = false;
      }
      parts.push({ attr: m[2] as string, output: m[1] as "lib" | "out" });
      last = m.index + m[0].length;
    }
    if (last < got.with.length) parts.push({ text: got.with.slice(last) });
    if (ok) out.push({ file: got.file, replace: got.replace, with: parts });
  });
  return out;
}

function buildFlagsOf(c: Checker, node: YNode, field: string): string[] | undefined {
  if (!isSeq(node)) {
    c.problem(node, field, `expected a list of strings, got ${describe(node)}`);
    return undefined;
  }
  const flags: string[] = [];
  node.items.forEach((item, i) => {
    const s = stringOf(c, item, `${field}[${i}]`);
    if (s !== undefined && !s.startsWith("-")) c.problem(item, `${field}[${i}]`, `${JSON.stringify(s)} is not a flag of pypa build (e.g. -Csetup-args=-Dx=y)`);
    else if (s !== undefined) flags.push(s);
  });
  return flags;
}

/** A shared library's file name, or a glob of them (`libcuda.so*`). */
const LIBRARY_NAME = /^[A-Za-z0-9_.+*-]+$/;

function wheelOf(c: Checker, node: YNode, field: string): WheelFragment | undefined {
  const pairs = pairsOf(c, node, field);
  if (!pairs) return undefined;
  const out: WheelFragment = {};
  for (const [key, v, pair] of pairs) {
    const at = join(field, key);
    if (key === "nativeBuildInputs" || key === "buildInputs") {
      const items = listOf(c, v, at, key);
      if (items) out[key] = items;
    } else if (key === "ignore-missing-libs") {
      if (!isSeq(v)) {
        c.problem(v, at, `expected a list of library file names, got ${describe(v)}`);
        continue;
      }
      out.ignoreMissingLibs = [];
      v.items.forEach((item, i) => {
        const s = stringOf(c, item, `${at}[${i}]`);
        if (s !== undefined && !LIBRARY_NAME.test(s)) c.problem(item, `${at}[${i}]`, `${JSON.stringify(s)} is not a library file name (e.g. libcuda.so.1)`);
        else if (s !== undefined) out.ignoreMissingLibs?.push(s);
      });
    } else unknownKey(c, pair, field, key, ["nativeBuildInputs", "buildInputs", "ignore-missing-libs"]);
  }
  return out;
}

type Level = "entry" | "when" | "system";

const FRAGMENT_KEYS: Record<Level, readonly string[]> = {
  entry: ["reason", "versions", ...LIST_FIELDS, "env", "cargo", "network-at-build", "relax-build-pins", "flags", "substitutions", "build-flags", ...SYSTEM_BLOCKS, "wheel", "when"],
  when: ["versions", ...LIST_FIELDS, "env", "cargo", "network-at-build", "relax-build-pins", "flags", "substitutions", "build-flags", ...SYSTEM_BLOCKS, "wheel"],
  system: [...LIST_FIELDS, "env", "flags", "substitutions", "build-flags"],
};

/** Reads the keys of one block; returns the keys it did not know what to do with, for the caller's own. */
function readBlock(c: Checker, node: YNode, field: string, level: Level, extra: (key: string, v: YNode, pair: Pair) => boolean): Block | undefined {
  const pairs = pairsOf(c, node, field);
  if (!pairs) return undefined;
  const block: Block = { lists: {}, append: {}, systems: {} };
  const allowed = [...FRAGMENT_KEYS[level], ...(c.user ? LIST_FIELDS.map((f) => `+${f}`) : [])];
  for (const [key, v, pair] of pairs) {
    const at = join(field, key);
    if (!allowed.includes(key)) {
      if (key.startsWith("+") && (LIST_FIELDS as readonly string[]).includes(key.slice(1))) {
        c.problem(pair.key, join(field, key), `\`${key}\` appends to the library's list: only --overrides files may use it`);
      } else unknownKey(c, pair, field, key, FRAGMENT_KEYS[level]);
      continue;
    }
    const plain = key.startsWith("+") ? key.slice(1) : key;
    if ((LIST_FIELDS as readonly string[]).includes(plain)) {
      const items = listOf(c, v, at, plain as ListField);
      if (items) (key.startsWith("+") ? block.append : block.lists)[plain as ListField] = items;
    } else if (key === "versions") {
      const r = rangeOf(c, v, at);
      if (r) block.versions = r;
    } else if (key === "env") {
      const env = envOf(c, v, at);
      if (env) block.env = env;
    } else if (key === "cargo") {
      const cargo = cargoOf(c, v, at);
      if (cargo) block.cargo = cargo;
    } else if (key === "network-at-build") {
      const b = boolOf(c, v, at);
      if (b !== undefined) block.networkAtBuild = b;
    } else if (key === "relax-build-pins") {
      const b = boolOf(c, v, at);
      if (b !== undefined) block.relaxBuildPins = b;
    } else if (key === "flags") {
      const flags = flagsOf(c, v, at);
      if (flags) block.flags = flags;
    } else if (key === "substitutions") {
      const subs = substitutionsOf(c, v, at);
      if (subs) block.substitutions = subs;
    } else if (key === "wheel" && level !== "system") {
      const wheel = wheelOf(c, v, at);
      if (wheel) block.wheel = wheel;
    } else if (key === "build-flags") {
      const flags = buildFlagsOf(c, v, at);
      if (flags) block.buildFlags = flags;
    } else if ((SYSTEM_BLOCKS as readonly string[]).includes(key)) {
      const sub = readBlock(c, v, at, "system", () => false);
      if (sub) {
        const { systems: _unused, ...fragment } = sub;
        block.systems[key as SystemBlock] = fragment;
      }
    } else if (!extra(key, v, pair)) {
      unknownKey(c, pair, field, key, FRAGMENT_KEYS[level]);
    }
  }
  return block;
}

function readEntry(c: Checker, node: YNode, name: string, field: string): OverrideEntry | undefined {
  let reason: string | undefined;
  const when: Block[] = [];
  let sawReason = false;
  const block = readBlock(c, node, field, "entry", (key, v) => {
    if (key === "reason") {
      sawReason = true;
      const r = stringOf(c, v, join(field, key));
      if (r !== undefined && r.trim() === "") c.problem(v, join(field, key), "must not be empty");
      else if (r !== undefined) reason = r.trim();
      return true;
    }
    if (key === "when") {
      const at = join(field, "when");
      if (!isSeq(v)) {
        c.problem(v, at, `expected a list, got ${describe(v)}`);
        return true;
      }
      v.items.forEach((item, i) => {
        const b = readBlock(c, item, `${at}[${i}]`, "when", () => false);
        if (!b) return;
        if (isMap(item) && !item.has("versions")) {
          c.problem(item, `${at}[${i}]`, "a `when` block needs `versions`");
        }
        when.push(b);
      });
      return true;
    }
    return false;
  });
  if (!block) return undefined;
  if (!sawReason && !c.user) c.problem(node, field, "`reason` is required: say in one line why the package needs this");
  return { ...block, name, ...(reason !== undefined ? { reason } : {}), when, file: c.file, line: c.line(node) };
}

function parse(text: string, file: string, user: boolean): { c: Checker; root: YNode } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const c = new Checker(file, lines, user);
  for (const err of [...doc.errors, ...doc.warnings]) {
    const line = lines.linePos(err.pos[0]).line;
    c.problems.push({ file, line, field: "", message: `YAML: ${err.message.split("\n")[0]}` });
  }
  let aliased = false;
  const visit = (n: YNode): void => {
    if (isAlias(n)) {
      if (!aliased) c.problem(n, "", "YAML aliases (*name) are not supported: write the value out");
      aliased = true;
    } else if (isMap(n)) for (const p of n.items) (visit(p.key), visit(p.value));
    else if (isSeq(n)) n.items.forEach(visit);
  };
  visit(doc.contents);
  return { c, root: doc.contents };
}

function fail(c: Checker): never {
  throw new OverrideError(c.problems);
}

/**
 * One library file, `overrides/<normalized-name>.yaml`: a single entry,
 * named by the file. Throws OverrideError with every problem found.
 */
export function parseLibraryFile(text: string, file: string, name: string): OverrideEntry {
  const { c, root } = parse(text, file, false);
  if (c.problems.length > 0) fail(c);
  if (normalizeName(name) !== name || !isValidName(name)) {
    c.problems.push({ file, line: 1, field: "", message: `the file name must be the package's PEP 503-normalized name (${normalizeName(name)}.yaml)` });
  }
  const entry = readEntry(c, root, name, "");
  if (c.problems.length > 0 || !entry) fail(c);
  return entry;
}

/**
 * A user file (`--overrides FILE`): a map of package name -> entry, in the
 * library's format, where list fields may also be written `+field` to append.
 */
export function parseUserFile(text: string, file: string): OverrideEntry[] {
  const { c, root } = parse(text, file, true);
  if (c.problems.length > 0) fail(c);
  const entries: OverrideEntry[] = [];
  if (root === null || (isScalar(root) && root.value === null)) return entries;
  for (const [key, v, pair] of pairsOf(c, root, "") ?? []) {
    if (!isValidName(key)) {
      c.problem(pair.key, key, `${JSON.stringify(key)} is not a Python package name`);
      continue;
    }
    const entry = readEntry(c, v, normalizeName(key), normalizeName(key));
    if (entry) entries.push(entry);
  }
  if (c.problems.length > 0) fail(c);
  return entries;
}
