/**
 * The build-backend table shipped as data (data/build-systems.txt, written by
 * scripts/build-systems.mjs; data/SOURCE.md says where its facts come from):
 * per PyPI package, the nixpkgs python attributes its sdists build with, by
 * PEP 440 version range (`from` inclusive, `until` exclusive).
 *
 * Read once, on the first lookup; a package's ranges are parsed when it is
 * first asked about, so a warm run pays for one file read and one split.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compareVersions as compare, isValidVersion as valid } from "../pep/version.js";
import { packageRoot } from "../package-root.js";

interface Segment {
  from?: string;
  until?: string;
  requires: string[];
}

let lines: Map<string, string> | undefined;
const parsed = new Map<string, Segment[]>();

/** The table's file: data/build-systems.txt beside lock2nix's package.json. */
export function buildTableFile(): string {
  return join(packageRoot(), "data", "build-systems.txt");
}

function tableLines(): Map<string, string> {
  if (lines) return lines;
  lines = new Map();
  for (const line of readFileSync(buildTableFile(), "latin1").split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.indexOf(" ");
    lines.set(line.slice(0, space), line.slice(space + 1));
  }
  return lines;
}

/** `a,b` or `from..until=a,b ...` (either bound may be empty). */
export function parseSegments(text: string): Segment[] {
  return text.split(" ").map((spec) => {
    const eq = spec.indexOf("=");
    if (eq < 0) return { requires: spec.split(",") };
    const [from, until] = spec.slice(0, eq).split("..");
    return { ...(from ? { from } : {}), ...(until ? { until } : {}), requires: spec.slice(eq + 1).split(",") };
  });
}

/**
 * The build requirements (nixpkgs names, for mapBuildRequires) the table
 * gives for this release; undefined when it has no entry or no range holds
 * the version (or the version is not PEP 440).
 */
export function tableBuildRequires(name: string, version: string): string[] | undefined {
  let segments = parsed.get(name);
  if (!segments) {
    const text = tableLines().get(name);
    if (text === undefined) return undefined;
    parsed.set(name, (segments = parseSegments(text)));
  }
  const ranged = segments.some((s) => s.from !== undefined || s.until !== undefined);
  if (!ranged) return segments[0]?.requires;
  if (!valid(version)) return undefined;
  return segments.find((s) => (s.from === undefined || compare(version, s.from) >= 0) && (s.until === undefined || compare(version, s.until) < 0))?.requires;
}

/** Every package the table names (for tests and measurements). */
export function tablePackages(): string[] {
  return [...tableLines().keys()];
}
