import { basename, relative } from "node:path";
import type { Lock } from "../model.js";
import type { BuildSource, PackageBuild, Resolution } from "../resolve/index.js";
import { isLinux, pythonAttr, type NixSystem } from "../resolve/target.js";
import { template } from "../templates.js";
import { VERSION } from "../version.js";
import { apply, attrs, bool, concatLists, list, raw, render, select, str, type NixExpr } from "./nix.js";


/** Until the override library decides per package, an sdist is taken to build with setuptools. */
const DEFAULT_BUILD_SYSTEM = ["setuptools"];

export interface EmitOptions {
  /** Folder the generated file will live in: local paths are written relative to it. */
  outputDir: string;
  /** The options that shaped the output, recorded in the header so a later run can tell it is current. */
  recordedOptions: Record<string, string>;
}

function sri(sha256hex: string): string {
  return `sha256-${Buffer.from(sha256hex, "hex").toString("base64")}`;
}

function fetchurlExpr(url: string, sha256: string, filename: string): NixExpr {
  let urlBase = basename(new URL(url).pathname);
  try {
    urlBase = decodeURIComponent(urlBase);
  } catch {
    // A malformed escape: keep the raw name, and name the file explicitly below.
  }
  return apply(
    "fetchurl",
    attrs([
      // pypaInstallHook needs the wheel's real file name, which the store path keeps.
      ["name", urlBase === filename ? undefined : str(filename)],
      ["url", str(url)],
      ["hash", str(sri(sha256))],
    ]),
  );
}

function localPath(path: string, outputDir: string): NixExpr {
  // `./. + "/…"` keeps any character of the path inside a string literal.
  const rel = relative(outputDir, path).split("\\").join("/");
  return raw(`./. + ${render(str(`/${rel}`))}`);
}

interface Variant {
  source: BuildSource;
  version: string;
  droppedForCycle: string[];
  unknownDependencies: boolean;
  linux: boolean;
}

function srcAndFormat(v: Variant, outputDir: string): Array<[string, NixExpr | undefined]> {
  const s = v.source;
  switch (s.kind) {
    case "artifact": {
      const wheel = s.artifact.kind === "wheel";
      return [
        wheel ? ["format", str("wheel")] : ["pyproject", bool(true)],
        ["src", fetchurlExpr(s.artifact.url, s.artifact.sha256, s.artifact.filename)],
        ["build-system", wheel ? undefined : buildSystem()],
        ["nativeBuildInputs", s.artifact.binary && v.linux ? list([raw("pkgs.autoPatchelfHook")]) : undefined],
      ];
    }
    case "git":
      return [
        ["pyproject", bool(true)],
        [
          "src",
          s.hash
            ? apply(
                "fetchgit",
                attrs([
                  // Named `source` so sourceRoot below can name the subdirectory.
                  ["name", s.subdirectory ? str("source") : undefined],
                  ["url", str(s.url)],
                  ["rev", str(s.commit)],
                  ["hash", str(s.hash)],
                  // nixpkgs' default is true; the hash was computed without submodules.
                  ["fetchSubmodules", bool(false)],
                ]),
              )
            : apply("builtins.fetchGit", attrs([["url", str(s.url)], ["rev", str(s.commit)], ["allRefs", bool(true)]])),
        ],
        ["sourceRoot", s.subdirectory ? str(`source/${s.subdirectory}`) : undefined],
        ["build-system", buildSystem()],
      ];
    case "path": {
      const wheel = s.format === "wheel";
      return [
        wheel ? ["format", str("wheel")] : ["pyproject", bool(true)],
        ["src", localPath(s.path, outputDir)],
        ["build-system", wheel ? undefined : buildSystem()],
      ];
    }
    case "missing":
      return [];
  }
}

function buildSystem(): NixExpr {
  return list(DEFAULT_BUILD_SYSTEM.map((name) => select("pythonPackages", name)));
}

