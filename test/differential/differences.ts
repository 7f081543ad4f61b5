/**
 * The deliberate differences from Debian's python3-packaging / pip: the only
 * disagreements the differential tests allow. Each says why lock2nix differs.
 * See test/differential/README.md.
 */
import type { Answer } from "./oracle.js";

export interface Difference {
  kind: string;
  reason: string;
  /** Whether a disagreement on `input` (lock2nix said `ours`, the oracle `theirs`) is this one. */
  covers: (input: unknown, ours: Answer, theirs: Answer) => boolean;
}

const errorOf = (a: Answer) => ("error" in a ? a.error : undefined);

export const DIFFERENCES: readonly Difference[] = [
  {
    kind: "marker",
    reason:
      "packaging raises InvalidVersion when a version specifier meets a value that is not a version (an empty platform_version); " +
      "lock2nix compares the strings instead, so one odd marker does not stop the whole lock",
    covers: (_input, ours, theirs) => errorOf(theirs) === "InvalidVersion" && "ok" in ours,
  },
  {
    kind: "marker",
    reason:
      "packaging evaluates quoted strings with Python's literal_eval, so backslash escapes work; PEP 508 strings have no escapes, " +
      "and lock2nix refuses a backslash rather than guess at it",
    covers: (input, ours) => errorOf(ours) !== undefined && typeof input === "object" && JSON.stringify(input).includes("\\\\"),
  },
  {
    kind: "contains",
    reason:
      "packaging raises InvalidVersion deciding whether `===<not a version>` admits pre-releases (it parses the text as a version); " +
      "lock2nix answers that such a clause names no pre-release",
    covers: (input, _ours, theirs) =>
      errorOf(theirs) === "InvalidVersion" && typeof input === "object" && String((input as { spec?: string }).spec).includes("==="),
  },
  {
    kind: "requirements",
    reason:
      "pip's line parser takes a URL holding a blank (`https://x/a b.tar.gz`, or `url ;marker` without the `; ` pip splits markers at) " +
      "and the install fails at download; lock2nix refuses the line when reading it",
    covers: (_input, ours) => "message" in ours && String((ours as { message?: string }).message).includes("a URL cannot hold blanks"),
  },
  {
    kind: "requirements",
    reason: "pip 23.0 drops a `--hash` on an `-e` line unchecked (later pip refuses it); lock2nix refuses a hash nothing would check",
    covers: (_input, ours) => "message" in ours && String((ours as { message?: string }).message).includes("`--hash` is not allowed on an `-e` line"),
  },
  {
    kind: "tags",
    reason:
      "packaging accepts `linux_<arch>` wheels on Linux; lock2nix does not, as they are built against one distribution's libraries, " +
      "which Nix's sandbox does not have",
    covers: (input) => {
      const { wheel, release } = input as { wheel?: string; release?: string[] };
      return [wheel ?? "", ...(release ?? [])].some((w) => /-linux_(x86_64|aarch64)\.whl$/.test(w));
    },
  },
];

export function deliberate(kind: string, input: unknown, ours: Answer, theirs: Answer): Difference | undefined {
  return DIFFERENCES.find((d) => d.kind === kind && d.covers(input, ours, theirs));
}
