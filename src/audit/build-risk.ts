import type { Lock, LockedPackage } from "../model.js";
import type { Finding } from "./types.js";

/**
 * Build-time risk: installing a wheel copies files, but building an sdist,
 * a git checkout or a source tree runs the project's own code (setup.py or
 * any PEP 517 backend) inside the build. The Nix sandbox keeps that code
 * off the network and out of $HOME; it still decides what lands in the
 * store path.
 */

/** Why the override library says a package needs the network to build, or undefined. */
export type NetworkAtBuild = (name: string, version: string) => string | undefined;

export interface BuildRiskOptions {
  /** As `generate --prefer-wheels`: a package with a wheel is not built from source. */
  preferWheels?: boolean;
  networkAtBuild?: NetworkAtBuild;
}

function packageFindings(pkg: LockedPackage, options: BuildRiskOptions): Finding[] {
  const base = { kind: "build-risk" as const, package: pkg.name, version: pkg.version };
  const out: Finding[] = [];
  const s = pkg.source;
  const named = pkg.artifacts.filter((a) => a.filename !== "");
  const wheels = named.filter((a) => a.filename.endsWith(".whl"));
  const sdists = named.filter((a) => !a.filename.endsWith(".whl"));
  const fromTree = s.kind === "git" || s.kind === "directory";
  const sdistOnly = sdists.length > 0 && pkg.only !== "wheel" && (wheels.length === 0 || pkg.only === "sdist");
  const sdistByDefault = sdists.length > 0 && pkg.only !== "wheel" && !sdistOnly && !options.preferWheels;
  if (fromTree || sdistOnly || sdistByDefault) {
    // The override library's verdict matters only where the package is built from source.
    const reason = options.networkAtBuild?.(pkg.name, pkg.version);
    if (reason !== undefined) {
      out.push({
        ...base,
        severity: "medium",
        rule: "build-risk/network-at-build",
        message: `its build downloads files, which the Nix sandbox forbids (the override library marks it network-at-build: ${reason})${wheels.length > 0 ? "; --prefer-wheels uses a wheel instead" : ""}`,
      });
    }
  }
  if (fromTree) {
    const what = s.kind === "git" ? "a git checkout" : "a local source tree";
    out.push({
      ...base,
      severity: "low",
      rule: "build-risk/source-build",
      summary: `built from ${what}: its build backend runs code at build time`,
      message: `built from ${what}: its build backend (setup.py or a PEP 517 backend) runs code at build time`,
    });
  } else if (sdistOnly) {
    out.push({
      ...base,
      severity: "low",
      rule: "build-risk/sdist-only",
      summary: "only an sdist: its build backend runs code at build time",
      message: `only an sdist (${sdists[0]?.filename}): its build backend (setup.py or a PEP 517 backend) runs code at build time`,
    });
  } else if (sdistByDefault) {
    out.push({
      ...base,
      severity: "info",
      rule: "build-risk/sdist",
      summary: "built from its sdist by default (its build backend runs code); --prefer-wheels uses a wheel",
      message: `built from its sdist by default, so its build backend runs code at build time; --prefer-wheels uses one of its ${wheels.length} wheel(s) instead`,
    });
  }
  return out;
}

export function checkBuildRisk(lock: Lock, options: BuildRiskOptions = {}): Finding[] {
  return lock.packages.flatMap((p) => packageFindings(p, options));
}
