import type { Artifact, LockedPackage } from "../model.js";
import { isPypiIndex, predictPypiUrl } from "../index/pypi-urls.js";
import { bestWheel, isBinaryWheel, parseSdistFilename, parseWheelFilename } from "../pep/tags.js";
import type { Target } from "./target.js";

export type ArtifactKind = "sdist" | "wheel";

export interface ChosenArtifact {
  kind: ArtifactKind;
  filename: string;
  sha256: string;
  url: string;
  /** A wheel with compiled code: Linux builds add autoPatchelfHook. */
  binary: boolean;
  /** The URL was predicted for PyPI although the lock names another index. */
  urlGuessed: boolean;
}

/** Why no artifact fits a target, for the error the Nix output throws there. */
export interface NoArtifact {
  reason: string;
}

const SDIST_PREFERENCE = [".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar.xz", ".tar"];

const sdistsOf = new WeakMap<LockedPackage, Artifact[]>();

/** A package's sdists, best first; the same for every target, so worked out once. */
function sdists(pkg: LockedPackage): Artifact[] {
  let found = sdistsOf.get(pkg);
  if (!found) sdistsOf.set(pkg, (found = findSdists(pkg)));
  return found;
}

function findSdists(pkg: LockedPackage): Artifact[] {
  // A direct URL may name its archive freely; an index file must look like `<name>-<version>.<ext>`.
  const isSdist = (a: Artifact) =>
    pkg.source.kind === "url" ? !a.filename.endsWith(".whl") : parseSdistFilename(a.filename) !== undefined;
  return pkg.artifacts
    .filter(isSdist)
    .sort(
      (a, b) =>
        SDIST_PREFERENCE.findIndex((ext) => a.filename.endsWith(ext)) -
          SDIST_PREFERENCE.findIndex((ext) => b.filename.endsWith(ext)) || a.filename.localeCompare(b.filename),
    );
}

function wheels(artifacts: Artifact[]): Artifact[] {
  return artifacts.filter((a) => a.filename.endsWith(".whl"));
}

function urlFor(pkg: LockedPackage, artifact: Artifact): { url: string; guessed: boolean } | undefined {
  if (artifact.url) return { url: artifact.url, guessed: false };
  if (pkg.source.kind === "url") return { url: pkg.source.url, guessed: false };
  if (pkg.source.kind === "urls") return undefined;
  if (pkg.source.kind !== "index") return undefined;
  return { url: predictPypiUrl(artifact.filename), guessed: !isPypiIndex(pkg.source.url) };
}

/**
 * Picks the file to build `pkg` from on `target`: the sdist unless wheels
 * are preferred, the best compatible wheel otherwise, each falling back
 * to the other; a package with only wheels uses them.
 */
export function chooseArtifact(
  pkg: LockedPackage,
  target: Target,
  preferWheels: boolean,
): ChosenArtifact | NoArtifact {
  const sdist = pkg.only === "wheel" ? undefined : sdists(pkg)[0];
  // Building from the sdist is the same choice on every target: made once.
  if (sdist && !preferWheels) {
    let chosen = sdistChoice.get(pkg);
    if (!chosen) sdistChoice.set(pkg, (chosen = choose(pkg, target, preferWheels, sdist)));
    return chosen;
  }
  return choose(pkg, target, preferWheels, sdist);
}

const sdistChoice = new WeakMap<LockedPackage, ChosenArtifact | NoArtifact>();

function choose(pkg: LockedPackage, target: Target, preferWheels: boolean, sdist: Artifact | undefined): ChosenArtifact | NoArtifact {
  const wheelTarget = { pythonVersion: target.python, system: target.system };
  // Ranking wheels is the costly part: skip it when an sdist is preferred and there is one.
  const wheel = pkg.only === "sdist" || (!preferWheels && sdist) ? undefined : bestWheel(wheels(pkg.artifacts), wheelTarget);
  const pick = preferWheels ? (wheel ?? sdist) : (sdist ?? wheel);
  if (!pick) {
    const names = pkg.artifacts.map((a) => a.filename).join(", ");
    const only = pkg.only ? ` that the lock allows (only ${pkg.only === "wheel" ? "wheels: --only-binary" : "sdists: --no-binary"})` : "";
    return {
      reason: `${pkg.name} ${pkg.version} has no sdist and no wheel${only} for python ${target.python} on ${target.system} (files: ${names})`,
    };
  }
  const where = urlFor(pkg, pick);
  if (!where) return { reason: `${pkg.name} ${pkg.version}: no URL known for ${pick.filename}` };
  const kind: ArtifactKind = pick === wheel ? "wheel" : "sdist";
  return {
    kind,
    filename: pick.filename,
    // Empty until the index or a download supplies it (see locate.ts).
    sha256: pick.sha256 ?? "",
    url: where.url,
    binary: kind === "wheel" && isBinaryWheel(parseWheelFilename(pick.filename)),
    urlGuessed: where.guessed,
  };
}
