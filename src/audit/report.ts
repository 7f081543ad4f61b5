import { countBySeverity, KINDS, sortFindings, type Finding, type Severity, type SkippedCheck } from "./types.js";

/** The text report: findings grouped by kind, worst first; repeated findings folded into one line. */

export interface TextOptions {
  /** ANSI colours (stdout is a terminal and NO_COLOR is unset). */
  color?: boolean;
  /** Show info findings and every package of a folded line. */
  verbose?: boolean;
  /** The lock's path, for the heading. */
  file?: string;
}

const COLORS: Record<Severity, string> = { critical: "1;31", high: "31", medium: "33", low: "36", info: "2" };
/** Folded lines list this many packages unless --verbose. */
const FOLD_LIST = 8;
/** Findings sharing a rule and summary fold from this many on. */
const FOLD_AT = 4;

function paint(text: string, code: string, on: boolean): string {
  return on ? `\x1b[${code}m${text}\x1b[0m` : text;
}

const who = (f: Finding) => (f.package ? `${f.package}${f.version ? ` ${f.version}` : ""}` : "(the lock)");

export function renderText(all: Finding[], skipped: SkippedCheck[], options: TextOptions = {}): string {
  const color = options.color ?? false;
  const findings = options.verbose ? all : all.filter((f) => f.severity !== "info");
  const hidden = all.length - findings.length;
  const width = Math.max(...findings.map((f) => f.severity.length), 4);
  const sev = (s: Severity) => paint(s.padEnd(width), COLORS[s], color);
  const lines: string[] = [`${options.file ? `${options.file}: ` : ""}${countBySeverity(findings)}`];
  for (const kind of KINDS) {
    const group = sortFindings(findings.filter((f) => f.kind === kind));
    if (group.length === 0) continue;
    lines.push("", paint(`${kind} (${group.length})`, "1", color));
    const folds = new Map<string, Finding[]>();
    for (const f of group) {
      if (!f.summary) continue;
      const key = `${f.severity}\0${f.rule}\0${f.summary}`;
      folds.set(key, [...(folds.get(key) ?? []), f]);
    }
    const done = new Set<string>();
    for (const f of group) {
      const key = `${f.severity}\0${f.rule}\0${f.summary}`;
      const fold = f.summary ? folds.get(key) : undefined;
      if (fold && fold.length >= FOLD_AT) {
        if (done.has(key)) continue;
        done.add(key);
        const names = fold.map(who);
        const listed = options.verbose ? names : names.slice(0, FOLD_LIST);
        const more = names.length - listed.length;
        lines.push(`  ${sev(f.severity)}  ${fold.length} packages ${f.summary}:`);
        lines.push(`  ${" ".repeat(width)}  ${listed.join(", ")}${more > 0 ? `, and ${more} more (--verbose lists them)` : ""}`);
        continue;
      }
      lines.push(`  ${sev(f.severity)}  ${who(f)}: ${f.message}`);
    }
  }
  if (hidden > 0) lines.push("", `${hidden} info finding${hidden === 1 ? "" : "s"} not shown (--verbose shows them)`);
  for (const s of skipped) lines.push(`skipped ${s.check}: ${s.reason}`);
  return `${lines.join("\n")}\n`;
}
