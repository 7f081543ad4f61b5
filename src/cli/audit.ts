import { existsSync } from "node:fs";
import { audit, FAIL_ON, failsOn, findingsJson, type FailOn } from "../audit/index.js";
import { renderText } from "../audit/report.js";
import { renderSarif } from "../audit/sarif.js";
import { UsageError } from "../errors.js";
import { formats, locateLock, readInput } from "../formats/index.js";
import { refuseInputAsOutput, writeOutput } from "../outputs.js";
import { decodeText } from "../fs.js";
import { redact } from "../redact.js";
import type { FormatId } from "../model.js";
import { parseIndexRedirect } from "../index/redirect.js";
import { COMMON_OPTIONS, lockPathFrom, type Command, type Io, useColor } from "./common.js";
import { outputFile, parseCommandArgs, type OptionSpecs } from "./args.js";

const OUTPUTS = ["text", "json", "sarif"] as const;
type Output = (typeof OUTPUTS)[number];

const HELP = `Usage: lock2nix audit [PATH] [options]

Audits the lockfile at PATH (a lockfile, a folder holding one, or - for standard input;
default .) for what the Nix sandbox does not catch: unpinned files, untrusted sources,
typosquats, known vulnerabilities and malicious packages (OSV), and builds that run code.

Options:
      --output-format FMT  text (default), json or sarif
      --format NAME     the lock format, when the file name does not tell (${Object.keys(formats).join(", ")}),
                        as in generate (an output name here is a deprecated --output-format)
      --lock-format NAME  the same as --format NAME
      --json            same as --output-format json: { schemaVersion, findings: [ { kind, severity,
                        package, version, message, rule, advisory: { id, aliases, fixed }, file, line } ] }
      --sarif FILE      also write SARIF 2.1.0 to FILE (for code-scanning UIs)
  -o, --output FILE     write the report here (default, or -: standard output)
      --fail-on LEVEL   exit 1 when a finding is at least LEVEL: ${FAIL_ON.join(", ")} (default: high)
      --offline         no network: skips OSV and the index look-ups, and says so
      --osv-url URL     the OSV API to ask (default: $LOCK2NIX_OSV_URL, else https://api.osv.dev)
      --osv-db DIR      match against an OSV export folder (the unzipped PyPI all.zip) instead
      --index-url URL   use this index instead of PyPI, as generate does (default: $PIP_INDEX_URL)
      --index NAME=URL  ask URL in place of the index the lock names NAME (or whose URL is
                        NAME), e.g. a mirror; repeatable (pypi=URL replaces PyPI)
      --prefer-wheels   judge build risk as generate --prefer-wheels builds
      --previous FILE   the Nix file lock2nix generated before: a publisher it recorded that
                        changed, or vanished, is a finding (PEP 740 provenance)
      --no-provenance   do not fetch or verify the PEP 740 provenance of the pinned files
      --trusted-root FILE  verify provenance against this Sigstore trusted_root.json
      --jobs N          index requests at once (default 16)
  -q, --quiet           print the report and errors only
  -v, --verbose         list info findings and every package of a folded line
  -h, --help            show this help

Exit status: 0 nothing at or above --fail-on, 1 findings at or above it (or a failure), 2 wrong usage.
`;

const OPTIONS = {
  "output-format": { type: "string" },
  format: { type: "string" },
  "lock-format": { type: "string" },
  json: { type: "boolean" },
  sarif: { type: "string" },
  output: { type: "string", short: "o" },
  "fail-on": { type: "string" },
  offline: { type: "boolean" },
  "osv-url": { type: "string" },
  "osv-db": { type: "string" },
  "index-url": { type: "string" },
  index: { type: "string", multiple: true },
  "prefer-wheels": { type: "boolean" },
  previous: { type: "string" },
  "no-provenance": { type: "boolean" },
  "trusted-root": { type: "string" },
  jobs: { type: "string" },
  ...COMMON_OPTIONS,
} satisfies OptionSpecs;

