import { existsSync } from "node:fs";
import { CONFIG_FILE, loadConfig } from "../config/index.js";
import { projectJob, runJobs, type Job } from "../config/run.js";
import { printable, UsageError } from "../errors.js";
import { formats } from "../formats/index.js";
import { NIX_SYSTEMS } from "../resolve/target.js";
import { auditSummaryFor } from "../audit/index.js";
import { foldWarnings } from "../warnings.js";
import { checkTargetOptions, COMMON_OPTIONS, lockPathFrom, provenanceOptions, TARGET_OPTIONS, type Command, type Io } from "./common.js";
import { outputFile, parseCommandArgs, type OptionSpecs } from "./args.js";

const HELP = `Usage: lock2nix generate [PATH] [options]

Writes Nix for the lockfile at PATH (a lockfile, or a folder holding one; default .;
-: read it from standard input, its format from --format or its content).
With no PATH and a ${CONFIG_FILE} in the current folder (or --config FILE), writes
every project the config file lists, sharing one index client and cache.

Options:
  -o, --output FILE     write the Nix file here (default, or -: standard output)
      --format NAME     the lock format, when the file name does not tell (${Object.keys(formats).join(", ")})
      --python X.Y      the CPython to build for (default: the newest stable one nixpkgs ships that the
                        project allows and every locked package has a file for)
      --system SYSTEM   a Nix system to generate for; repeatable (default: ${NIX_SYSTEMS.join(", ")})
      --groups A,B      dependency groups to give environments (default: all)
      --extras A,B      the project's extras to install
      --prefer-wheels   use a compatible wheel where there is one (default: build sdists from source)
      --offline         never use the network: only the lock and the cache
      --index-url URL   use this index instead of PyPI (a mirror or proxy), as pip does
                        (default: $PIP_INDEX_URL)
      --index NAME=URL  ask URL in place of the index the lock names NAME (or whose URL is
                        NAME), e.g. a mirror; repeatable (pypi=URL replaces PyPI)
      --jobs N          index requests at once (default 16)
      --overrides FILE  build overrides in the library's format (overrides/README.md),
                        applied after lock2nix's own; repeatable, later files win
      --allow-path DIR  let local path sources and -r/-c includes come from DIR too
                        (default: only the lockfile's folder, or the config file's);
                        repeatable
      --config FILE     the projects to generate (default: ./${CONFIG_FILE} when no PATH is given)
      --check           write nothing; exit 1 and print a unified diff for each output that
                        would change (decided from the output's header, without the network,
                        when the lockfile, lock2nix's version and the options are unchanged)
      --json            print a report for other tools on standard output: packages, the
                        file chosen for each system, overrides applied, warnings
      --no-inspect      do not download the sdists built from to read their build system,
                        native code and Cargo.lock (the override data and guesses decide)
      --no-project      leave the project beside the lock out (its package, app, devShell(s))
      --checks          add checks: the project's pytest run in the sandbox (test/tests/dev group)
      --no-audit        skip the cheap supply-chain checks (pinning, sources, typosquats)
                        whose one-line summary is printed on standard error (see lock2nix audit)
      --no-provenance   do not fetch or verify the PEP 740 provenance of the pinned files
      --trusted-root FILE  verify provenance against this Sigstore trusted_root.json
                        (default: Sigstore's production root, shipped with lock2nix)
  -q, --quiet           print errors only
  -v, --verbose         print retries and other detail
  -h, --help            show this help

Exit status: 0 success, 1 failure, 2 wrong usage.
`;

const OPTIONS = {
  ...TARGET_OPTIONS,
  overrides: { type: "string", multiple: true },
  "allow-path": { type: "string", multiple: true },
  config: { type: "string" },
  check: { type: "boolean" },
  json: { type: "boolean" },
  "no-audit": { type: "boolean" },
  "no-inspect": { type: "boolean" },
  "no-project": { type: "boolean" },
  checks: { type: "boolean" },
  "no-provenance": { type: "boolean" },
  "trusted-root": { type: "string" },
  ...COMMON_OPTIONS,
} satisfies OptionSpecs;

