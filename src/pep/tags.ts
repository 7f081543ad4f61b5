/**
 * PEP 427 wheel file names, sdist file names, and PEP 425 tag compatibility
 * of wheels with the Python interpreters nixpkgs builds.
 *
 * The ranking follows the order of pypa/packaging's `sys_tags()` for CPython,
 * so lock2nix picks the wheel pip or uv would pick on that system.
 */
import { isValidVersion } from "./version.js";
import { Lock2nixError, ParseError } from "../errors.js";
import { normalizeName } from "./normalize.js";

export interface WheelFilename {
  /** PEP 503-normalized project name. */
  name: string;
  version: string;
  build?: string;
  pythonTags: string[];
  abiTags: string[];
  platformTags: string[];
}

export type NixSystem = "x86_64-linux" | "aarch64-linux" | "x86_64-darwin" | "aarch64-darwin";

export interface WheelTarget {
  /** `major.minor` of the interpreter, e.g. "3.12". */
  pythonVersion: string;
  system: NixSystem;
  /** Linux only; defaults to DEFAULT_GLIBC. */
  glibc?: string;
  /** Darwin only; defaults to DEFAULT_MACOS[system]. */
  macosVersion?: string;
}

/**
 * glibc of nixpkgs' Linux stdenv: 2.40 in 24.11 (NixOS/nixpkgs#342073), 25.05
 * and 25.11 (issue #431745 asks 2.40-66 -> 2.42); 2.42 only landed for 26.05
 * (#379542, Jan 2026). The older value is the safe one: a manylinux wheel
 * built for 2.40 loads on 2.42, not the reverse.
 */
export const DEFAULT_GLIBC = "2.40";

/**
 * `darwinMinVersion` (the deployment target) of nixpkgs: 14.0 on both
 * architectures since 25.11 (lib/systems/default.nix; rl-2511 "requires macOS
 * Sonoma 14.0 or newer"); 25.05 had 11.3.
 */
export const DEFAULT_MACOS: Record<"x86_64-darwin" | "aarch64-darwin", string> = {
  "x86_64-darwin": "14.0",
  "aarch64-darwin": "14.0",
};

// ---------------------------------------------------------------- file names

/** PEP 427: the escaped name is letters, digits, `_` and `.`. */
const WHEEL_NAME = /^[A-Za-z0-9._]+$/;
/** PEP 425 interpreter tags are identifiers (packaging checks isidentifier()). */
const INTERPRETER_TAG = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TAG_PART = /^[A-Za-z0-9_]+$/;

const WHEEL_SHAPE =
  "<name>-<version>[-<build>]-<python tag>-<abi tag>-<platform tag>.whl";

function wheelError(filename: string, problem: string): ParseError {
  return new ParseError(`invalid wheel file name "${filename}": ${problem}`);
}

function splitTagSet(filename: string, field: string, value: string, part: RegExp): string[] {
  // PEP 425 compressed tag sets: `py2.py3`, `manylinux1_x86_64.manylinux_2_5_x86_64`.
  const tags = value.split(".");
  for (const tag of tags) {
    if (!part.test(tag)) {
      throw wheelError(filename, `bad ${field} tag "${tag}" in "${value}", expected ${WHEEL_SHAPE}`);
    }
  }
  return tags.map((t) => t.toLowerCase());
}

const parsedWheels = new Map<string, WheelFilename>();

/** Parses a wheel file name (memoised: resolving a lock for four systems asks for each name four times). */
export function parseWheelFilename(filename: string): WheelFilename {
  let parsed = parsedWheels.get(filename);
  if (!parsed) {
    parsed = parseWheelFilenameUncached(filename);
    parsedWheels.set(filename, parsed);
  }
  return parsed;
}

function parseWheelFilenameUncached(filename: string): WheelFilename {
  if (!filename.endsWith(".whl")) {
    throw wheelError(filename, `expected a name ending in ".whl" (${WHEEL_SHAPE})`);
  }
  const parts = filename.slice(0, -".whl".length).split("-");
  if (parts.length !== 5 && parts.length !== 6) {
    throw wheelError(filename, `expected 5 or 6 dash-separated fields, ${WHEEL_SHAPE}`);
  }
  const [rawName, version] = parts as [string, string];
  if (!WHEEL_NAME.test(rawName) || rawName.includes("__")) {
    throw wheelError(filename, `bad project name "${rawName}", expected letters, digits, "_" and "."`);
  }
  if (!isValidVersion(version)) {
    throw wheelError(filename, `version "${version}" is not a PEP 440 version`);
  }
  let build: string | undefined;
  if (parts.length === 6) {
    build = parts[2]!;
    // PEP 427: the build tag must start with a digit.
    if (!/^\d[A-Za-z0-9_.]*$/.test(build)) {
      throw wheelError(filename, `build tag "${build}" must start with a digit`);
    }
  }
  const [py, abi, plat] = parts.slice(-3) as [string, string, string];
  const result: WheelFilename = {
    name: normalizeName(rawName),
    version,
    pythonTags: splitTagSet(filename, "python", py, INTERPRETER_TAG),
    abiTags: splitTagSet(filename, "abi", abi, TAG_PART),
    platformTags: splitTagSet(filename, "platform", plat, TAG_PART),
  };
  if (build !== undefined) result.build = build;
  return result;
}

