// Folds per-package warnings: a cold run of a large lock says the same thing of hundreds of packages,
// which buries the one warning that matters. One line per kind, with a count and the first names.

/** A warning about one package release: `name version: text` or `name version text`. */
const PER_PACKAGE = /^([A-Za-z0-9][A-Za-z0-9._-]*) (\d[^\s:]*)(:? )(.*)$/s;

/** Names shown on a folded line before "and N more". */
export const FOLD_SHOWN = 3;

/** The kind of a warning: its text without the package, and without a parenthesized cause that names it. */
function kindOf(text: string): string {
  return text.replace(/ \([^()]*\)(?=[;:])/g, "");
}

/**
 * The lines to print for `warnings`: each warning once, except that three or more of one kind about
 * different packages fold into `N packages: <kind>: a 1.0, b 2.0, c 3.0 and N-3 more (-v lists each)`.
 * `verbose` prints every warning as it is.
 */
export function foldWarnings(warnings: readonly string[], verbose = false): string[] {
  if (verbose) return [...warnings];
  // In first-seen order: a plain warning, or a kind with the packages and original texts it covers.
  const entries: Array<string | { kind: string; packages: string[]; texts: string[] }> = [];
  const kinds = new Map<string, { kind: string; packages: string[]; texts: string[] }>();
  for (const w of warnings) {
    const m = PER_PACKAGE.exec(w);
    if (!m) {
      entries.push(w);
      continue;
    }
    const [, name, version, , rest] = m as unknown as [string, string, string, string, string];
    const kind = kindOf(rest);
    let group = kinds.get(kind);
    if (!group) {
      group = { kind, packages: [], texts: [] };
      kinds.set(kind, group);
      entries.push(group);
    }
    group.packages.push(`${name} ${version}`);
    group.texts.push(w);
  }
  return entries.flatMap((e) => {
    if (typeof e === "string") return [e];
    if (e.packages.length < 3) return e.texts;
    const more = e.packages.length > FOLD_SHOWN ? ` and ${e.packages.length - FOLD_SHOWN} more` : "";
    return [`${e.packages.length} packages: ${e.kind}: ${e.packages.slice(0, FOLD_SHOWN).join(", ")}${more} (-v lists each)`];
  });
}