async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs("generate", argv, OPTIONS);
  const output = outputFile(values.output);
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  const [path, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`unexpected argument \`${rest[0]}\``);
  const { format, systems, groups, extras, jobs, indexUrl, indexes } = checkTargetOptions(values);
  const given = await lockPathFrom(path, io);
  const allowPaths = values["allow-path"] ?? [];
  const provenance = provenanceOptions(values);
  const configFile = values.config ?? (given === undefined && existsSync(CONFIG_FILE) ? CONFIG_FILE : undefined);
  let jobList: Job[];
  if (configFile !== undefined) {
    if (given !== undefined) throw new UsageError(`give a PATH or --config, not both`);
    const perProject = (["output", "format", "python", "system", "groups", "extras", "prefer-wheels", "overrides"] as const).find((k) => values[k] !== undefined);
    if (perProject) throw new UsageError(`--${perProject} cannot be used with ${configFile}: set it for each project there`);
    jobList = loadConfig(configFile).projects.map((p) => projectJob(p, { ...(indexUrl ? { indexUrl } : {}), ...(indexes ? { indexes } : {}) }, allowPaths));
  } else {
    if (values.check && !output) throw new UsageError("--check compares with an output file: give -o FILE");
    if (values.json && !output) throw new UsageError("--json prints its report on standard output: give -o FILE for the Nix");
    jobList = [
      {
        options: {
          path: given ?? ".",
          ...(output ? { output: output } : {}),
          ...(format ? { format } : {}),
          ...(values.python ? { python: values.python } : {}),
          ...(systems ? { systems } : {}),
          ...(groups ? { groups } : {}),
          ...(extras ? { extras } : {}),
          preferWheels: values["prefer-wheels"] ?? false,
          ...(indexUrl ? { indexUrl } : {}),
          ...(indexes ? { indexes } : {}),
          ...(values.overrides?.length ? { overrides: values.overrides } : {}),
          ...(values["no-inspect"] ? { inspect: false } : {}),
          ...(values["no-project"] ? { project: false } : {}),
          ...(values.checks ? { checks: true } : {}),
          ...(allowPaths.length ? { allowPaths } : {}),
        },
      },
    ];
  }
  const progress = io.stderrIsTty && !values.quiet && !values.json ? progressBar(io) : undefined;
  const { report, results, errors } = await runJobs(jobList, {
    ...(configFile !== undefined ? { inputs: [configFile] } : {}),
    check: values.check ?? false,
    offline: values.offline ?? false,
    ...(jobs ? { jobs } : {}),
    ...(progress ? { onProgress: progress.update } : {}),
    ...(values.verbose ? { onInfo: (m: string) => io.stderr(`lock2nix: ${m}\n`) } : {}),
    ...provenance,
  }).finally(() => progress?.done());
  const single = configFile === undefined;
  // One PATH fails as before: the error itself, exit 1 (2 for wrong usage).
  if (single && (!values.json || errors[0] instanceof UsageError) && errors[0]) throw errors[0];
  if (values.json) {
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    return report.ok ? 0 : 1;
  }
  for (const [i, p] of report.projects.entries()) {
    const label = single ? "" : `${p.name}: `;
    if (!values.quiet) for (const warning of foldWarnings(p.warnings, values.verbose)) io.stderr(`lock2nix: warning: ${label}${printable(warning)}\n`);
    const job = jobList[i];
    if (!values.quiet && !values["no-audit"] && job && p.status !== "failed") io.stderr(`lock2nix: ${label}${auditSummaryFor(job.options.path, job.options.format)}\n`);
    if (p.status === "failed") io.stderr(`lock2nix: error: ${label}${p.error}\n`);
    if (p.status === "generated") io.stdout(results[i]?.nix ?? "");
    if (p.diff) io.stdout(p.diff);
    if (values.quiet) continue;
    if (p.status === "changed") io.stderr(`lock2nix: ${label}${p.output} is not what lock2nix would write (diff on standard output)\n`);
    if (p.status === "missing") io.stderr(`lock2nix: ${label}${p.output} does not exist (diff on standard output)\n`);
    if (!single && p.status === "up-to-date") io.stderr(`lock2nix: ${label}${p.output} is up to date\n`);
    if (!single && p.status === "written") io.stderr(`lock2nix: ${label}wrote ${p.output}\n`);
  }
  return report.ok ? 0 : 1;
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

export const generateCommand: Command = { summary: "write Nix for a lockfile", options: OPTIONS, help: HELP, run };
