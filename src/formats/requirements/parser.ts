/**
 * Reads a requirements file and every file it includes (`-r`, `-c`) into
 * one ordered list of requirement entries and the file-wide options, as
 * pip's RequirementsFileParser does. Only grammar is checked here; what
 * the entries mean (pins, sources) is the reader's business.
 */
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ParseError } from "../../errors.js";
import type { LockInput } from "../types.js";
import { logicalLines, optionsStart, shellWords, SplitError, type Environment, type LogicalLine, type Position } from "./lexer.js";
import {
  emptyGlobalOptions,
  OptionError,
  parseOptions,
  readHash,
  REQUIREMENT_OPTIONS,
  siteText,
  type GlobalOptions,
  type OptionUse,
  type Site,
} from "./options.js";
import { parseEditable, parseSpec, SpecError, type RequirementSpec } from "./spec.js";

export interface Entry {
  spec: RequirementSpec;
  editable: boolean;
  /** From a `-c` file: pins a package only if something requires it. */
  constraint: boolean;
  /** Lower-case hex sha256 digests from `--hash`. */
  hashes: string[];
  /** The requirement as written (after `${VAR}` expansion), without its options. */
  text: string;
  at: Site;
}

export interface RequirementsTree {
  entries: Entry[];
  options: GlobalOptions;
  /** Every file read, in order, once each. */
  files: Array<{ path: string; text: string }>;
  warnings: string[];
}

interface SourceFile {
  /** Relative to the entry file's folder; what readSibling is given. */
  rel: string;
  /** As shown in messages. */
  display: string;
  key: string;
  text: string;
}

interface Frame {
  file: SourceFile;
  /** The line of this file that includes the next file on the stack. */
  includeLine?: number;
}

export function readTree(input: LockInput, env: Environment): RequirementsTree {
  const entryDir = resolve(dirname(input.path));
  const tree: RequirementsTree = { entries: [], options: emptyGlobalOptions(), files: [], warnings: [] };
  const seen = new Set<string>();
  const entryName = relative(entryDir, resolve(input.path));
  const entry: SourceFile = { rel: entryName, display: input.path, key: resolve(input.path), text: input.text };

  const readFile = (file: SourceFile, constraint: boolean, stack: Frame[]): void => {
    if (!seen.has(file.key)) {
      seen.add(file.key);
      tree.files.push({ path: file.display, text: file.text });
    }
    const frame: Frame = { file };
    const frames = [...stack, frame];
    for (const line of logicalLines(file.text, env)) {
      const include = readLine(file, line, constraint, tree);
      if (!include) continue;
      frame.includeLine = line.line;
      const target = openInclude(include, file, line, frames);
      readFile(target, include.use.name === "constraint", frames);
    }
  };

  const openInclude = (include: Include, from: SourceFile, line: LogicalLine, frames: Frame[]): SourceFile => {
    const { use } = include;
    const value = use.value as string;
    const at = site(from, line, use.start);
    const fail = (message: string): never => {
      throw new ParseError(message, { ...at });
    };
    const what = use.name === "constraint" ? "constraint file" : "requirements file";
    if (value === "") fail(`\`${use.spelling}\` needs a file name`);
    if (/^https?:/i.test(value)) {
      fail(
        `${what} ${value} is remote: reading remote ${what}s is not supported yet (lock2nix reads no network while reading a lock); download it and give its local path to \`${use.spelling}\``,
      );
    }
    let absolute: string;
    if (/^file:/i.test(value)) {
      try {
        absolute = fileURLToPath(value);
      } catch (err) {
        return fail(`\`${use.spelling} ${value}\`: not a usable file: URL (${(err as Error).message})`);
      }
    } else {
      absolute = resolve(entryDir, dirname(from.rel), value);
    }
    const rel = relative(entryDir, absolute);
    const display = isAbsolute(value) || /^file:/i.test(value) ? absolute : input.siblingPath(rel);
    const cycleStart = frames.findIndex((f) => f.file.key === absolute);
    if (cycleStart !== -1) {
      const chain = frames.slice(cycleStart).map((f, i, all) => {
        const next = all[i + 1]?.file.display ?? display;
        return `${f.file.display}:${f.includeLine} includes ${next}`;
      });
      fail(`include cycle: ${chain.join(", ")}`);
    }
    let text: string | undefined;
    try {
      text = input.readSibling(rel);
    } catch (err) {
      fail(`cannot read ${what} ${display}: ${(err as Error).message}`);
    }
    if (text === undefined) fail(`cannot read ${what} ${display}: no such file`);
    return { rel, display, key: absolute, text: text as string };
  };

  readFile(entry, false, []);
  return tree;
}

function site(file: SourceFile, line: LogicalLine, index: number): Site {
  const p = (line.positions[Math.min(index, line.text.length)] ?? { line: line.line, column: 1 }) as Position;
  return { file: file.display, line: p.line, column: p.column };
}

interface Include {
  use: OptionUse;
}

