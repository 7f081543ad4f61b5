import { Lock2nixError, printable, UsageError } from "../errors.js";
import { redact } from "../redact.js";
import { VERSION } from "../version.js";
import { suggestion } from "./args.js";
import { type Command, type Io, useColor } from "./common.js";
import { completionScript } from "./completion.js";
import { auditCommand } from "./audit.js";
import { generateCommand } from "./generate.js";
import { sbomCommand } from "./sbom.js";

export type { Io } from "./common.js";

const commands: Record<string, Command> = {
  generate: generateCommand,
  audit: auditCommand,
  sbom: sbomCommand,
};

function help(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `lock2nix ${VERSION}: turn a Python lockfile into Nix that builds in the Nix sandbox

Usage: lock2nix <command> [options]   (lock2nix help <command> for its options)

Commands:
${lines.join("\n")}
  ${"help".padEnd(width)}  show this help, or a command's (lock2nix help generate)
  ${"completion".padEnd(width)}  print a shell completion script (bash, zsh or fish)

Every command takes -q (errors only), -v (more detail), -o - (standard output).
Warnings and errors are coloured on a terminal (NO_COLOR turns that off, FORCE_COLOR on).

Exit status: 0 success, 1 failure, 2 wrong usage.
`;
}

/** Runs the CLI; returns the exit code. Everything it prints goes through redact(): no credential is shown. */
export async function main(argv: string[], rawIo: Io): Promise<number> {
  const paint = useColor(rawIo.stderrIsTty) ? colorLabels : (t: string) => t;
  const io: Io = { ...rawIo, stdout: (t) => rawIo.stdout(redact(t)), stderr: (t) => rawIo.stderr(paint(redact(t))) };
  try {
    const [first, ...rest] = argv;
    if (first === "-h" || first === "--help" || (first === "help" && rest.length === 0)) {
      io.stdout(help());
      return 0;
    }
    if (first === "help") {
      const [name, ...extra] = rest;
      const topic = name === undefined ? undefined : commands[name];
      if (!topic || extra.length > 0) throw new UsageError(`help: unknown command \`${rest.join(" ")}\`${suggestion(name ?? "", Object.keys(commands))}`);
      io.stdout(topic.help);
      return 0;
    }
    if (first === "completion") {
      if (rest.length > 1) throw new UsageError(`completion: unexpected argument \`${rest[1]}\``);
      io.stdout(completionScript(rest[0], commands));
      return 0;
    }
    if (first === "-V" || first === "--version") {
      io.stdout(`lock2nix ${VERSION}\n`);
      return 0;
    }
    const command = first === undefined ? undefined : commands[first];
    if (!command) {
      const known = Object.keys(commands).map((c) => `\`${c}\``).join(", ");
      throw new UsageError(first === undefined ? `no command given (expected one of ${known})` : `unknown command \`${first}\`${suggestion(first, Object.keys(commands)) || ` (expected one of ${known})`}`);
    }
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof Lock2nixError) {
      io.stderr(`lock2nix: error: ${err.format()}\n`);
      const topic = argv[0] !== undefined && argv[0] in commands ? ` ${argv[0]}` : "";
      if (err instanceof UsageError) io.stderr(`Run \`lock2nix help${topic}\` for usage.\n`);
      return err instanceof UsageError ? 2 : 1;
    }
    // A fault of lock2nix itself: one line, not a stack trace (LOCK2NIX_DEBUG=1 shows it).
    if (process.env["LOCK2NIX_DEBUG"]) throw err;
    io.stderr(`lock2nix: internal error: ${printable(err instanceof Error ? err.message : String(err))} (please report it; LOCK2NIX_DEBUG=1 shows where)\n`);
    return 1;
  }
}

/** Yellow `warning:`, red `error:` at the start of a line of stderr (SGR codes, as git colours). */
function colorLabels(text: string): string {
  return text.replace(/^lock2nix: (warning|error|internal error):/gm, (_, label: string) => `lock2nix: ${label === "warning" ? "\x1b[33m" : "\x1b[31m"}${label}:\x1b[0m`);
}
