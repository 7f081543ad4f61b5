/**
 * The options a requirements file may hold, read the way pip's optparse
 * parser reads them (pip/_internal/req/req_file.py, cli/cmdoptions.py):
 * `--name=value` or `--name value`, unique prefixes of long names,
 * `-rFILE` or `-r FILE` for short ones.
 */
import { normalizeName } from "../../pep/normalize.js";
import type { Word } from "./lexer.js";

export type OptionName =
  | "index-url"
  | "extra-index-url"
  | "no-index"
  | "constraint"
  | "requirement"
  | "editable"
  | "find-links"
  | "no-binary"
  | "only-binary"
  | "prefer-binary"
  | "require-hashes"
  | "pre"
  | "trusted-host"
  | "use-feature"
  | "global-option"
  | "hash"
  | "config-settings";

interface OptionSpec {
  name: OptionName;
  long: string[];
  short?: string;
  takesValue: boolean;
}

const OPTIONS: OptionSpec[] = [
  { name: "index-url", long: ["index-url"], short: "i", takesValue: true },
  { name: "extra-index-url", long: ["extra-index-url"], takesValue: true },
  { name: "no-index", long: ["no-index"], takesValue: false },
  { name: "constraint", long: ["constraint"], short: "c", takesValue: true },
  { name: "requirement", long: ["requirement"], short: "r", takesValue: true },
  { name: "editable", long: ["editable"], short: "e", takesValue: true },
  { name: "find-links", long: ["find-links"], short: "f", takesValue: true },
  { name: "no-binary", long: ["no-binary"], takesValue: true },
  { name: "only-binary", long: ["only-binary"], takesValue: true },
  { name: "prefer-binary", long: ["prefer-binary"], takesValue: false },
  { name: "require-hashes", long: ["require-hashes"], takesValue: false },
  { name: "pre", long: ["pre"], takesValue: false },
  { name: "trusted-host", long: ["trusted-host"], takesValue: true },
  { name: "use-feature", long: ["use-feature"], takesValue: true },
  { name: "global-option", long: ["global-option"], takesValue: true },
  { name: "hash", long: ["hash"], takesValue: true },
  { name: "config-settings", long: ["config-settings", "config-setting"], short: "C", takesValue: true },
];

const LONG = new Map<string, OptionSpec>(OPTIONS.flatMap((o) => o.long.map((l) => [`--${l}`, o] as const)));
const SHORT = new Map<string, OptionSpec>(OPTIONS.filter((o) => o.short).map((o) => [`-${o.short}`, o] as const));

/** The options that only mean something after a requirement, as pip's SUPPORTED_OPTIONS_REQ. */
export const REQUIREMENT_OPTIONS: ReadonlySet<OptionName> = new Set(["hash", "global-option", "config-settings"]);

export interface OptionUse {
  name: OptionName;
  /** As written, e.g. `-r` or `--requirement`. */
  spelling: string;
  value?: string;
  /** Index into the logical line of the option word. */
  start: number;
  /** Index of the value's word (the option's own when attached). */
  valueStart: number;
}

export class OptionError extends Error {
  constructor(
    message: string,
    readonly index: number,
  ) {
    super(message);
  }
}

function matchLong(word: string, start: number): { spelling: string; spec: OptionSpec } {
  const exact = LONG.get(word);
  if (exact) return { spelling: word, spec: exact };
  const candidates = [...LONG.keys()].filter((l) => l.startsWith(word));
  const specs = new Set(candidates.map((c) => LONG.get(c)));
  if (specs.size === 1) return { spelling: candidates[0] as string, spec: [...specs][0] as OptionSpec };
  if (specs.size > 1) throw new OptionError(`ambiguous option \`${word}\` (could be ${candidates.sort().join(", ")})`, start);
  throw new OptionError(`unknown option \`${word}\`${known()}`, start);
}

function known(): string {
  const names = OPTIONS.map((o) => (o.short ? `-${o.short}/--${o.long[0]}` : `--${o.long[0]}`));
  return ` (pip's requirements files accept ${names.join(", ")})`;
}

