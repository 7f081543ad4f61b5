import { Lock2nixError, printable, UsageError } from "../errors.js";
import { redact } from "../redact.js";
import { VERSION } from "../version.js";
import type { Command, Io } from "./common.js";
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

Usage: lock2nix <command> [options]   (lock2nix <command> --help for its options)

Commands:
${lines.join("\n")}

Exit status: 0 success, 1 failure, 2 wrong usage.
`;
}

/** Runs the CLI; returns the exit code. Everything it prints goes through redact(): no credential is shown. */
export async function main(argv: string[], rawIo: Io): Promise<number> {
  const io: Io = { ...rawIo, stdout: (t) => rawIo.stdout(redact(t)), stderr: (t) => rawIo.stderr(redact(t)) };
  try {
    const [first, ...rest] = argv;
    if (first === "-h" || first === "--help" || first === "help") {
      io.stdout(help());
      return 0;
    }
    if (first === "-V" || first === "--version") {
      io.stdout(`lock2nix ${VERSION}\n`);
      return 0;
    }
    const command = first === undefined ? undefined : commands[first];
    if (!command) {
      const known = Object.keys(commands).map((c) => `\`${c}\``).join(", ");
      throw new UsageError(first === undefined ? `no command given (expected one of ${known})` : `unknown command \`${first}\` (expected one of ${known})`);
    }
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof Lock2nixError) {
      io.stderr(`lock2nix: error: ${err.format()}\n`);
      if (err instanceof UsageError) io.stderr("Run `lock2nix --help` for usage.\n");
      return err instanceof UsageError ? 2 : 1;
    }
    // A fault of lock2nix itself: one line, not a stack trace (LOCK2NIX_DEBUG=1 shows it).
    if (process.env["LOCK2NIX_DEBUG"]) throw err;
    io.stderr(`lock2nix: internal error: ${printable(err instanceof Error ? err.message : String(err))} (please report it; LOCK2NIX_DEBUG=1 shows where)\n`);
    return 1;
  }
}
