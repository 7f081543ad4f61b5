import { existsSync } from "node:fs";
import { Lock2nixError, UsageError } from "../errors.js";
import { MAX_INPUT_BYTES } from "../fs.js";
import { provideStdinLock, STDIN_LOCK } from "../formats/stdin.js";
import { formats } from "../formats/index.js";
import type { FormatId } from "../model.js";
import { parseIndexRedirect, type IndexRedirect } from "../index/redirect.js";
import { isNixSystem, NIX_SYSTEMS, type NixSystem } from "../resolve/target.js";

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** stderr is a terminal: show a progress bar, colours. */
  stderrIsTty?: boolean;
  stdoutIsTty?: boolean;
  /** All of standard input, for a PATH of `-` (default: the process's). */
  stdin?: () => Promise<Buffer>;
}

/** One `lock2nix <command>`: its one-line summary and how to run it. */
export interface Command {
  summary: string;
  /** Its options, for "did you mean" and shell completions. */
  options: Record<string, { type: "string" | "boolean"; short?: string }>;
  help: string;
  run(argv: string[], io: Io): Promise<number>;
}

/** The options of every command. */
export const COMMON_OPTIONS = {
  quiet: { type: "boolean", short: "q" },
  verbose: { type: "boolean", short: "v" },
  help: { type: "boolean", short: "h" },
} as const;

/** The options `generate` and `sbom` share: what to resolve, and for which target. */
export const TARGET_OPTIONS = {
  output: { type: "string", short: "o" },
  format: { type: "string" },
  python: { type: "string" },
  system: { type: "string", multiple: true },
  groups: { type: "string", multiple: true },
  extras: { type: "string", multiple: true },
  "prefer-wheels": { type: "boolean" },
  offline: { type: "boolean" },
  "index-url": { type: "string" },
  index: { type: "string", multiple: true },
  jobs: { type: "string" },
} as const;

/** `--x a,b --x c` -> `[a, b, c]`. */
export const splitList = (values: string[] | undefined) =>
  values?.flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v !== "");

/** The raw values of the options `generate` and `sbom` share. */
export interface TargetValues {
  format?: string | undefined;
  system?: string[] | undefined;
  groups?: string[] | undefined;
  extras?: string[] | undefined;
  jobs?: string | undefined;
  "index-url"?: string | undefined;
  index?: string[] | undefined;
}

/** Checks the shared options; wrong ones are usage errors (exit 2). */
export function checkTargetOptions(values: TargetValues): {
  format?: FormatId;
  systems?: NixSystem[];
  groups?: string[];
  extras?: string[];
  jobs?: number;
  indexUrl?: string;
  indexes?: IndexRedirect[];
} {
  if (values.format !== undefined && !(values.format in formats)) {
    throw new UsageError(`--format ${values.format}: expected one of ${Object.keys(formats).join(", ")}`);
  }
  const systems = values.system?.map((s): NixSystem => {
    if (!isNixSystem(s)) throw new UsageError(`--system ${s}: expected one of ${NIX_SYSTEMS.join(", ")}`);
    return s;
  });
  const jobs = values.jobs === undefined ? undefined : Number(values.jobs);
  if (jobs !== undefined && !(Number.isInteger(jobs) && jobs >= 1 && jobs <= 256)) {
    throw new UsageError(`--jobs ${values.jobs}: expected a whole number from 1 to 256`);
  }
  const indexUrl = values["index-url"];
  if (indexUrl !== undefined && !/^https?:\/\//.test(indexUrl)) throw new UsageError(`--index-url ${indexUrl}: expected an http(s) URL`);
  const indexes = values.index?.map((text) => parseIndexRedirect(text));
  const groups = splitList(values.groups);
  const extras = splitList(values.extras);
  return {
    ...(values.format !== undefined ? { format: values.format as FormatId } : {}),
    ...(systems ? { systems } : {}),
    ...(groups ? { groups } : {}),
    ...(extras ? { extras } : {}),
    ...(jobs !== undefined ? { jobs } : {}),
    ...(indexUrl !== undefined ? { indexUrl } : {}),
    ...(indexes?.length ? { indexes } : {}),
  };
}

/**
 * Colour for a stream: FORCE_COLOR (other than 0/false) forces it, NO_COLOR (any value, no-color.org)
 * turns it off, else a terminal gets it.
 */
export function useColor(isTty: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env["FORCE_COLOR"];
  if (force !== undefined && force !== "0" && force !== "false") return true;
  if (env["NO_COLOR"] !== undefined && env["NO_COLOR"] !== "") return false;
  if (force !== undefined) return false;
  return isTty ?? false;
}

/**
 * PATH as given; for `-`, the lock is read from standard input and goes by
 * STDIN_LOCK (its format from --format, else from its content).
 */
export async function lockPathFrom(given: string | undefined, io: Io): Promise<string | undefined> {
  if (given !== "-") return given;
  const bytes = await (io.stdin ?? readProcessStdin)();
  if (bytes.length === 0) throw new UsageError("`-` reads the lockfile from standard input, which is empty (cat poetry.lock | lock2nix generate -)");
  provideStdinLock(bytes);
  return STDIN_LOCK;
}

async function readProcessStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > MAX_INPUT_BYTES) throw new Lock2nixError(`standard input: larger than ${MAX_INPUT_BYTES / 1024 / 1024} MiB, more than any lockfile lock2nix reads`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** `--no-provenance` and `--trusted-root FILE`, checked, as generate's options (generate and sbom). */
export function provenanceOptions(values: { "no-provenance"?: boolean; "trusted-root"?: string }): { provenance?: false; trustedRoot?: string } {
  const trustedRoot = values["trusted-root"];
  if (trustedRoot !== undefined && !existsSync(trustedRoot)) throw new UsageError(`--trusted-root ${trustedRoot}: no such file`);
  if (trustedRoot !== undefined && values["no-provenance"]) throw new UsageError("--trusted-root verifies provenance, which --no-provenance turns off: give one");
  return { ...(values["no-provenance"] ? { provenance: false as const } : {}), ...(trustedRoot !== undefined ? { trustedRoot } : {}) };
}
