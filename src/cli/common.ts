import { UsageError } from "../errors.js";

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
