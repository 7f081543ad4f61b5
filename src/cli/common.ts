import { UsageError } from "../errors.js";
import { formats } from "../formats/index.js";
import type { FormatId } from "../model.js";
import { isNixSystem, NIX_SYSTEMS, type NixSystem } from "../resolve/target.js";

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** stderr is a terminal: show a progress bar, colours. */
  stderrIsTty?: boolean;
  stdoutIsTty?: boolean;
}

/** One `lock2nix <command>`: its one-line summary and how to run it. */
export interface Command {
  summary: string;
  run(argv: string[], io: Io): Promise<number>;
}

/** `--x a,b --x c` -> `[a, b, c]`. */
export const splitList = (values: string[] | undefined) =>
  values?.flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v !== "");

/** Runs an argument parser, turning its errors into usage errors (exit 2). */
export function asUsage<R>(parse: () => R): R {
  try {
    return parse();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** The raw values of the options `generate` and `sbom` share. */
export interface TargetValues {
  format?: string | undefined;
  system?: string[] | undefined;
  groups?: string[] | undefined;
  extras?: string[] | undefined;
  jobs?: string | undefined;
  "index-url"?: string | undefined;
}

/** Checks the shared options; wrong ones are usage errors (exit 2). */
export function checkTargetOptions(values: TargetValues): {
  format?: FormatId;
  systems?: NixSystem[];
  groups?: string[];
  extras?: string[];
  jobs?: number;
  indexUrl?: string;
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
  const groups = splitList(values.groups);
  const extras = splitList(values.extras);
  return {
    ...(values.format !== undefined ? { format: values.format as FormatId } : {}),
    ...(systems ? { systems } : {}),
    ...(groups ? { groups } : {}),
    ...(extras ? { extras } : {}),
    ...(jobs !== undefined ? { jobs } : {}),
    ...(indexUrl !== undefined ? { indexUrl } : {}),
  };
}
