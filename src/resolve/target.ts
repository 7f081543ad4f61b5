import { parseSpecifierSet, specifiersContain, type Specifier } from "../pep/specifier.js";
import { parseVersion, type Version } from "../pep/version.js";
import { UsageError, LockError } from "../errors.js";
import type { Lock } from "../model.js";
import { markerEnvironmentFor, NIXPKGS_PYTHON_PATCH_RELEASES } from "../pep/markers.js";

export const NIX_SYSTEMS = ["x86_64-linux", "aarch64-linux", "x86_64-darwin", "aarch64-darwin"] as const;
export type NixSystem = (typeof NIX_SYSTEMS)[number];

/**
 * CPython minor versions nixpkgs ships as `python3XY`, newest first
 * (pkgs/development/interpreters/python/default.nix: python311 to python315; python310 was removed).
 */
export const NIXPKGS_PYTHONS = ["3.15", "3.14", "3.13", "3.12", "3.11"] as const;
/**
 * Series nixpkgs ships only as a pre-release (3.15.0b3): chosen when asked for, never by default.
 * `--python` may also name a series current nixpkgs dropped (3.10), for an older nixpkgs.
 */
export const NIXPKGS_PRERELEASE_PYTHONS: readonly string[] = ["3.15"];
const DEFAULT_CANDIDATES = NIXPKGS_PYTHONS.filter((p) => !NIXPKGS_PRERELEASE_PYTHONS.includes(p));

export interface Target {
  python: string;
  system: NixSystem;
}

export function isNixSystem(value: string): value is NixSystem {
  return (NIX_SYSTEMS as readonly string[]).includes(value);
}

export function isLinux(system: NixSystem): boolean {
  return system.endsWith("-linux");
}

/** The nixpkgs attribute of an interpreter: `3.12` -> `python312`. */
export function pythonAttr(python: string): string {
  return `python${python.replace(".", "")}`;
}

/** A requires-python alternative as packaging reads it; uv and PDM read a bare version (`3.13.*`) as `==`. */
function requiresPythonSpec(lock: Lock, text: string): Specifier[] {
  const trimmed = text.trim();
  const spelled = /^[0-9]/.test(trimmed) ? `==${trimmed}` : trimmed;
  const specs = parseSpecifierSet(spelled);
  if (!specs) throw new LockError(`the project's python constraint \`${text}\` is not a PEP 440 version specifier`, { file: lock.file });
  return specs;
}

/**
 * Whether the project allows CPython `python` (X.Y): strictly, when it admits the
 * patch release nixpkgs ships; loosely, when it admits some release of that
 * series up to it, as `==3.12` (PEP 751's own example) or Poetry's `python = "3.10.7"` do.
 */
function allowed(lock: Lock, python: string, loosely: boolean): boolean {
  const alternatives = lock.root.requiresPython;
  if (!alternatives || alternatives.length === 0) return true;
  const full = markerEnvironmentFor({ pythonVersion: python, system: "x86_64-linux" }).python_full_version;
  // A pre-release (3.15.0b3) counts as its release loosely; a series nixpkgs no longer ships
  // (so no patch level is known) loosely admits any release of it.
  const shipped = Object.hasOwn(NIXPKGS_PYTHON_PATCH_RELEASES, python);
  const patch = shipped ? Number.parseInt(full.split(".")[2] ?? "0", 10) : 99;
  const releases = loosely ? Array.from({ length: patch + 1 }, (_, i) => `${python}.${i}`) : [full];
  return alternatives.some((text) => {
    const specs = requiresPythonSpec(lock, text);
    return releases.some((release) => specifiersContain(specs, parseVersion(release) as Version, { prereleases: true }));
  });
}

/**
 * The interpreter to generate for: the one asked for, or the newest that
 * nixpkgs ships and the project's python constraint allows.
 */
export function choosePython(lock: Lock, requested?: string): string {
  if (requested !== undefined) {
    // nixpkgs ships one patch release per series: `3.12.0` asks for the 3.12 series.
    const series = /^3\.\d+\.\d+$/.test(requested) ? requested.split(".").slice(0, 2).join(".") : requested;
    if (!/^3\.\d+$/.test(series)) {
      throw new UsageError(`--python ${requested}: expected a CPython minor version such as 3.12`);
    }
    if (!allowed(lock, series, true)) {
      throw new LockError(
        `the project allows python ${lock.root.requiresPython?.join(" or ")}, which excludes --python ${requested}`,
        { file: lock.file },
      );
    }
    return series;
  }
  const found = DEFAULT_CANDIDATES.find((p) => allowed(lock, p, false)) ?? DEFAULT_CANDIDATES.find((p) => allowed(lock, p, true));
  if (!found) {
    throw new LockError(
      `the project allows python ${lock.root.requiresPython?.join(" or ")}, and nixpkgs ships none of ${DEFAULT_CANDIDATES.join(", ")} (${NIXPKGS_PRERELEASE_PYTHONS.join(", ")} only as a pre-release: pass --python to use it)`,
      { file: lock.file },
    );
  }
  return found;
}