async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs("audit", argv, OPTIONS);
  const outFile = outputFile(values.output);
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  const [pathGiven, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`unexpected argument \`${rest[0]}\``);
  const path = (await lockPathFrom(pathGiven, io)) ?? ".";
  let output: Output = values.json ? "json" : "text";
  let lockFormat = values["lock-format"];
  const given = values["output-format"];
  if (given !== undefined) {
    if (!(OUTPUTS as readonly string[]).includes(given)) throw new UsageError(`--output-format ${given}: expected one of ${OUTPUTS.join(", ")}`);
    output = given as Output;
  }
  // --format meant the output here and the lock format elsewhere: it now means the lock format,
  // and an output name given to it still works, with a warning, until it is removed.
  if (values.format !== undefined) {
    if (values.format in formats) lockFormat = values.format;
    else if ((OUTPUTS as readonly string[]).includes(values.format)) {
      if (given !== undefined && given !== values.format) throw new UsageError(`--output-format ${given} and --format ${values.format} disagree`);
      output = values.format as Output;
      if (!values.quiet) io.stderr(`lock2nix: warning: \`--format ${values.format}\` is deprecated in audit: use \`--output-format ${values.format}\`\n`);
    } else throw new UsageError(`--format ${values.format}: expected a lock format (${Object.keys(formats).join(", ")})`);
  }
  if (values.json && output !== "json") throw new UsageError(`--json and --output-format ${output} disagree`);
  if (lockFormat !== undefined && !(lockFormat in formats)) {
    throw new UsageError(`--lock-format ${lockFormat}: expected one of ${Object.keys(formats).join(", ")}`);
  }
  const failOn = (values["fail-on"] ?? "high") as FailOn;
  if (!FAIL_ON.includes(failOn)) throw new UsageError(`--fail-on ${values["fail-on"]}: expected one of ${FAIL_ON.join(", ")}`);
  for (const [flag, url] of [["--osv-url", values["osv-url"]], ["--index-url", values["index-url"]]] as const) {
    if (url !== undefined && !/^https?:\/\//.test(url)) throw new UsageError(`${flag} ${url}: expected an http(s) URL`);
  }
  const indexes = values.index?.map((text) => parseIndexRedirect(text));
  for (const [flag, file] of [["--previous", values.previous], ["--trusted-root", values["trusted-root"]]] as const) {
    if (file !== undefined && !existsSync(file)) throw new UsageError(`${flag} ${file}: no such file`);
  }
  const jobs = values.jobs === undefined ? undefined : Number(values.jobs);
  if (jobs !== undefined && !(Number.isInteger(jobs) && jobs >= 1 && jobs <= 256)) {
    throw new UsageError(`--jobs ${values.jobs}: expected a whole number from 1 to 256`);
  }

  for (const [flag, target] of [["--sarif", values.sarif], ["-o", outFile]] as const) {
    if (target !== undefined) refuseInputAsOutput(target, flag, [safeLockFile(path, lockFormat as FormatId | undefined)]);
  }
  const result = await audit({
    path,
    ...(lockFormat ? { format: lockFormat as FormatId } : {}),
    offline: values.offline ?? false,
    ...(values["osv-url"] ? { osvUrl: values["osv-url"] } : {}),
    ...(values["osv-db"] ? { osvDb: values["osv-db"] } : {}),
    ...(values["index-url"] ? { indexUrl: values["index-url"] } : {}),
    ...(indexes?.length ? { indexes } : {}),
    preferWheels: values["prefer-wheels"] ?? false,
    ...(jobs ? { jobs } : {}),
    ...(values["no-provenance"] ? { provenance: false } : {}),
    ...(values.previous ? { previous: values.previous } : {}),
    ...(values["trusted-root"] ? { trustedRoot: values["trusted-root"] } : {}),
  });
  const file = result.lock?.file ?? safeLockFile(path, lockFormat as FormatId | undefined);
  if (!values.quiet) for (const s of result.skipped) io.stderr(`lock2nix: audit: skipped ${s.check}: ${s.reason}\n`);
  // The lock's text, for each finding's line; a lock that cannot be read again just has none.
  const text = (): { text?: string } => {
    try {
      return file ? { text: decodeText(readInput(file)) } : {};
    } catch {
      return {};
    }
  };
  const sarif = () => renderSarif(result.findings, result.skipped, { file, ...text() });
  if (values.sarif) writeOutput(values.sarif, redact(sarif()));
  const report =
    output === "json"
      ? findingsJson(result.findings, { file, ...text() })
      : output === "sarif"
        ? sarif()
        : renderText(result.findings, [], {
            color: !outFile && useColor(io.stdoutIsTty),
            verbose: values.verbose ?? false,
            file,
          });
  if (outFile) writeOutput(outFile, redact(report));
  else io.stdout(report);
  return failsOn(result.findings, failOn) ? 1 : 0;
}

function safeLockFile(path: string, format: FormatId | undefined): string {
  try {
    return locateLock(path, format).file;
  } catch {
    return path;
  }
}

export const auditCommand: Command = { summary: "report supply-chain risks in a lockfile", options: OPTIONS, help: HELP, run };
