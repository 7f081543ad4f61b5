// Argument parsing for every command: node:util's parseArgs (no dependency, nothing to load), with
// the habits pip, cargo and git users expect: "did you mean" for a mistyped option, `-` for stdout.
import { parseArgs, type ParseArgsConfig } from "node:util";

type Parsed<O extends OptionSpecs> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;
import { UsageError } from "../errors.js";
import { suggestion } from "../suggest.js";

export { closest, editDistance, suggestion } from "../suggest.js";

export type OptionSpecs = NonNullable<ParseArgsConfig["options"]>;

/** Parses one command's arguments; a wrong one is a usage error naming the command, with a suggestion. */
export function parseCommandArgs<O extends OptionSpecs>(command: string, argv: string[], options: O): Parsed<O> {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    const message = (err as Error).message;
    const unknown = /^Unknown option '([^']+)'/.exec(message)?.[1];
    if (unknown !== undefined) {
      const names = Object.keys(options).map((n) => `--${n}`);
      throw new UsageError(`unknown option \`${unknown}\` for \`lock2nix ${command}\`${suggestion(unknown.split("=")[0] ?? unknown, names)}`);
    }
    const missing = /^Option '(?:-\w, )?(--[\w-]+) <value>' argument missing/.exec(message)?.[1];
    if (missing !== undefined) throw new UsageError(`${missing} needs a value (lock2nix ${command})`);
    throw new UsageError(message);
  }
}

/** `-o -` and no `-o` both mean standard output. */
export function outputFile(value: string | undefined): string | undefined {
  return value === "-" ? undefined : value;
}
