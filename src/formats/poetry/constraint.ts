import { satisfies } from "../../pep/specifier.js";
import { ParseError } from "../../errors.js";

/**
 * Poetry's version constraints are not PEP 440: they add `^` and `~`
 * (caret and tilde, as in npm), space-separated AND and `||` OR. We turn
 * them into PEP 440 clauses: an array of alternatives, each a list of
 * `op version` parts that must all hold.
 */
export type Clause = Array<{ op: string; version: string }>;

const PART = /^(\^|~=|~|===|==|!=|<=|>=|<|>|=)?\s*([0-9][0-9A-Za-z.*+!_-]*)$/;

function release(version: string): number[] {
  return version.split(".").map((p) => Number.parseInt(p, 10));
}

function expand(op: string, version: string): Clause {
  if (op === "^") {
    const r = release(version);
    // ^1.2.3 := >=1.2.3,<2.0.0; ^0.2.3 := <0.3.0; ^0.0.3 := <0.0.4 (first non-zero part bumps).
    let i = r.findIndex((n) => n !== 0);
    if (i === -1) i = r.length - 1;
    const upper = r.slice(0, i + 1);
    upper[i] = (upper[i] ?? 0) + 1;
    return [
      { op: ">=", version },
      { op: "<", version: upper.join(".") },
    ];
  }
  if (op === "~") {
    const r = release(version);
    // ~1.2.3 := >=1.2.3,<1.3; ~1 := >=1,<2.
    const upper = r.length === 1 ? [(r[0] ?? 0) + 1] : [r[0] ?? 0, (r[1] ?? 0) + 1];
    return [
      { op: ">=", version },
      { op: "<", version: upper.join(".") },
    ];
  }
  // poetry-core reads a lone `=` as `==`.
  return [{ op: op === "" || op === "=" ? "==" : op, version }];
}

/** Parses a Poetry constraint such as `^3.8`, `>=2.7, !=3.0.*` or `>=3.6 || <3`. */
export function parsePoetryConstraint(text: string, where: string): Clause[] {
  const trimmed = text.trim();
  if (trimmed === "" || trimmed === "*") return [[]];
  return trimmed.split(/\s*\|\|?\s*/).map((alt) => {
    if (alt === "*") return [];
    // `>= 3.8` is written with a space after the operator in older locks.
    const glued = alt.replace(/(\^|~=|~|===|==|!=|<=|>=|<|>|=)\s+/g, "$1");
    const parts = glued.split(/\s*,\s*|\s+(?=[<>=!~^0-9])/).filter((p) => p !== "");
    return parts.flatMap((part) => {
      const m = PART.exec(part.replace(/\s+/g, ""));
      if (!m) {
        throw new ParseError(`${where}: \`${text}\` is not a version constraint Poetry accepts (at \`${part}\`)`);
      }
      return expand(m[1] ?? "", m[2] as string);
    });
  });
}

/** PEP 440 specifier text of one clause, e.g. `>=3.8,<4`. */
export function clauseToSpecifier(clause: Clause): string {
  return clause.map((p) => `${p.op}${p.version}`).join(",");
}

/** True when `version` satisfies any alternative of the constraint. */
export function constraintAllows(clauses: Clause[], version: string): boolean {
  return clauses.some((c) => c.length === 0 || satisfies(version, clauseToSpecifier(c), { prereleases: true }));
}

/** A PEP 508 marker for a Poetry `python = "…"` constraint on a dependency. */
export function pythonConstraintToMarker(clauses: Clause[]): string | undefined {
  if (clauses.some((c) => c.length === 0)) return undefined;
  const alts = clauses.map((clause) =>
    clause
      .map(({ op, version }) => {
        // python_version holds X.Y; longer versions compare against python_full_version.
        const variable = version.replace(/\.\*$/, "").split(".").length > 2 ? "python_full_version" : "python_version";
        return `${variable} ${op} "${version}"`;
      })
      .join(" and "),
  );
  if (alts.length === 1) return alts[0];
  return alts.map((a) => (a.includes(" and ") ? `(${a})` : a)).join(" or ");
}
