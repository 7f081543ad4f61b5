// Where a finding's package is in the lock: SARIF's region and `audit --json`'s line. Found in the
// lock's text, in each format's spelling, so no reader has to carry positions.

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Lines after a `name = ` line that still belong to its entry, for finding its version. */
const ENTRY_LINES = 4;

/**
 * The line of the lock (1-based) that names `pkg`: the first whose entry
 * also gives `version` (a lock may list one name at several versions),
 * else the first that names it; undefined when none does.
 */
export function lineOf(lockText: string[], pkg: string, version?: string): number | undefined {
  if (!pkg) return undefined;
  const name = pkg.split("-").map(escapeRe).join("[-_.]+");
  const patterns = [
    new RegExp(`^\\s*name\\s*=\\s*["']${name}["']`, "i"),
    new RegExp(`^\\s*"${name}"\\s*:\\s*\\{`, "i"),
    new RegExp(`^\\s*(-e\\s+)?${name}\\s*(\\[[^\\]]*\\])?\\s*(==|===|@|;|$|\\s)`, "i"),
    new RegExp(`#egg=${name}\\b`, "i"),
  ];
  const pinned = version ? new RegExp(`(version\\s*=\\s*["']|"version"\\s*:\\s*"==|===?\\s*)${escapeRe(version)}(["'\\s;]|$)`) : undefined;
  for (const re of patterns) {
    let first: number | undefined;
    for (const [i, l] of lockText.entries()) {
      if (!re.test(l)) continue;
      first ??= i + 1;
      if (!pinned || lockText.slice(i, i + 1 + ENTRY_LINES).some((e) => pinned.test(e))) return i + 1;
    }
    if (first !== undefined) return first;
  }
  return undefined;
}