/** Reads one logical line into `tree`; returns the include it asks for, if any. */
function readLine(file: SourceFile, line: LogicalLine, constraint: boolean, tree: RequirementsTree): Include | undefined {
  const at = (index: number) => site(file, line, index);
  const fail = (message: string, index: number): never => {
    throw new ParseError(message, { ...at(index) });
  };
  const warn = (index: number, message: string) => tree.warnings.push(`${siteText(at(index))}: ${message}`);
  const start = optionsStart(line.text);
  let uses: OptionUse[];
  try {
    uses = parseOptions(shellWords(line.text.slice(start), start));
  } catch (err) {
    if (err instanceof SplitError) fail(`cannot split the options as a shell would: ${err.message}`, err.index);
    if (err instanceof OptionError) fail(err.message, err.index);
    throw err;
  }
  const args = start === 0 ? "" : line.text.slice(0, start === line.text.length ? start : start - 1);
  const editables = uses.filter((u) => u.name === "editable");

  if (args.trim() !== "" || editables.length > 0) {
    let spec: RequirementSpec;
    let text: string;
    let specStart: number;
    const editable = args.trim() === "";
    if (!editable) {
      specStart = 0;
      text = args.trim();
      try {
        spec = parseSpec(args);
      } catch (err) {
        if (err instanceof SpecError) return fail(err.message, err.index);
        throw err;
      }
    } else {
      if (editables.length > 1) fail("one `-e` per line: pip reads only the first", (editables[1] as OptionUse).start);
      const use = editables[0] as OptionUse;
      specStart = use.start;
      text = `${use.spelling} ${use.value}`;
      try {
        spec = parseEditable(use.value as string);
      } catch (err) {
        if (err instanceof SpecError) return fail(err.message, use.valueStart);
        throw err;
      }
    }
    const hashes: string[] = [];
    for (const use of uses) {
      if (use.name === "editable" && editable) continue;
      // pip 23.0 dropped such a hash unchecked; later pip refuses it, and so does lock2nix.
      if (use.name === "hash" && editable) fail("`--hash` is not allowed on an `-e` line: an editable project is built from its folder, so there is no file to check", use.start);
      if (use.name === "hash" && !editable) {
        const hash = readHash(use.value as string);
        if (typeof hash !== "string") fail(hash.error, use.start);
        else if (!hashes.includes(hash)) hashes.push(hash);
      } else if (use.name === "global-option") {
        warn(use.start, `\`${use.spelling} ${use.value}\` is ignored: lock2nix builds every package the same way (pip passes it to setup.py)`);
      } else if (use.name === "config-settings") {
        warn(use.start, `\`${use.spelling} ${use.value}\` is ignored: lock2nix passes no build-backend settings yet`);
      } else {
        warn(use.start, `\`${use.spelling}\` has no effect on a ${editable ? "`-e` " : ""}requirement line (pip ignores it there)`);
      }
    }
    tree.entries.push({ spec, editable, constraint, hashes, text, at: at(specStart) });
    return undefined;
  }

  const includes = uses.filter((u) => u.name === "requirement" || u.name === "constraint");
  if (includes.length > 1) fail("one `-r` or `-c` per line: pip reads only the first", (includes[1] as OptionUse).start);
  const include = includes[0];
  if (include) {
    for (const use of uses) {
      if (use !== include) warn(use.start, `\`${use.spelling}\` is ignored on a line with \`${include.spelling}\` (pip ignores it there)`);
    }
    return { use: include };
  }
  for (const use of uses) applyGlobal(use, at(use.start), tree, fail, warn);
  return undefined;
}

function applyGlobal(
  use: OptionUse,
  where: Site,
  tree: RequirementsTree,
  fail: (message: string, index: number) => never,
  warn: (index: number, message: string) => void,
): void {
  const o = tree.options;
  const value = use.value ?? "";
  switch (use.name) {
    case "index-url":
      if (o.indexUrl && o.indexUrl.url !== value) {
        fail(`conflicting \`--index-url\`: ${value} here, ${o.indexUrl.url} at ${siteText(o.indexUrl.at)} (pip would use only the last)`, use.start);
      }
      o.indexUrl ??= { url: value, at: where };
      return;
    case "extra-index-url":
      o.extraIndexUrls.push({ url: value, at: where });
      return;
    case "find-links":
      o.findLinks.push({ location: value, at: where });
      return;
    case "no-index":
      o.noIndex ??= where;
      return;
    case "require-hashes":
      o.requireHashes ??= where;
      return;
    case "pre":
      o.pre ??= where;
      return;
    case "prefer-binary":
      o.preferBinary ??= where;
      return;
    case "trusted-host":
      o.trustedHosts.push({ host: value, at: where });
      return;
    case "use-feature":
      o.features.push({ feature: value, at: where });
      return;
    case "no-binary":
    case "only-binary":
      if (value === "" || value.startsWith("-")) fail(`\`${use.spelling}\` needs a value: package names, \`:all:\` or \`:none:\``, use.start);
      o.formatControl.apply(use.name, value);
      o.formatControlSites.push({ option: use.name, value, at: where });
      return;
    default:
      if (REQUIREMENT_OPTIONS.has(use.name)) {
        warn(use.start, `\`${use.spelling}\` without a requirement on its line is ignored (as pip ignores it)`);
      }
  }
}