/** Reads option words as optparse does; other words after the options are an error (pip ignores them silently). */
export function parseOptions(words: Word[]): OptionUse[] {
  const uses: OptionUse[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as Word;
    const text = word.value;
    let spec: OptionSpec;
    let spelling: string;
    let attached: string | undefined;
    if (text.startsWith("--") && text.length > 2) {
      const eq = text.indexOf("=");
      const name = eq === -1 ? text : text.slice(0, eq);
      ({ spec, spelling } = matchLong(name, word.start));
      if (eq !== -1) {
        if (!spec.takesValue) throw new OptionError(`option \`${spelling}\` takes no value`, word.start);
        attached = text.slice(eq + 1);
      }
    } else if (text.startsWith("-") && text.length > 1 && text !== "--") {
      spelling = text.slice(0, 2);
      const found = SHORT.get(spelling);
      if (!found) throw new OptionError(`unknown option \`${spelling}\`${known()}`, word.start);
      spec = found;
      if (text.length > 2) attached = text.slice(2);
    } else {
      throw new OptionError(
        `unexpected \`${text}\` after the options: a line holds one requirement, written before its options`,
        word.start,
      );
    }
    if (!spec.takesValue) {
      uses.push({ name: spec.name, spelling, start: word.start, valueStart: word.start });
      continue;
    }
    if (attached !== undefined) {
      uses.push({ name: spec.name, spelling, value: attached, start: word.start, valueStart: word.start });
      continue;
    }
    const next = words[i + 1];
    if (!next) throw new OptionError(`option \`${spelling}\` needs a value`, word.start);
    i++;
    uses.push({ name: spec.name, spelling, value: next.value, start: word.start, valueStart: next.start });
  }
  return uses;
}

/** A `--hash` value: the lower-case hex sha256, or an error message. */
export function readHash(value: string): string | { error: string } {
  const colon = value.indexOf(":");
  if (colon === -1) {
    return { error: `\`--hash=${value}\` must name its algorithm and digest, like \`--hash=sha256:<64 hex digits>\`` };
  }
  const algorithm = value.slice(0, colon);
  const digest = value.slice(colon + 1);
  if (algorithm !== "sha256") {
    return {
      error: `\`--hash=${algorithm}:…\` uses ${algorithm}: lock2nix pins every file by its sha256, so only \`--hash=sha256:…\` can be read (pip-compile --generate-hashes writes sha256)`,
    };
  }
  if (!/^[0-9a-fA-F]{64}$/.test(digest)) return { error: `\`--hash=sha256:${digest}\`: a sha256 digest is 64 hex digits` };
  return digest.toLowerCase();
}

/** pip's FormatControl: which packages may use wheels (binary) and which sdists (source). */
export class FormatControl {
  readonly noBinary = new Set<string>();
  readonly onlyBinary = new Set<string>();

  /** pip's handle_mutual_excludes for `--no-binary VALUE` / `--only-binary VALUE`. */
  apply(option: "no-binary" | "only-binary", value: string): void {
    const [target, other] = option === "no-binary" ? [this.noBinary, this.onlyBinary] : [this.onlyBinary, this.noBinary];
    let names = value.split(",");
    while (names.includes(":all:")) {
      other.clear();
      target.clear();
      target.add(":all:");
      names = names.slice(names.indexOf(":all:") + 1);
      if (!names.includes(":none:")) return;
    }
    for (const name of names) {
      if (name === ":none:") {
        target.clear();
        continue;
      }
      const normalized = normalizeName(name);
      other.delete(normalized);
      target.add(normalized);
    }
  }

  /** pip's get_allowed_formats: "wheel" or "sdist" when only one kind of file may be used. */
  only(name: string): "wheel" | "sdist" | undefined {
    if (this.onlyBinary.has(name)) return "wheel";
    if (this.noBinary.has(name)) return "sdist";
    if (this.onlyBinary.has(":all:")) return "wheel";
    if (this.noBinary.has(":all:")) return "sdist";
    return undefined;
  }

  get empty(): boolean {
    return this.noBinary.size === 0 && this.onlyBinary.size === 0;
  }
}

/** Where an option was written: `file:line`. */
export interface Site {
  file: string;
  line: number;
  column: number;
}

export const siteText = (s: Site): string => `${s.file}:${s.line}`;

/** The file-wide options of a requirements tree, each with where it was written. */
export interface GlobalOptions {
  indexUrl?: { url: string; at: Site };
  extraIndexUrls: Array<{ url: string; at: Site }>;
  findLinks: Array<{ location: string; at: Site }>;
  noIndex?: Site;
  requireHashes?: Site;
  pre?: Site;
  preferBinary?: Site;
  trustedHosts: Array<{ host: string; at: Site }>;
  features: Array<{ feature: string; at: Site }>;
  formatControl: FormatControl;
  formatControlSites: Array<{ option: "no-binary" | "only-binary"; value: string; at: Site }>;
}

export function emptyGlobalOptions(): GlobalOptions {
  return {
    extraIndexUrls: [],
    findLinks: [],
    trustedHosts: [],
    features: [],
    formatControl: new FormatControl(),
    formatControlSites: [],
  };
}
