/**
 * Which build system a source build names, and where that came from. In
 * order (README, "Build systems"): the user's --overrides, the override
 * library (both through the matched override), the sdist or local tree as
 * read, the previous output (same name, version and source hash), the
 * table in data/build-systems.txt, and last the fallback set.
 */
import { mapBuildRequires } from "../inspect/build-requires.js";
import { tableBuildRequires } from "../inspect/build-table.js";
import type { MatchedOverride, SdistFacts } from "../overrides/index.js";
import { previousKey, type PreviousLookup } from "./previous.js";

export type BuildSystemOrigin = "override" | "sdist" | "local" | "previous" | "table" | "fallback";

export interface BuildSystemChoice {
  /** Python package attribute names, sorted, unique. */
  attrs: string[];
  /** nixpkgs attribute paths of build hooks (maturin), for nativeBuildInputs. */
  hooks: string[];
  /** Skip pypa build's dependency check: a build requirement cannot be met as written. */
  relaxBuildPins: boolean;
  origin: BuildSystemOrigin;
}

/**
 * When nothing is known: the pure-Python backends and backend plugins nixpkgs
 * ships, so the common cases build whichever the sdist names (wheel comes
 * with nixpkgs' build hooks). Of the table's packages, 95.6 % name nothing
 * outside this set for their newest range, against 70 % for setuptools alone
 * (test/emit/build-system.test.ts measures it); most of the rest need Cython
 * and a C library, which no fallback can guess.
 */
export const FALLBACK_BUILD_SYSTEM: readonly string[] = [
  "flit-core",
  "hatch-fancy-pypi-readme",
  "hatch-vcs",
  "hatchling",
  "pbr",
  "pdm-backend",
  "poetry-core",
  "setuptools",
  "setuptools-scm",
  "uv-build",
];

/** The pseudo-requirement with which the table marks releases whose build requirements nixpkgs cannot meet as written. */
export const RELAX_PINS = "relax-pins";
/** The table's word for an sdist that builds itself (`requires = []`, as setuptools and poetry-core). */
export const NONE = "none";

export function chooseBuildSystem(
  name: string,
  version: string,
  /** The source's SRI hash, asked only when the previous output is consulted. */
  sourceHash: () => string | undefined,
  m: MatchedOverride | undefined,
  facts: SdistFacts | undefined,
  previous: PreviousLookup | undefined,
): BuildSystemChoice {
  const factsHooks = facts?.buildHooks ?? [];
  const relaxed = m?.relaxBuildPins === true;
  if (m?.buildSystem) {
    // The data may leave out what the sdist asks for (msgpack ships Cython's output): the check would fail on it.
    const leftOut = facts?.buildRequires?.some((attr) => !m.buildSystem?.includes(attr)) ?? false;
    return { attrs: [...m.buildSystem], hooks: [], relaxBuildPins: relaxed || leftOut || (facts?.relaxBuildPins ?? false), origin: "override" };
  }
  if (facts?.buildRequires) {
    return { attrs: facts.buildRequires, hooks: factsHooks, relaxBuildPins: relaxed || (facts.relaxBuildPins ?? false), origin: facts.from ?? "sdist" };
  }
  const before = previous?.get(previousKey(name, version, sourceHash()));
  if (before) return { attrs: before.buildSystem, hooks: before.buildHooks, relaxBuildPins: relaxed || before.relaxBuildPins, origin: "previous" };
  const table = tableBuildRequires(name, version);
  if (table) {
    const mapped = mapBuildRequires(table.filter((r) => r !== RELAX_PINS && r !== NONE));
    return { attrs: mapped.attrs, hooks: mapped.hooks, relaxBuildPins: relaxed || table.includes(RELAX_PINS), origin: "table" };
  }
  return { attrs: [...FALLBACK_BUILD_SYSTEM], hooks: [], relaxBuildPins: relaxed, origin: "fallback" };
}