export type SdistExtension = ".tar.gz" | ".zip" | ".tar.bz2" | ".tgz" | ".tar.xz" | ".tar";

const SDIST_EXTENSIONS: readonly SdistExtension[] = [".tar.bz2", ".tar.gz", ".tar.xz", ".tgz", ".zip", ".tar"];

/**
 * Name and version of an sdist, or undefined when the name does not look like
 * one. Legacy sdists have unescaped dashes in the name, so, like pip's guess,
 * the version starts after the last dash followed by a digit.
 */
export function parseSdistFilename(
  filename: string,
): { name: string; version: string; extension: SdistExtension } | undefined {
  const lower = filename.toLowerCase();
  const extension = SDIST_EXTENSIONS.find((ext) => lower.endsWith(ext));
  if (!extension) return undefined;
  const stem = filename.slice(0, -extension.length);
  for (let i = stem.length - 2; i > 0; i--) {
    if (stem[i] === "-" && /[0-9]/.test(stem[i + 1]!)) {
      return { name: normalizeName(stem.slice(0, i)), version: stem.slice(i + 1), extension };
    }
  }
  return undefined;
}

export function isBinaryWheel(wheel: WheelFilename): boolean {
  return wheel.platformTags.some((p) => p !== "any");
}

export function isPlatformIndependent(wheel: WheelFilename): boolean {
  return wheel.platformTags.every((p) => p === "any");
}

// ------------------------------------------------------------ compatibility

function parseMajorMinor(what: string, value: string, minParts: 1 | 2): [number, number] {
  const m = /^(\d+)(?:\.(\d+))?(?:\.\d+)*$/.exec(value.trim());
  if (!m || (minParts === 2 && m[2] === undefined)) {
    throw new Lock2nixError(`invalid ${what} "${value}": expected a version like "${minParts === 2 ? "3.12" : "14.0"}"`);
  }
  return [Number(m[1]), Number(m[2] ?? 0)];
}