/** `[ common ] ++ lib.optionals (onSystems [ … ]) [ … ]` for names that only some systems need. */
function perSystemList(bySystem: Map<NixSystem, string[]>, item: (name: string) => NixExpr): NixExpr {
  const systems = [...bySystem.keys()];
  const all = [...new Set([...bySystem.values()].flat())].sort();
  const common = all.filter((n) => systems.every((s) => bySystem.get(s)?.includes(n)));
  const partial = new Map<string, string[]>();
  for (const name of all.filter((n) => !common.includes(n))) {
    const where = systems.filter((s) => bySystem.get(s)?.includes(name)).sort().join(" ");
    partial.set(where, [...(partial.get(where) ?? []), name]);
  }
  return concatLists([
    list(common.map(item)),
    ...[...partial.keys()].sort().map((where) =>
      apply("lib.optionals", apply("onSystems", list(where.split(" ").map(str))), list((partial.get(where) ?? []).map(item))),
    ),
  ]);
}

const nonEmpty = (e: NixExpr): NixExpr | undefined => (e.kind === "list" && e.items.length === 0 ? undefined : e);

function derivation(name: string, builds: Map<NixSystem, PackageBuild>, outputDir: string): NixExpr {
  const variant = (b: PackageBuild, system: NixSystem): Variant => ({
    source: b.source,
    version: b.version,
    droppedForCycle: b.droppedForCycle,
    unknownDependencies: b.unknownDependencies,
    linux: isLinux(system) && b.source.kind === "artifact" && b.source.artifact.binary,
  });
  const key = (v: Variant) => JSON.stringify(v);
  const variants = new Map<string, NixSystem[]>();
  for (const [system, b] of builds) {
    const k = key(variant(b, system));
    variants.set(k, [...(variants.get(k) ?? []), system]);
  }
  const one = (systems: NixSystem[]): NixExpr => {
    const b = builds.get(systems[0] as NixSystem) as PackageBuild;
    if (b.source.kind === "missing") return apply("throw", str(`lock2nix: ${b.source.reason}`));
    const v = variant(b, systems[0] as NixSystem);
    const deps = new Map(systems.map((s) => [s, builds.get(s)?.dependencies ?? []] as const));
    const wheel = (b.source.kind === "artifact" && b.source.artifact.kind === "wheel") || (b.source.kind === "path" && b.source.format === "wheel");
    return apply(
      "buildPythonPackage",
      attrs([
        ["pname", str(name)],
        ["version", str(b.version)],
        ...srcAndFormat(v, outputDir),
        ["dependencies", nonEmpty(perSystemList(deps, (n) => select("final", n)))],
        // The runtime check would look for an edge left out to break a cycle, or one the lock never recorded.
        ["dontCheckRuntimeDeps", (b.droppedForCycle.length > 0 || b.unknownDependencies) && !wheel ? bool(true) : undefined],
      ]),
    );
  };
  if (variants.size === 1) return one([...builds.keys()]);
  return apply(
    "forSystem",
    str(name),
    attrs(
      [...builds.keys()].sort().map((system) => {
        const k = key(variant(builds.get(system) as PackageBuild, system));
        return [system, one(variants.get(k) as NixSystem[])];
      }),
    ),
  );
}

function header(lock: Lock, resolution: Resolution, options: EmitOptions): string {
  const lines = [
    `# Generated by lock2nix ${VERSION} from ${basename(lock.file)}. Do not edit: run lock2nix again.`,
    `# lockfile-sha256: ${lock.sha256}`,
    ...Object.keys(options.recordedOptions)
      .sort()
      .map((k) => `# option ${k}: ${(options.recordedOptions[k] ?? "").replace(/[\r\n]/g, " ")}`),
  ];
  if (resolution.warnings.length > 0) lines.push(`# ${resolution.warnings.length} warning(s) were printed when this was generated.`);
  return lines.join("\n") + "\n";
}

/** Renders the resolution as one Nix file (see templates/package-set.nix for the frame). */
export function emitNix(lock: Lock, resolution: Resolution, options: EmitOptions): string {
  const packageSet = attrs(
    [...resolution.packages].map(([name, builds]) => [name, derivation(name, builds, options.outputDir)]),
  );
  const envs = attrs(
    [...resolution.groups.keys()].sort().map((group) => [
      group,
      apply("withPackages", perSystemList(resolution.groups.get(group) as Map<NixSystem, string[]>, str)),
    ]),
  );
  const body = template("package-set.nix").replaceAll("@PYTHON_ATTR@", pythonAttr(resolution.python))
    .replaceAll("@PYTHON_VERSION@", resolution.python)
    .replace("@PACKAGES@", render(packageSet, 2))
    .replace("@ENVS@", render(envs, 2));
  return header(lock, resolution, options) + body;
}
