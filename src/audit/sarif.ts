import { lineOf } from "./location.js";
import { createHash } from "node:crypto";
import { relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { VERSION } from "../version.js";
import { sortFindings, type Finding, type Severity, type SkippedCheck } from "./types.js";

/**
 * SARIF 2.1.0 (OASIS), the format code-scanning UIs read: one run, a rule
 * per finding rule, a result per finding located at the lockfile line that
 * names the package where it can be found.
 */

export const SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

const LEVEL: Record<Severity, "error" | "warning" | "note" | "none"> = { critical: "error", high: "error", medium: "warning", low: "note", info: "none" };
/** GitHub code scanning ranks security results by this property (CVSS-like, as a string). */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: "9.5", high: "8.0", medium: "5.5", low: "2.0", info: "0.0" };

const RULE_TEXT: Record<string, string> = {
  "unpinned/no-sha256": "A file is not pinned by a sha256 in the lock",
  "unpinned/insecure-url": "A URL is not https",
  "unpinned/url-without-sha256": "A direct URL dependency has no sha256",
  "unpinned/git-not-full-commit": "A git dependency is not pinned to a full commit",
  "unpinned/local-file-without-sha256": "A local archive has no sha256",
  "unpinned/weak-hash": "A file is pinned by a hash weaker than sha256",
  "source/non-pypi-index": "A package comes from an index other than PyPI",
  "source/non-pypi-files": "A package's files come from a host other than PyPI",
  "source/direct-url": "A direct URL dependency",
  "source/git": "A git dependency",
  "source/local-path": "A local path dependency inside the project",
  "source/local-path-outside": "A local path dependency outside the project",
  "source/dependency-confusion": "A name more than one configured index serves (dependency confusion)",
  "build-risk/network-at-build": "The package's build needs the network",
  "build-risk/source-build": "Built from source: its build backend runs code",
  "build-risk/sdist-only": "Only an sdist: its build backend runs code",
  "build-risk/sdist": "Built from its sdist by default",
  "provenance/failed": "A file's PEP 740 provenance does not verify",
  "provenance/publisher-changed": "The Trusted Publisher changed since the previous generation",
  "provenance/attestation-dropped": "Unattested, where an earlier release or generation was attested",
  "provenance/repository-mismatch": "The attested repository is not the one the project declares",
  "provenance/none": "No PEP 740 attestation",
};

function ruleText(f: Finding): string {
  if (RULE_TEXT[f.rule]) return RULE_TEXT[f.rule] as string;
  if (f.kind === "typosquat") return `A name that imitates a popular project (${f.rule.split("/")[1]})`;
  if (f.kind === "malicious") return `Malicious package: ${f.rule.split("/")[1]}`;
  if (f.kind === "vulnerability") return `Known vulnerability: ${f.rule.split("/")[1]}`;
  return f.rule;
}

export interface SarifOptions {
  /** The lockfile the findings are about. */
  file: string;
  /** Its text, to find each package's line. */
  text?: string;
  /** Paths are written relative to this folder (the repository root); default the current folder. */
  root?: string;
}

export function renderSarif(findings: Finding[], skipped: SkippedCheck[], options: SarifOptions): string {
  const sorted = sortFindings(findings);
  const root = resolve(options.root ?? process.cwd());
  const uri = relative(root, resolve(options.file)).split(sep).join("/");
  const lines = options.text?.split(/\r?\n/) ?? [];
  const rules: Array<Record<string, unknown>> = [];
  const ruleIndex = new Map<string, number>();
  for (const f of sorted) {
    if (ruleIndex.has(f.rule)) continue;
    ruleIndex.set(f.rule, rules.length);
    rules.push({
      id: f.rule,
      name: f.rule.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : "")),
      shortDescription: { text: ruleText(f) },
      defaultConfiguration: { level: LEVEL[f.severity] },
      ...(f.url ? { helpUri: f.url } : {}),
      properties: { tags: ["security", "supply-chain", f.kind], "security-severity": SECURITY_SEVERITY[f.severity] },
    });
  }
  const results = sorted.map((f) => {
    const line = lineOf(lines, f.package, f.version);
    return {
      ruleId: f.rule,
      ruleIndex: ruleIndex.get(f.rule) as number,
      level: LEVEL[f.severity],
      message: { text: f.package ? `${f.package} ${f.version}: ${f.message}` : f.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri, uriBaseId: "%SRCROOT%" },
            ...(line !== undefined ? { region: { startLine: line } } : {}),
          },
          ...(f.package ? { logicalLocations: [{ name: f.package, fullyQualifiedName: `${f.package}==${f.version}`, kind: "package" }] } : {}),
        },
      ],
      partialFingerprints: {
        "lock2nixFinding/v1": createHash("sha256").update(`${f.rule}\0${f.package}\0${f.version}`).digest("hex").slice(0, 32),
      },
      properties: { kind: f.kind, severity: f.severity, package: f.package, version: f.version },
    };
  });
  const log = {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: "lock2nix", version: VERSION, semanticVersion: VERSION, rules } },
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: skipped.map((s) => ({ level: "note", message: { text: `skipped ${s.check}: ${s.reason}` } })),
          },
        ],
        originalUriBaseIds: { "%SRCROOT%": { uri: pathToFileURL(`${root}${sep}`).href } },
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
