import { printable, UsageError } from "../errors.js";
import { redact } from "../redact.js";
import { formats, locateLock } from "../formats/index.js";
import { refuseInputAsOutput, writeOutput } from "../outputs.js";
import { NIX_SYSTEMS } from "../resolve/target.js";
import { sbom } from "../sbom/index.js";
import { foldWarnings } from "../warnings.js";
import { checkTargetOptions, COMMON_OPTIONS, TARGET_OPTIONS, lockPathFrom, provenanceOptions, type Command, type Io } from "./common.js";
import { outputFile, parseCommandArgs, type OptionSpecs } from "./args.js";

const HELP = `Usage: lock2nix sbom [PATH] [-o FILE] [options]

Writes a CycloneDX 1.6 JSON SBOM for the lockfile at PATH (a lockfile, a folder holding
one, or - for standard input; default .): a component per package with its purl
(pkg:pypi/name@version), the sha256 of the files generate would build it from, their
URLs, its licence where PyPI reports one, and the dependency graph. The generated Nix
carries the same purl in passthru.purl.

Options:
  -o, --output FILE     write the SBOM here (default, or -: standard output)
      --format NAME     the lock format, when the file name does not tell (${Object.keys(formats).join(", ")})
      --python X.Y      the CPython to resolve for, as generate
      --system SYSTEM   a Nix system to resolve for; repeatable (default: ${NIX_SYSTEMS.join(", ")})
      --groups A,B      dependency groups (default: all)
      --extras A,B      the project's extras
      --prefer-wheels   as generate --prefer-wheels (the SBOM names the files that would be used)
      --offline         never use the network: the lock and the cache only (licences from the cache)
      --index-url URL   use this index instead of PyPI (default: $PIP_INDEX_URL)
      --index NAME=URL  ask URL in place of the index the lock names NAME (or whose URL is
                        NAME), e.g. a mirror; repeatable (pypi=URL replaces PyPI)
      --jobs N          index requests at once (default 16)
      --no-provenance   do not fetch or verify the PEP 740 provenance of the pinned files
      --trusted-root FILE  verify provenance against this Sigstore trusted_root.json
  -q, --quiet           print errors only
  -v, --verbose         also say how many components the SBOM lists
  -h, --help            show this help

Exit status: 0 success, 1 failure, 2 wrong usage.
`;

const OPTIONS = {
  ...TARGET_OPTIONS,
  "no-provenance": { type: "boolean" },
  "trusted-root": { type: "string" },
  ...COMMON_OPTIONS,
} satisfies OptionSpecs;

async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs("sbom", argv, OPTIONS);
  const output = outputFile(values.output);
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  const [given, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`unexpected argument \`${rest[0]}\``);
  const path = (await lockPathFrom(given, io)) ?? ".";
  const { format, systems, groups, extras, jobs, indexUrl, indexes } = checkTargetOptions(values);
  const provenance = provenanceOptions(values);
  if (output) refuseInputAsOutput(output, "-o", [locateLock(path, format).file]);
  const result = await sbom({
    path,
    ...(output ? { output: output } : {}),
    ...(format ? { format } : {}),
    ...(values.python ? { python: values.python } : {}),
    ...(systems ? { systems } : {}),
    ...(groups ? { groups } : {}),
    ...(extras ? { extras } : {}),
    preferWheels: values["prefer-wheels"] ?? false,
    offline: values.offline ?? false,
    ...(indexUrl ? { indexUrl } : {}),
    ...(indexes ? { indexes } : {}),
    ...(jobs ? { jobs } : {}),
    ...provenance,
  });
  if (!values.quiet) for (const warning of foldWarnings(result.warnings, values.verbose)) io.stderr(`lock2nix: warning: ${printable(warning)}\n`);
  if (values.verbose && !values.quiet) io.stderr(`lock2nix: sbom: ${(JSON.parse(result.json) as { components?: unknown[] }).components?.length ?? 0} components\n`);
  if (output) writeOutput(output, redact(result.json));
  else io.stdout(result.json);
  return 0;
}

export const sbomCommand: Command = { summary: "write a CycloneDX SBOM for a lockfile", options: OPTIONS, help: HELP, run };