/** PEP 600 manylinux tags, newest glibc first, with the PEP 513/571/599 aliases. */
function linuxPlatforms(arch: "x86_64" | "aarch64", glibc: string): string[] {
  const [major, minor] = parseMajorMinor("glibc version", glibc, 2);
  if (major !== 2) throw new Lock2nixError(`unsupported glibc version "${glibc}": expected 2.x`);
  // The oldest manylinux baseline: CentOS 5 (2.5) on x86, CentOS 7 (2.17) elsewhere.
  const oldest = arch === "x86_64" ? 5 : 17;
  const legacy: Record<number, string> = { 17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1" };
  const out: string[] = [];
  for (let m = minor; m >= oldest; m--) {
    out.push(`manylinux_2_${m}_${arch}`);
    const alias = legacy[m];
    if (alias) out.push(`${alias}_${arch}`);
  }
  // `linux_<arch>` is left out: such wheels are built for one distribution's libraries.
  return out;
}

/** Binary formats a macOS version accepts for an arch, in packaging's order. */
function macFormats(arch: "x86_64" | "arm64", major: number, minor: number): string[] {
  if (arch === "arm64") return ["arm64", "universal2"];
  if (major === 10 && minor < 4) return [];
  return ["x86_64", "intel", "fat64", "fat32", "universal2", "universal"];
}

/**
 * macOS tags newest first. Before 11 the minor number is the release; from 11
 * on the major is, and packaging only generates `<major>_0` tags for it.
 */
function macPlatforms(arch: "x86_64" | "arm64", version: string): string[] {
  const [major, minor] = parseMajorMinor("macOS version", version, 1);
  const out: string[] = [];
  const push = (maj: number, min: number, formats: string[]) => {
    for (const f of formats) out.push(`macosx_${maj}_${min}_${f}`);
  };
  if (major === 10) {
    for (let m = minor; m >= 0; m--) push(10, m, macFormats(arch, 10, m));
  } else if (major >= 11) {
    for (let maj = major; maj >= 11; maj--) push(maj, 0, macFormats(arch, maj, 0));
    // Pre-11 wheels run on 11+: all x86_64 ones, and the x86_64 half of universal2 on arm64.
    for (let m = 16; m >= 4; m--) push(10, m, arch === "x86_64" ? macFormats(arch, 10, m) : ["universal2"]);
  }
  return out;
}

interface Ranker {
  /** `interp-abi` of the platform-specific groups → position, best first. */
  platformCombos: Map<string, number>;
  /** `interp-abi` of the `-any` groups → position, best first. */
  anyCombos: Map<string, number>;
  platforms: Map<string, number>;
}

function buildRanker(target: WheelTarget): Ranker {
  const [major, minor] = parseMajorMinor("Python version", target.pythonVersion, 2);
  let platforms: string[];
  switch (target.system) {
    case "x86_64-linux":
    case "aarch64-linux":
      platforms = linuxPlatforms(target.system === "x86_64-linux" ? "x86_64" : "aarch64", target.glibc ?? DEFAULT_GLIBC);
      break;
    case "x86_64-darwin":
    case "aarch64-darwin":
      platforms = macPlatforms(
        target.system === "x86_64-darwin" ? "x86_64" : "arm64",
        target.macosVersion ?? DEFAULT_MACOS[target.system],
      );
      break;
    default:
      throw new Lock2nixError(`unsupported Nix system "${String((target as WheelTarget).system)}"`);
  }

  const cp = `cp${major}${minor}`;
  // Before 3.8 CPython's ABI tag carried the pymalloc "m" flag.
  const abi = major === 3 && minor < 8 ? `${cp}m` : cp;
  const withPlatform: string[] = [`${cp}-${abi}`];
  const stableAbi = major === 3 && minor >= 2; // PEP 384 arrived in 3.2
  if (stableAbi) withPlatform.push(`${cp}-abi3`);
  withPlatform.push(`${cp}-none`);
  if (stableAbi) for (let m = minor - 1; m >= 2; m--) withPlatform.push(`cp${major}${m}-abi3`);
  // packaging's _py_interpreter_range: pyXY, pyX, then older pyXM.
  const pyRange = [`py${major}${minor}`, `py${major}`];
  for (let m = minor - 1; m >= 0; m--) pyRange.push(`py${major}${m}`);
  for (const py of pyRange) withPlatform.push(`${py}-none`);
  const anyCombos = [`${cp}-none`, ...pyRange.map((py) => `${py}-none`)];

  const index = (list: string[]) => {
    const map = new Map<string, number>();
    list.forEach((key, i) => {
      if (!map.has(key)) map.set(key, i);
    });
    return map;
  };
  return { platformCombos: index(withPlatform), anyCombos: index(anyCombos), platforms: index(platforms) };
}

const rankers = new Map<string, Ranker>();

function rankerFor(target: WheelTarget): Ranker {
  const key = [target.pythonVersion, target.system, target.glibc ?? "", target.macosVersion ?? ""].join("|");
  let ranker = rankers.get(key);
  if (!ranker) {
    ranker = buildRanker(target);
    rankers.set(key, ranker);
  }
  return ranker;
}

/**
 * How well a wheel fits a target: undefined when it cannot be installed there,
 * otherwise higher is better. Ranks compare only between wheels for one target.
 * The order is packaging's: interpreter/ABI first, then platform (newest first).
 */
export function wheelTagRank(wheel: WheelFilename, target: WheelTarget): number | undefined {
  const { platformCombos, anyCombos, platforms } = rankerFor(target);
  const P = platforms.size;
  const C = platformCombos.size;
  const A = anyCombos.size;
  let best: number | undefined;
  for (const interp of wheel.pythonTags) {
    for (const abi of wheel.abiTags) {
      const combo = `${interp}-${abi}`;
      for (const plat of wheel.platformTags) {
        let rank: number | undefined;
        if (plat === "any") {
          const c = anyCombos.get(combo);
          if (c !== undefined) rank = A - c;
        } else {
          const c = platformCombos.get(combo);
          const p = platforms.get(plat);
          // Every platform-specific tag outranks every `-any` one.
          if (c !== undefined && p !== undefined) rank = A + (C - 1 - c) * P + (P - p);
        }
        if (rank !== undefined && (best === undefined || rank > best)) best = rank;
      }
    }
  }
  return best;
}

/** PEP 427: a build tag sorts by its leading number, then by the rest as a string. */
function compareBuild(a: string | undefined, b: string | undefined): number {
  const split = (s: string | undefined): [number, string] => {
    if (s === undefined) return [-1, ""];
    const m = /^(\d+)(.*)$/.exec(s);
    return m ? [Number(m[1]), m[2]!] : [-1, s];
  };
  const [na, ra] = split(a);
  const [nb, rb] = split(b);
  if (na !== nb) return na - nb;
  return ra < rb ? -1 : ra > rb ? 1 : 0;
}

/**
 * The compatible wheel with the highest rank; among equals, the higher build
 * tag (as pip does), then the smallest file name, so the choice is stable.
 * Artifacts that are not wheels, or not valid wheel names, are skipped.
 */
export function bestWheel<T extends { filename: string }>(artifacts: T[], target: WheelTarget): T | undefined {
  let best: { artifact: T; rank: number; build: string | undefined } | undefined;
  for (const artifact of artifacts) {
    if (!artifact.filename.endsWith(".whl")) continue;
    let wheel: WheelFilename;
    try {
      wheel = parseWheelFilename(artifact.filename);
    } catch (err) {
      if (err instanceof ParseError) continue;
      throw err;
    }
    const rank = wheelTagRank(wheel, target);
    if (rank === undefined) continue;
    if (best === undefined || rank > best.rank) {
      best = { artifact, rank, build: wheel.build };
      continue;
    }
    if (rank < best.rank) continue;
    const byBuild = compareBuild(wheel.build, best.build);
    if (byBuild > 0 || (byBuild === 0 && artifact.filename < best.artifact.filename)) {
      best = { artifact, rank, build: wheel.build };
    }
  }
  return best?.artifact;
}
