/**
 * Differential tests of requirements-file parsing: lock2nix's reader of
 * lines, options, continuations, comments and includes against pip's own
 * parse_requirements (Debian's python3-pip), on generated files (fixed seed)
 * and every requirements file in the shared corpus.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { readTree } from "../../src/formats/requirements/parser.js";
import { SHARED_SKIP_REASON, tempDir } from "../helpers.js";
import { corpusStrings } from "./corpus.js";
import { deliberate } from "./differences.js";
import { ask, ORACLE_VERSIONS, seeded, type Answer } from "./oracle.js";

const CI = process.env["CI"] === "true";
const ORACLE_SKIP = ORACLE_VERSIONS || CI ? undefined : "python3-packaging or python3-pip not found for /usr/bin/python3 (.ci/run installs them)";
const SHARED_SKIP = SHARED_SKIP_REASON;

/** What pip's ParsedRequirement says of each entry, sorted: the requirement text (blanks collapsed), -e, -c, hashes. */
function ours(path: string): unknown {
  const tree = readTree(
    {
      path,
      text: readFileSync(path, "utf8"),
      readSibling: (name) => (existsSync(join(dirname(path), name)) ? readFileSync(join(dirname(path), name), "utf8") : undefined),
      siblingPath: (name) => join(dirname(path), name),
    },
    {},
  );
  const entries = tree.entries.map((e) => ({
    requirement: (e.editable ? e.text.replace(/^(?:-e|--editable)(?:\s+|=)/, "") : e.text).split(/\s+/).filter(Boolean).join(" "),
    editable: e.editable,
    constraint: e.constraint,
    hashes: e.hashes.map((h) => `sha256:${h}`).sort(),
  }));
  return canonical(entries);
}

/** Entries as sorted texts with sorted keys: pip and lock2nix list includes in different orders. */
const canonical = (entries: unknown): string[] =>
  (entries as Array<Record<string, unknown>>).map((e) => JSON.stringify(e, Object.keys(e).sort())).sort();

function attempt(run: () => unknown): Answer & { message?: string } {
  try {
    return { ok: run() };
  } catch (e) {
    return { error: (e as Error).name, message: (e as Error).message };
  }
}

let documented = 0;

/** Files pip and lock2nix both read; only the verdicts and entries are compared. Returns the undocumented differences. */
function differ(files: string[]): unknown[] {
  const theirs = ask("requirements", files);
  const out: unknown[] = [];
  documented = 0;
  files.forEach((file, i) => {
    const mine = attempt(() => ours(file));
    const other = theirs[i] as Answer;
    const agree =
      "ok" in mine && "ok" in other
        ? JSON.stringify(mine.ok) === JSON.stringify(canonical(other.ok))
        : "error" in mine && "error" in other;
    if (!agree && deliberate("requirements", file, mine, other)) documented++;
    else if (!agree) out.push(JSON.stringify({ file, text: readFileSync(file, "utf8"), lock2nix: mine, pip: other }));
  });
  return out;
}

const H = (c: string) => c.repeat(64);

function generatedLine(r: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const name = pick(["six", "requests", "Django", "zope.interface", "typing_extensions"]);
  const extras = r() < 0.2 ? pick(["[socks]", "[a,b]", "[ security ]"]) : "";
  const spec = pick(["==1.0", " == 2.31.0", ">=1.0,<2", "", "~=1.4.2", "===1.0"]);
  const marker = r() < 0.3 ? pick(['; python_version < "3.12"', ' ; sys_platform == "linux"', ";os_name=='posix'"]) : "";
  const hashes = r() < 0.4 ? pick([` --hash=sha256:${H("a")}`, ` --hash sha256:${H("b")} --hash=sha256:${H("c")}`, ` \\\n    --hash=sha256:${H("d")}`]) : "";
  const comment = r() < 0.2 ? pick(["  # pinned", " #comment", "\t# x"]) : "";
  const kind = r();
  if (kind < 0.08) return `${pick(["https://example.org/pkgs/foo-1.0.tar.gz", "foo @ https://example.org/foo-1.0.tar.gz", "git+https://example.org/foo.git@v1#egg=foo"])}${marker ? ` ${marker}` : ""}${comment}`;
  if (kind < 0.13) return pick(["--index-url https://mirror.example/simple", "--extra-index-url=https://x.example/simple", "--pre", "--only-binary :all:", "--no-binary=six", "--require-hashes"]);
  if (kind < 0.16) return pick(["# a comment", "", "   ", "\\"]);
  if (kind < 0.2) return `-e ${pick(["./proj", "git+https://example.org/foo.git#egg=foo"])}`;
  return `${name}${extras}${spec}${marker}${hashes}${comment}`;
}

describe.skipIf(ORACLE_SKIP !== undefined)(`requirements files against pip's parser (${ORACLE_VERSIONS ?? "absent"})`, () => {
  it("reads generated requirements files as pip does", () => {
    const r = seeded(723);
    const dir = tempDir();
    writeFileSync(join(dir, "setup.py"), "");
    const files = Array.from({ length: 400 }, (_, i) => {
      const lines = Array.from({ length: 1 + Math.floor(r() * 12) }, () => generatedLine(r));
      const file = join(dir, `r${i}.txt`);
      writeFileSync(file, lines.join("\n").replaceAll("./proj", dir) + (r() < 0.8 ? "\n" : ""));
      return file;
    });
    expect(differ(files).slice(0, 5)).toEqual([]);
    // Only the URL lines written `url ;marker` differ, on purpose; the rest must be compared for real.
    expect(documented).toBeLessThan(files.length / 4);
  });

  it.skipIf(SHARED_SKIP !== undefined)("reads every requirements file in the shared corpus as pip does", () => {
    const files = SHARED_SKIP ? [] : corpusStrings().requirementFiles;
    expect(files.length).toBeGreaterThan(20);
    expect(differ(files)).toEqual([]);
  });
});
