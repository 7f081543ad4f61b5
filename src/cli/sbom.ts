import { parseArgs } from "node:util";
import { printable, UsageError } from "../errors.js";
import { redact } from "../redact.js";
import { formats, locateLock } from "../formats/index.js";
import { refuseInputAsOutput, writeOutput } from "../outputs.js";
import { NIX_SYSTEMS } from "../resolve/target.js";
import { sbom } from "../sbom/index.js";
import { asUsage, checkTargetOptions, type Command, type Io } from "./common.js";

const HELP = `Usage: lock2nix sbom [PATH] [-o FILE] [options]

Writes a CycloneDX 1.6 JSON SBOM for the lockfile at PATH (a lockfile, or a folder holding
one; default .): a component per package with its purl (pkg:pypi/name@version), the sha256
of the files generate would build it from, their URLs, its licence where PyPI reports one,
and the dependency graph. The generated Nix carries the same purl in passthru.purl.

Options:
  -o, --output FILE     write the SBOM here (default: standard output)
      --format NAME     the lock format, when the file name does not tell (${Object.keys(formats).join(", ")})
      --python X.Y      the CPython to resolve for, as generate
      --system SYSTEM   a Nix system to resolve for; repeatable (default: ${NIX_SYSTEMS.join(", ")})
      --groups A,B      dependency groups (default: all)
      --extras A,B      the project's extras
      --prefer-wheels   as generate --prefer-wheels (the SBOM names the files that would be used)
      --offline         never use the network: the lock and the cache only (licences from the cache)
      --index-url URL   use this index instead of PyPI (default: $PIP_INDEX_URL)
      --jobs N          index requests at once (default 16)
  -q, --quiet           print errors only
  -h, --help            show this help

Exit status: 0 success, 1 failure, 2 wrong usage.
`;

async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = asUsage(() =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        output: { type: "string", short: "o" },
        format: { type: "string" },
        python: { type: "string" },
        system: { type: "string", multiple: true },
        groups: { type: "string", multiple: true },
        extras: { type: "string", multiple: true },
        "prefer-wheels": { type: "boolean" },
        offline: { type: "boolean" },
        "index-url": { type: "string" },
        jobs: { type: "string" },
        quiet: { type: "boolean", short: "q" },
        help: { type: "boolean", short: "h" },
      },
    }),
  );
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  const [path = ".", ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`unexpected argument \`${rest[0]}\``);
  const { format, systems, groups, extras, jobs, indexUrl } = checkTargetOptions(values);
  if (values.output) refuseInputAsOutput(values.output, "-o", [locateLock(path, format).file]);
  const result = await sbom({
    path,
    ...(values.output ? { output: values.output } : {}),
    ...(format ? { format } : {}),
    ...(values.python ? { python: values.python } : {}),
    ...(systems ? { systems } : {}),
    ...(groups ? { groups } : {}),
    ...(extras ? { extras } : {}),
    preferWheels: values["prefer-wheels"] ?? false,
    offline: values.offline ?? false,
    ...(indexUrl ? { indexUrl } : {}),
    ...(jobs ? { jobs } : {}),
  });
  if (!values.quiet) for (const warning of result.warnings) io.stderr(`lock2nix: warning: ${printable(warning)}\n`);
  if (values.output) writeOutput(values.output, redact(result.json));
  else io.stdout(result.json);
  return 0;
}

export const sbomCommand: Command = { summary: "write a CycloneDX SBOM for a lockfile", run };
