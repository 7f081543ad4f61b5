/**
 * What `lock2nix audit` reports: findings, each about one package of the
 * lock, with a severity and a reason a person can act on.
 */

import { lineOf } from "./location.js";

export const SEVERITIES = ["info", "low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Severities `--fail-on` accepts: info never fails a run. */
export const FAIL_ON = ["low", "medium", "high", "critical"] as const;
export type FailOn = (typeof FAIL_ON)[number];

export type FindingKind = "unpinned" | "source" | "typosquat" | "vulnerability" | "malicious" | "provenance" | "build-risk";

/** The order kinds are shown in: what to fix first. */
export const KINDS: readonly FindingKind[] = ["malicious", "vulnerability", "provenance", "typosquat", "source", "unpinned", "build-risk"];

export interface Finding {
  kind: FindingKind;
  severity: Severity;
  /** Normalized package name; empty when the finding is about the lock as a whole. */
  package: string;
  version: string;
  message: string;
  /**
   * A stable rule id (`unpinned/no-sha256`, `vulnerability/GHSA-…`): SARIF's
   * ruleId, and what text output groups repeated findings by.
   */
  rule: string;
  /** Text output folds findings sharing a rule and this package-free summary into one line. */
  summary?: string;
  /** Where to read more (an advisory page). */
  url?: string;
  /** For vulnerability and malicious findings: the OSV advisory's id, its aliases, and the versions that fix it. */
  advisory?: { id: string; aliases: string[]; fixed: string[] };
}

/** A check that did not run, and why; reported on stderr and in SARIF notifications. */
export interface SkippedCheck {
  check: string;
  reason: string;
}

export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);

export const atLeast = (s: Severity, floor: Severity): boolean => severityRank(s) >= severityRank(floor);

export function isSeverity(value: string): value is Severity {
  return (SEVERITIES as readonly string[]).includes(value);
}

/** Most severe first, then by kind, package, version and message: output never depends on timing. */
export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind) ||
      a.package.localeCompare(b.package) ||
      a.version.localeCompare(b.version) ||
      a.message.localeCompare(b.message),
  );
}

/**
 * `{ schemaVersion, findings: [...] }` with the fields schema/audit-report.schema.json documents; each
 * finding names the lockfile and, where its text names the package, the line.
 */
export function findingsJson(findings: Finding[], lock?: { file: string; text?: string }): string {
  const lines = lock?.text?.split(/\r?\n/) ?? [];
  const out = sortFindings(findings).map(({ kind, severity, package: pkg, version, message, rule, advisory }) => {
    const line = lock ? lineOf(lines, pkg, version) : undefined;
    return {
      kind,
      severity,
      package: pkg,
      version,
      message,
      rule,
      ...(advisory ? { advisory } : {}),
      ...(lock ? { file: lock.file } : {}),
      ...(line !== undefined ? { line } : {}),
    };
  });
  // schemaVersion: see schema/audit-report.schema.json.
  return `${JSON.stringify({ schemaVersion: 1, findings: out }, null, 2)}\n`;
}

/** `3 findings: 1 high, 2 low` (info left out of the count's detail when there are others). */
export function countBySeverity(findings: Finding[]): string {
  if (findings.length === 0) return "no findings";
  const parts = [...SEVERITIES]
    .reverse()
    .map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  return `${findings.length} finding${findings.length === 1 ? "" : "s"}: ${parts.join(", ")}`;
}
