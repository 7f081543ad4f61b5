/**
 * The build facts a previous output recorded: for each derivation its
 * `build-system` and whether it skipped pypa build's dependency check, keyed
 * by name, version and source hash. A package whose sdist did not change
 * keeps what an earlier (online) run learnt from it, so an offline run or
 * `--check --offline` after a lock change writes what an online run writes.
 */
import { readOptional } from "../fs.js";
import { parseHeader } from "../check.js";
import type { PublisherRecord } from "../provenance/check.js";
import { readProvenanceAttrs } from "../provenance/nix.js";

export interface PreviousBuild {
  buildSystem: string[];
  /** maturin's build hook, which stands in for a requirement. */
  buildHooks: string[];
  relaxBuildPins: boolean;
  /** pythonImportsCheck, as the sdist named its modules. */
  importNames?: string[];
}

/** `name version hash` -> what the previous output wrote; `hash` is the source's SRI hash, "" for a local tree. */
export type PreviousBuilds = Map<string, PreviousBuild>;

/** What emitting asks of the previous output (a PreviousBuilds, or one read on first use). */
export interface PreviousLookup {
  get(key: string): PreviousBuild | undefined;
}

/** The previous output's text; none when it is missing or not a readable regular file (bounded, as every input). */
function previousText(file: string): string | undefined {
  try {
    return readOptional(file);
  } catch {
    return undefined;
  }
}

/** The previous output in `file`, read and parsed only if a package's build system is asked of it. */
export function previousOutputIn(file: string | undefined): PreviousLookup {
  let builds: PreviousBuilds | undefined;
  return {
    get(key) {
      builds ??= readPreviousBuilds(file !== undefined ? previousText(file) : undefined);
      return builds.get(key);
    },
  };
}

export const previousKey = (name: string, version: string, hash: string | undefined): string => `${name} ${version} ${hash ?? ""}`;

const PNAME = /^\s*pname = "((?:[^"\\]|\\.)*)";/m;
const VERSION_LINE = /^\s*version = "((?:[^"\\]|\\.)*)";/m;

/** Header lines naming packages whose build system was not known (this version's and older wording). */
const NOT_KNOWN = /^# build-system (?:guessed|fell back) \([^)]*\): (.*)$/m;

/** Reads a file lock2nix wrote; empty for anything else. Packages it named as fallen back are left out. */
export function readPreviousBuilds(text: string | undefined): PreviousBuilds {
  const out: PreviousBuilds = new Map();
  if (text === undefined || !parseHeader(text)) return out;
  const headerEnd = text.indexOf("\n{");
  const notKnown = new Set(NOT_KNOWN.exec(text.slice(0, headerEnd < 0 ? 0 : headerEnd))?.[1]?.split(" ") ?? []);
  for (const chunk of text.split("buildPythonPackage {").slice(1)) {
    const pname = PNAME.exec(chunk)?.[1];
    const version = VERSION_LINE.exec(chunk)?.[1];
    if (pname === undefined || version === undefined || notKnown.has(pname)) continue;
    const list = /^\s*build-system = ([^;]*);/m.exec(chunk)?.[1];
    if (list === undefined) continue;
    const hash = /^\s*hash = "(sha256-[A-Za-z0-9+/=]+)";/m.exec(chunk)?.[1];
    const key = previousKey(pname, version, hash);
    if (out.has(key)) continue;
    const attrs = [...list.matchAll(/pythonPackages\.(?:"((?:[^"\\]|\\.)*)"|([A-Za-z_][A-Za-z0-9_'-]*))/g)].map((m) => (m[1] ?? m[2]) as string);
    const imports = /^\s*pythonImportsCheck = \[([^\]]*)\];/m.exec(chunk)?.[1];
    out.set(key, {
      ...(imports !== undefined ? { importNames: [...imports.matchAll(/"([A-Za-z_][A-Za-z0-9_]*)"/g)].map((m) => m[1] as string) } : {}),
      buildSystem: [...new Set(attrs)].sort(),
      buildHooks: chunk.includes("pkgs.rustPlatform.maturinBuildHook") ? ["rustPlatform.maturinBuildHook"] : [],
      relaxBuildPins: chunk.includes(`"--skip-dependency-check"`),
    });
  }
  return out;
}

/** What a previous output's `passthru.provenance` recorded for a package: the release and its publisher. */
export interface PreviousProvenance {
  version: string;
  publisher: PublisherRecord;
}

/** Each package's recorded publisher, by name (the first derivation of a name that records one). */
export function readPreviousProvenance(text: string | undefined): Map<string, PreviousProvenance> {
  const out = new Map<string, PreviousProvenance>();
  if (text === undefined || !parseHeader(text)) return out;
  for (const chunk of text.split("buildPythonPackage {").slice(1)) {
    const pname = PNAME.exec(chunk)?.[1];
    const version = VERSION_LINE.exec(chunk)?.[1];
    const publisher = readProvenanceAttrs(chunk);
    if (pname === undefined || version === undefined || !publisher || out.has(pname)) continue;
    out.set(pname, { version, publisher });
  }
  return out;
}

/** The previous output's recorded provenance, read from `file` (none when absent or not lock2nix's). */
export function previousProvenanceIn(file: string | undefined): Map<string, PreviousProvenance> {
  return readPreviousProvenance(file !== undefined ? previousText(file) : undefined);
}
