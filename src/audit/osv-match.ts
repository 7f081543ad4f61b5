import { compareVersions, isValidVersion, versionsEqual } from "../pep/version.js";
import { isTable } from "../formats/fields.js";
import { normalizeName } from "../pep/normalize.js";
import type { Finding, Severity } from "./types.js";

/**
 * OSV advisories (https://ossf.github.io/osv-schema/): the fields the audit
 * reads, a checked parse, PEP 440 range matching, and how an advisory
 * becomes a finding.
 */

export interface OsvEvent {
  introduced?: string;
  fixed?: string;
  last_affected?: string;
  limit?: string;
}

export interface OsvAffected {
  package?: { ecosystem?: string; name?: string };
  ranges?: Array<{ type: string; events: OsvEvent[] }>;
  versions?: string[];
  ecosystem_specific?: Record<string, unknown>;
  database_specific?: Record<string, unknown>;
}

export interface OsvAdvisory {
  id: string;
  modified?: string;
  withdrawn?: string;
  aliases?: string[];
  summary?: string;
  details?: string;
  severity?: Array<{ type: string; score: string }>;
  affected?: OsvAffected[];
  database_specific?: Record<string, unknown>;
}

/** Checks the shape the audit relies on; `where` names the file or URL in the error. */
export function parseAdvisory(doc: unknown, where: string): OsvAdvisory {
  const bad = (what: string): never => {
    throw new Error(`${where}: not an OSV advisory: ${what}`);
  };
  if (!isTable(doc)) return bad("expected a JSON object");
  if (typeof doc["id"] !== "string") return bad("no string `id`");
  for (const key of ["affected", "aliases", "severity"]) {
    if (doc[key] !== undefined && !Array.isArray(doc[key])) bad(`\`${key}\` is not an array`);
  }
  for (const [i, a] of ((doc["affected"] as unknown[] | undefined) ?? []).entries()) {
    if (!isTable(a)) bad(`affected[${i}] is not an object`);
    const ranges = (a as Record<string, unknown>)["ranges"];
    if (ranges !== undefined && (!Array.isArray(ranges) || ranges.some((r) => !isTable(r) || !Array.isArray(r["events"]) || typeof r["type"] !== "string"))) {
      bad(`affected[${i}].ranges needs a \`type\` and an \`events\` array in each range`);
    }
  }
  return doc as unknown as OsvAdvisory;
}

const isPypi = (a: OsvAffected, name: string) =>
  a.package?.ecosystem === "PyPI" && typeof a.package.name === "string" && normalizeName(a.package.name) === name;

/** PEP 440 order, with OSV's `0` before every version; undefined when either side is not PEP 440. */
function cmp(a: string, b: string): number | undefined {
  if (a === "0" && b === "0") return 0;
  if (a === "0") return -1;
  if (b === "0") return 1;
  if (!isValidVersion(a) || !isValidVersion(b)) return undefined;
  return compareVersions(a, b);
}

const eventVersion = (e: OsvEvent) => e.introduced ?? e.fixed ?? e.last_affected ?? e.limit ?? "0";

/** The OSV spec's evaluation: walk the events in version order, switching in and out of the affected state. */
function inRange(version: string, events: OsvEvent[]): boolean {
  const sorted = [...events].sort((x, y) => cmp(eventVersion(x), eventVersion(y)) ?? 0);
  let affected = false;
  for (const e of sorted) {
    if (e.introduced !== undefined) {
      if ((cmp(version, e.introduced) ?? -1) >= 0) affected = true;
    } else if (e.fixed !== undefined) {
      if ((cmp(version, e.fixed) ?? -1) >= 0) affected = false;
    } else if (e.last_affected !== undefined) {
      if ((cmp(version, e.last_affected) ?? -1) > 0) affected = false;
    } else if (e.limit !== undefined) {
      if ((cmp(version, e.limit) ?? -1) >= 0) return false;
    }
  }
  return affected;
}

/** Whether `advisory` affects PyPI project `name` (normalized) at `version`. */
export function affects(advisory: OsvAdvisory, name: string, version: string): boolean {
  if (advisory.withdrawn) return false;
  return (advisory.affected ?? []).some((a) => {
    if (!isPypi(a, name)) return false;
    if ((a.versions ?? []).some((v) => v === version || versionsEqual(v, version))) return true;
    if (!isValidVersion(version)) return false;
    // GIT ranges speak of commits, not versions: only the explicit list above can match them.
    return (a.ranges ?? []).some((r) => (r.type === "ECOSYSTEM" || r.type === "SEMVER") && inRange(version, r.events));
  });
}

/** Versions that fix `advisory` for `name`, lowest first. */
export function fixedVersions(advisory: OsvAdvisory, name: string): string[] {
  const out = new Set<string>();
  for (const a of advisory.affected ?? []) {
    if (!isPypi(a, name)) continue;
    // GIT ranges' fixes are commits, which say nothing to someone choosing a version.
    for (const r of a.ranges ?? []) if (r.type !== "GIT") for (const e of r.events) if (e.fixed) out.add(e.fixed);
  }
  return [...out].sort((x, y) => cmp(x, y) ?? x.localeCompare(y));
}

