import { satisfies } from "../pep/specifier.js";
import { UsageError, LockError } from "../errors.js";
import type { Lock } from "../model.js";
import { markerEnvironmentFor } from "../pep/markers.js";

export const NIX_SYSTEMS = ["x86_64-linux", "aarch64-linux", "x86_64-darwin", "aarch64-darwin"] as const;
export type NixSystem = (typeof NIX_SYSTEMS)[number];

/** CPython minor versions nixpkgs ships as `python3XY`, newest first. */
export const NIXPKGS_PYTHONS = ["3.14", "3.13", "3.12", "3.11", "3.10"] as const;

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

function allowed(lock: Lock, python: string): boolean {
  const alternatives = lock.root.requiresPython;
  if (!alternatives || alternatives.length === 0) return true;
  const full = markerEnvironmentFor({ pythonVersion: python, system: "x86_64-linux" }).python_full_version;
  return alternatives.some((spec) => satisfies(full, spec, { prereleases: true }));
}

/**
 * The interpreter to generate for: the one asked for, or the newest that
 * nixpkgs ships and the project's python constraint allows.
 */
export function choosePython(lock: Lock, requested?: string): string {
  if (requested !== undefined) {
    if (!/^3\.\d+$/.test(requested)) {
      throw new UsageError(`--python ${requested}: expected a CPython minor version such as 3.12`);
    }
    if (!allowed(lock, requested)) {
      throw new LockError(
        `the project allows python ${lock.root.requiresPython?.join(" or ")}, which excludes --python ${requested}`,
        { file: lock.file },
      );
    }
    return requested;
  }
  const found = NIXPKGS_PYTHONS.find((p) => allowed(lock, p));
  if (!found) {
    throw new LockError(
      `the project allows python ${lock.root.requiresPython?.join(" or ")}, and nixpkgs ships none of ${NIXPKGS_PYTHONS.join(", ")}; pass --python`,
      { file: lock.file },
    );
  }
  return found;
}
