import { UsageError } from "../errors.js";
import { generate, writeFileAtomic } from "../generate.js";
import type { FormatId } from "../model.js";
import { formats } from "../formats/index.js";
import { isNixSystem, NIX_SYSTEMS, type NixSystem } from "../resolve/target.js";
import { parseArgs } from "node:util";
import { asUsage, splitList, type Command, type Io } from "./common.js";

const HELP = `Usage: lock2nix generate [PATH] [options]

Writes Nix for the lockfile at PATH (a lockfile, or a folder holding one; default .).

Options:
  -o, --output FILE     write the Nix file here (default: standard output)
      --format NAME     the lock format, when the file name does not tell (${Object.keys(formats).join(", ")})
      --python X.Y      the CPython to build for (default: the newest nixpkgs ships that the project allows)
      --system SYSTEM   a Nix system to generate for; repeatable (default: ${NIX_SYSTEMS.join(", ")})
      --groups A,B      dependency groups to give environments (default: all)
      --extras A,B      the project's extras to install
      --prefer-wheels   use a compatible wheel where there is one (default: build sdists from source)
      --offline         never use the network: only the lock and the cache
      --index-url URL   use this index instead of PyPI (a mirror or proxy), as pip does
                        (default: $PIP_INDEX_URL)
      --jobs N          index requests at once (default 16)
  -q, --quiet           print errors only
  -v, --verbose         print retries and other detail
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
    verbose: { type: "boolean", short: "v" },
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
  if (values.format !== undefined && !(values.format in formats)) {
    throw new UsageError(`--format ${values.format}: expected one of ${Object.keys(formats).join(", ")}`);
  }
  const systems = values.system?.map((s): NixSystem => {
    if (!isNixSystem(s)) throw new UsageError(`--system ${s}: expected one of ${NIX_SYSTEMS.join(", ")}`);
    return s;
  });
  const groups = splitList(values.groups);
  const extras = splitList(values.extras);
  const jobs = values.jobs === undefined ? undefined : Number(values.jobs);
  if (jobs !== undefined && !(Number.isInteger(jobs) && jobs >= 1 && jobs <= 256)) {
    throw new UsageError(`--jobs ${values.jobs}: expected a whole number from 1 to 256`);
  }
  const indexUrl = values["index-url"];
  if (indexUrl !== undefined && !/^https?:\/\//.test(indexUrl)) {
    throw new UsageError(`--index-url ${indexUrl}: expected an http(s) URL`);
  }
  const progress = io.stderrIsTty && !values.quiet ? progressBar(io) : undefined;
  const result = await generate({
    path,
    ...(values.output ? { output: values.output } : {}),
    ...(values.format ? { format: values.format as FormatId } : {}),
    ...(values.python ? { python: values.python } : {}),
    ...(systems ? { systems } : {}),
    ...(groups ? { groups } : {}),
    ...(extras ? { extras } : {}),
    preferWheels: values["prefer-wheels"] ?? false,
    offline: values.offline ?? false,
    ...(indexUrl ? { indexUrl } : {}),
    ...(jobs ? { jobs } : {}),
    ...(progress ? { onProgress: progress.update } : {}),
    ...(values.verbose ? { onInfo: (m: string) => io.stderr(`lock2nix: ${m}\n`) } : {}),
  }).finally(() => progress?.done());
  if (!values.quiet) for (const warning of result.warnings) io.stderr(`lock2nix: warning: ${warning}\n`);
  if (values.output) writeFileAtomic(values.output, result.nix);
  else io.stdout(result.nix);
  return 0;
}

/** `[#####     ] 120/285 packages` on one redrawn line of stderr. */
function progressBar(io: Io): { update: (done: number, total: number) => void; done: () => void } {
  let shown = false;
  return {
    update(done, total) {
      const width = 30;
      const filled = total === 0 ? width : Math.min(width, Math.round((done / total) * width));
      io.stderr(`\r[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${total} packages`);
      shown = true;
    },
    done() {
      if (shown) io.stderr("\r\x1b[K");
    },
  };
}

export const generateCommand: Command = { summary: "write Nix for a lockfile", run };