const round1 = (x: number) => {
  // CVSS 3.1's Roundup, in integers so 4.000001 does not become 4.1.
  const i = Math.round(x * 100000);
  return i % 10000 === 0 ? i / 100000 : (Math.floor(i / 10000) + 1) / 10;
};

/** CVSS 3.x base score from its vector (`CVSS:3.1/AV:N/AC:L/...`); undefined when the vector is not one. */
export function cvss3Score(vector: string): number | undefined {
  const m = new Map(vector.split("/").slice(1).map((part) => part.split(":") as [string, string]));
  if (!/^CVSS:3\.[01]$/.test(vector.split("/")[0] ?? "")) return undefined;
  const scope = m.get("S");
  const pick = (key: string, table: Record<string, number>) => table[m.get(key) ?? ""];
  const av = pick("AV", { N: 0.85, A: 0.62, L: 0.55, P: 0.2 });
  const ac = pick("AC", { L: 0.77, H: 0.44 });
  const pr = pick("PR", scope === "C" ? { N: 0.85, L: 0.68, H: 0.5 } : { N: 0.85, L: 0.62, H: 0.27 });
  const ui = pick("UI", { N: 0.85, R: 0.62 });
  const cia = ["C", "I", "A"].map((k) => pick(k, { H: 0.56, L: 0.22, N: 0 }));
  if ([av, ac, pr, ui, ...cia].some((v) => v === undefined) || (scope !== "U" && scope !== "C")) return undefined;
  const [c, i, a] = cia as [number, number, number];
  const iss = 1 - (1 - c) * (1 - i) * (1 - a);
  const impact = scope === "U" ? 6.42 * iss : 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15;
  if (impact <= 0) return 0;
  const exploitability = 8.22 * (av as number) * (ac as number) * (pr as number) * (ui as number);
  return round1(Math.min(scope === "U" ? impact + exploitability : 1.08 * (impact + exploitability), 10));
}

const fromScore = (score: number): Severity => (score >= 9 ? "critical" : score >= 7 ? "high" : score >= 4 ? "medium" : "low");

function fromLabel(label: unknown): Severity | undefined {
  if (typeof label !== "string") return undefined;
  const l = label.toUpperCase();
  if (l === "CRITICAL") return "critical";
  if (l === "HIGH") return "high";
  if (l === "MODERATE" || l === "MEDIUM") return "medium";
  if (l === "LOW") return "low";
  return undefined;
}

/** The advisory's severity: a rating it states (GHSA's), else its CVSS 3 vector, else medium (unrated). */
export function advisorySeverity(advisory: OsvAdvisory, name: string): { severity: Severity; rated: boolean } {
  if (advisory.id.startsWith("MAL-")) return { severity: "critical", rated: true };
  const affected = (advisory.affected ?? []).filter((a) => isPypi(a, name));
  const label =
    fromLabel(advisory.database_specific?.["severity"]) ??
    affected.map((a) => fromLabel(a.ecosystem_specific?.["severity"]) ?? fromLabel(a.database_specific?.["severity"])).find((s) => s);
  if (label) return { severity: label, rated: true };
  const scores = (advisory.severity ?? []).flatMap((s) => (s.type === "CVSS_V3" ? [cvss3Score(s.score)] : [])).filter((s) => s !== undefined);
  if (scores.length > 0) return { severity: fromScore(Math.max(...scores)), rated: true };
  return { severity: "medium", rated: false };
}

/** A finding for `advisory` about the locked `name` `version`. */
export function advisoryFinding(advisory: OsvAdvisory, name: string, version: string): Finding {
  const malicious = advisory.id.startsWith("MAL-");
  const { severity, rated } = advisorySeverity(advisory, name);
  const cve = (advisory.aliases ?? []).filter((a) => a.startsWith("CVE-"));
  const title = `${advisory.id}${cve.length > 0 ? ` (${cve.join(", ")})` : ""}`;
  const what = (advisory.summary ?? advisory.details?.split("\n")[0] ?? "").trim() || "no summary given";
  const fixed = fixedVersions(advisory, name);
  const tail = malicious
    ? "remove it, and treat any machine that installed it as compromised"
    : fixed.length > 0
      ? `fixed in ${fixed.join(", ")}`
      : "no fixed version listed";
  return {
    kind: malicious ? "malicious" : "vulnerability",
    severity,
    package: name,
    version,
    rule: `${malicious ? "malicious" : "vulnerability"}/${advisory.id}`,
    url: `https://osv.dev/vulnerability/${encodeURIComponent(advisory.id)}`,
    message: `${title}: ${what}${rated ? "" : " (severity not rated)"}; ${tail}`,
    advisory: { id: advisory.id, aliases: [...(advisory.aliases ?? [])].sort(), fixed },
  };
}
