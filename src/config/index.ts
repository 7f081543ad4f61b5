/**
 * `lock2nix.yaml`: the projects of a repository, for `lock2nix generate`
 * with no PATH. Validated against a small schema here; every error names
 * the file, line and column of the offending value.
 *
 * ```yaml
 * projects:
 *   - name: api                      # unique; letters, digits, `.`, `_`, `-`
 *     lock: services/api             # a lockfile, or a folder holding one
 *     output: services/api/lock.nix
 *     python: "3.12"                 # optional, as --python
 *     systems: [x86_64-linux]        # optional, as --system
 *     groups: [main, dev]            # optional, as --groups
 *     extras: [postgres]             # optional, as --extras
 *     format: poetry                 # optional, as --format
 *     prefer-wheels: false           # optional, as --prefer-wheels
 *     index-url: https://…/simple/   # optional, as --index-url
 *     indexes: { aliyun: https://… } # optional, as --index NAME=URL
 *     overrides: [nix/api.yaml]      # optional: override files, as --overrides
 * indexes: { aliyun: https://… }     # optional: for every project (a project's own win)
 * ```
 *
 * Paths are relative to the folder holding the config file.
 */

import { existsSync } from "node:fs";
import { InputFileError, readText } from "../fs.js";
import { dirname, resolve } from "node:path";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair, type Scalar, type YAMLMap } from "yaml";
import { ParseError } from "../errors.js";
import { suggestion } from "../suggest.js";
import { formats } from "../formats/index.js";
import type { FormatId } from "../model.js";
import { checkedRedirect, type IndexRedirect } from "../index/redirect.js";
import { isNixSystem, NIX_SYSTEMS, type NixSystem } from "../resolve/target.js";

export const CONFIG_FILE = "lock2nix.yaml";

/** One project of a `lock2nix.yaml`, with its paths made absolute. */
export interface ProjectConfig {
  name: string;
  /** Absolute path of the lockfile or its folder. */
  lock: string;
  /** Absolute path of the Nix file to write. */
  output: string;
  format?: FormatId;
  python?: string;
  systems?: NixSystem[];
  groups?: string[];
  extras?: string[];
  preferWheels?: boolean;
  indexUrl?: string;
  /** The config's top-level `indexes`, then the project's own (later wins). */
  indexes?: IndexRedirect[];
  /** Absolute paths of override files, in the order given. */
  overrides?: string[];
  /** Where the project's entry starts, for messages. */
  line: number;
  /** The config file's folder: the project's local paths must stay inside it. */
  root: string;
}

export interface Lock2nixConfig {
  /** Absolute path of the config file. */
  file: string;
  projects: ProjectConfig[];
}

type Where = { node: Node | Pair | null | undefined };

class Validator {
  constructor(
    private readonly file: string,
    private readonly lines: LineCounter,
    private readonly text: string,
  ) {}

  /** 1-based line and column of a node's start. */
  pos(node: Node | Pair | null | undefined): { line: number; column: number } {
    const range = node && "range" in node ? node.range : node && "key" in node ? (node.key as Node | null)?.range : undefined;
    const offset = range?.[0] ?? this.text.length;
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  fail(at: Where["node"], message: string): never {
    throw new ParseError(message, { file: this.file, ...this.pos(at) });
  }

  /** The text of a scalar as written: `3.10` stays `3.10`, not the number 3.1. */
  string(node: Node | null | undefined, what: string): string {
    if (!isScalar(node) || node.value === null || typeof node.value === "object" || typeof node.value === "boolean") {
      this.fail(node, `${what}: expected a string`);
    }
    const scalar = node as Scalar;
    const text = typeof scalar.value === "string" ? scalar.value : (scalar.source ?? String(scalar.value));
    if (text.trim() === "") this.fail(node, `${what}: must not be empty`);
    return text;
  }

  /** `indexes:`, a mapping of index name (or URL) to the URL to ask instead. */
  redirects(node: Node | null | undefined, what: string): IndexRedirect[] {
    if (!isMap(node)) this.fail(node, `${what}: expected a mapping of index names (or URLs) to URLs`);
    return (node as YAMLMap<Node, Node>).items.map((pair) => {
      const match = this.string(pair.key, `${what} key`);
      const url = this.string(pair.value, `${what}.${match}`);
      try {
        return checkedRedirect(match, url, what);
      } catch (err) {
        return this.fail(pair.value, (err as Error).message);
      }
    });
  }

  bool(node: Node | null | undefined, what: string): boolean {
    if (!isScalar(node) || typeof node.value !== "boolean") this.fail(node, `${what}: expected true or false`);
    return (node as Scalar<boolean>).value;
  }

  /** A list of strings; a single string is taken as a list of one. */
  strings(node: Node | null | undefined, what: string): Array<{ value: string; node: Node }> {
    if (isScalar(node)) return [{ value: this.string(node, what), node }];
    if (!isSeq(node)) this.fail(node, `${what}: expected a list of strings`);
    return (node.items as Node[]).map((item, i) => ({ value: this.string(item, `${what}[${i}]`), node: item }));
  }

  map(node: Node | null | undefined, what: string, keys: readonly string[]): Map<string, Pair<Node, Node>> {
    if (!isMap(node)) this.fail(node, `${what}: expected a mapping`);
    const out = new Map<string, Pair<Node, Node>>();
    for (const pair of (node as YAMLMap<Node, Node>).items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key === undefined) this.fail(pair.key ?? node, `${what}: keys must be plain strings`);
      if (!keys.includes(key)) {
        this.fail(pair.key, `${what}: unknown key \`${key}\`${suggestion(key, keys) || ` (expected one of ${keys.join(", ")})`}`);
      }
      out.set(key, pair);
    }
    return out;
  }
}

