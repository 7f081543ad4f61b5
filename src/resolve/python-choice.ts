/**
 * The interpreter a generation defaults to: the newest nixpkgs ships that the
 * project allows, unless some locked package has no file it can use there
 * (torch 2.1 has wheels up to cp311 and no sdist): then the newest older one
 * where every package has one, on every target system. Decided from the lock
 * alone, so `--check` reaches the same answer without the index.
 */
import type { Lock } from "../model.js";
import { resolveLock, type Resolution, type ResolveOptions } from "./index.js";
import { choosePython, NIXPKGS_PRERELEASE_PYTHONS, NIXPKGS_PYTHONS, type NixSystem } from "./target.js";

export interface PythonChoice {
  python: string;
  /** The resolution made for `python` while deciding, for the caller to reuse. */
  resolution?: Resolution;
  /** Newer interpreters passed over, each with a package that has no usable file there; empty when none was. */
  passedOver: Array<{ python: string; package: string; system: NixSystem }>;
}

/** The first package (by name) that has files in the lock but none usable for this interpreter on some system. */
function trial(lock: Lock, python: string, options: Omit<ResolveOptions, "python">): { missing?: { package: string; system: NixSystem }; resolution?: Resolution } {
  // Packages whose files only the index will name are not judged here.
  const judged = new Set(lock.packages.filter((p) => p.artifacts.length > 0 && p.artifacts.every((a) => a.filename !== "")).map((p) => p.name));
  let resolution;
  try {
    resolution = resolveLock(lock, { ...options, python });
  } catch {
    return {};
  }
  for (const [name, builds] of resolution.packages) {
    if (!judged.has(name)) continue;
    for (const [system, b] of builds) if (b.source.kind === "missing") return { missing: { package: name, system } };
  }
  return { resolution };
}

export function choosePythonFor(lock: Lock, options: Omit<ResolveOptions, "python"> = {}): PythonChoice {
  const newest = choosePython(lock);
  const first = trial(lock, newest, options);
  if (!first.missing) return { python: newest, passedOver: [], ...(first.resolution ? { resolution: first.resolution } : {}) };
  const passedOver = [{ python: newest, ...first.missing }];
  for (const python of NIXPKGS_PYTHONS.filter((p) => !NIXPKGS_PRERELEASE_PYTHONS.includes(p) && Number(p.split(".")[1]) < Number(newest.split(".")[1]))) {
    try {
      choosePython(lock, python);
    } catch {
      continue;
    }
    const { missing, resolution } = trial(lock, python, options);
    if (!missing) return { python, passedOver, ...(resolution ? { resolution } : {}) };
    passedOver.push({ python, ...missing });
  }
  // None has a file for everything: keep the newest; its derivations say which package lacks one.
  return { python: newest, passedOver: [] };
}

/** The header's line on why the interpreter was chosen, when newer ones were passed over. */
export function pythonChoiceNote(choice: PythonChoice): string | undefined {
  if (choice.passedOver.length === 0) return undefined;
  const why = choice.passedOver.map((p) => `${p.python} (${p.package} has no file for it on ${p.system})`).join(", ");
  return `python ${choice.python}: the newest nixpkgs ships that the project allows and every locked package has a file for; passed over ${why}`;
}