const TOP_KEYS = ["projects", "indexes"] as const;
const PROJECT_KEYS = ["name", "lock", "output", "format", "python", "systems", "groups", "extras", "prefer-wheels", "index-url", "indexes", "overrides"] as const;
const REQUIRED = ["name", "lock", "output"] as const;

/** Parses and validates the text of a config file; paths are resolved against `file`'s folder. */
export function parseConfig(text: string, file: string): Lock2nixConfig {
  const path = resolve(file);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const { line, col } = lines.linePos(first.pos[0]);
    throw new ParseError(`invalid YAML: ${first.message.split("\n")[0]?.replace(/ at line \d+, column \d+:?$/, "")}`, { file: path, line, column: col });
  }
  const v: Validator = new Validator(path, lines, text);
  const root = doc.contents as Node | null;
  if (root === null || (isScalar(root) && root.value === null)) v.fail(root, "the file is empty: expected `projects:` with a list of projects");
  const top = v.map(root, "the file", TOP_KEYS);
  const projectsPair = top.get("projects");
  if (!projectsPair) v.fail(root, "missing key `projects`");
  const list = projectsPair.value;
  if (!isSeq(list) || list.items.length === 0) v.fail(list ?? projectsPair, "projects: expected a non-empty list of projects");
  const base = dirname(path);
  const sharedIndexes = top.has("indexes") ? v.redirects(top.get("indexes")?.value, "indexes") : [];

  const names = new Map<string, number>();
  const outputs = new Map<string, string>();
  const projects = (list.items as Node[]).map((item, i): ProjectConfig => {
    const what = `projects[${i}]`;
    const entry = v.map(item, what, PROJECT_KEYS);
    for (const key of REQUIRED) if (!entry.has(key)) v.fail(item, `${what}: missing key \`${key}\``);
    const value = (key: (typeof PROJECT_KEYS)[number]) => entry.get(key)?.value;
    const field = (key: (typeof PROJECT_KEYS)[number]) => `${what}.${key}`;

    const name = v.string(value("name"), field("name"));
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) v.fail(value("name"), `${field("name")}: \`${name}\` must be letters, digits, \`.\`, \`_\` and \`-\``);
    const seenAt = names.get(name);
    if (seenAt !== undefined) v.fail(value("name"), `${field("name")}: a project named \`${name}\` is already listed at line ${seenAt}`);
    const line = v.pos(item).line;
    names.set(name, line);

    const lock = resolve(base, v.string(value("lock"), field("lock")));
    const output = resolve(base, v.string(value("output"), field("output")));
    const other = outputs.get(output);
    if (other !== undefined) v.fail(value("output"), `${field("output")}: project \`${other}\` writes the same file`);
    outputs.set(output, name);

    const project: ProjectConfig = { name, lock, output, line, root: base };
    const format = value("format");
    if (format !== undefined) {
      const f = v.string(format, field("format"));
      if (!(f in formats)) v.fail(format, `${field("format")}: expected one of ${Object.keys(formats).join(", ")}`);
      project.format = f as FormatId;
    }
    const python = value("python");
    if (python !== undefined) {
      const p = v.string(python, field("python"));
      if (!/^3\.\d+$/.test(p)) v.fail(python, `${field("python")}: expected a CPython minor version such as "3.12"`);
      project.python = p;
    }
    const systems = value("systems");
    if (systems !== undefined) {
      project.systems = v.strings(systems, field("systems")).map(({ value: s, node }) => {
        if (!isNixSystem(s)) v.fail(node, `${field("systems")}: \`${s}\` is not one of ${NIX_SYSTEMS.join(", ")}`);
        return s;
      });
    }
    for (const key of ["groups", "extras"] as const) {
      const node = value(key);
      if (node !== undefined) project[key] = v.strings(node, field(key)).map((s) => s.value);
    }
    const preferWheels = value("prefer-wheels");
    if (preferWheels !== undefined) project.preferWheels = v.bool(preferWheels, field("prefer-wheels"));
    const indexUrl = value("index-url");
    if (indexUrl !== undefined) {
      const url = v.string(indexUrl, field("index-url"));
      if (!/^https?:\/\//.test(url)) v.fail(indexUrl, `${field("index-url")}: expected an http(s) URL`);
      project.indexUrl = url;
    }
    const indexes = [...sharedIndexes, ...(entry.has("indexes") ? v.redirects(value("indexes"), field("indexes")) : [])];
    if (indexes.length > 0) project.indexes = indexes;
    const overrides = value("overrides");
    if (overrides !== undefined) {
      project.overrides = v.strings(overrides, field("overrides")).map(({ value: f, node }) => {
        const abs = resolve(base, f);
        if (!existsSync(abs)) v.fail(node, `${field("overrides")}: no such file ${f}`);
        return abs;
      });
    }
    return project;
  });
  return { file: path, projects };
}

/** Reads and validates a `lock2nix.yaml`. */
export function loadConfig(file: string): Lock2nixConfig {
  let text: string;
  try {
    text = readText(file);
  } catch (err) {
    throw new ParseError(`cannot read the config file: ${err instanceof InputFileError ? err.reason : (err as Error).message}`, { file: resolve(file) });
  }
  return parseConfig(text, file);
}
