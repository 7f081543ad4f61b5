import { basename, relative } from "node:path";
import type { Lock } from "../model.js";
import type { BuildSource, PackageBuild, Resolution } from "../resolve/index.js";
import { isLinux, pythonAttr, type NixSystem } from "../resolve/target.js";
import { parseWheelFilename } from "../pep/tags.js";
import { template } from "../templates.js";
import { VERSION } from "../version.js";
import { urlForNix } from "../redact.js";
import { buildPurl } from "../sbom/purl.js";
import { apply, attrName, attrs, bool, comment, concatLists, fillTemplate, list, raw, render, select, str, type NixExpr } from "./nix.js";
import { ATTR_PATH, defaultLibrary, type EnvValue, type OverrideSet, type SdistFacts, type SdistFactsLookup, type Substitution } from "../overrides/index.js";
import { chooseBuildSystem, FALLBACK_BUILD_SYSTEM } from "./build-system.js";
import { previousKey, type PreviousLookup } from "./previous.js";
import { VERSION_ENV } from "../inspect/local-tree.js";
import { projectText } from "./project.js";
import { packagesWithRoot, type Project } from "../resolve/project.js";
import type { PackageProvenance } from "../provenance/index.js";
import { provenanceAttrs } from "../provenance/nix.js";

export interface EmitOptions {
  /** How many distinct warnings the run reports, for the header (default: the resolution's). */
  warningCount?: number;
  /** Folder the generated file will live in: local paths are written relative to it. */
  outputDir: string;
  /** The options that shaped the output, recorded in the header so a later run can tell it is current. */
  recordedOptions: Record<string, string>;
  /** The override library with the user's --overrides on top; default: the library alone. */
  overrides?: OverrideSet;
  /** The seam for src/inspect: what reading each sdist found, where it was read (online or cached). */
  sdistFacts?: SdistFactsLookup;
  /** Further header lines (why the interpreter was chosen). */
  notes?: string[];
  /** What the previous output recorded (see src/emit/previous.ts): kept for sources that did not change. */
  previous?: PreviousLookup;
  /** The project (src/resolve/project.ts): its root package, app, dev shells and checks; absent: none. */
  project?: Project;
  /** The generated file's name (default lock.nix): left out of local sources, and how a dev shell finds the project. */
  generatedFile?: string;
  /** PEP 740 provenance by package: a verified one is recorded in `passthru.provenance` for the next run to compare. */
  provenance?: Map<string, PackageProvenance>;
}

function sri(sha256hex: string): string {
  return `sha256-${Buffer.from(sha256hex, "hex").toString("base64")}`;
}

function fetchurlExpr(url: string, sha256: string, filename: string): NixExpr {
  // The URL's last path segment (an index gives absolute URLs; a query or fragment is not part of it).
  let urlBase = basename(url.replace(/[?#].*$/, "").replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, "") || "/");
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
      ["url", str(urlForNix(url))],
      ["hash", str(sri(sha256))],
    ]),
  );
}

function localPath(path: string, outputDir: string): NixExpr {
  // `./. + "/…"` keeps any character of the path inside a string literal.
  const rel = relative(outputDir, path).split("\\").join("/");
  return raw(`./. + ${render(str(`/${rel}`))}`);
}

/** What the override data says for a source build, beyond its lists (those go per system). */
interface RecipeRest {
  /** `pypaBuildFlags`: `--skip-dependency-check` where a build requirement cannot be met as written. */
  buildFlags: string[];
  patches: string[];
  env: Record<string, EnvValue>;
  flags: Record<string, boolean>;
  substitutions: Substitution[];
  cargo?: { root?: string; lockFile?: string; gitHashes: Record<string, string> };
}

const NO_RECIPE_REST: RecipeRest = Object.freeze({ buildFlags: [], patches: [], env: {}, flags: {}, substitutions: [] });
const RELAXED_RECIPE_REST: RecipeRest = Object.freeze({ ...NO_RECIPE_REST, buildFlags: ["--skip-dependency-check"] });

/** How one source build is made on one system, from the override data and the sdist's own facts. */
interface Recipe {
  buildSystem: string[];
  nativeBuildInputs: string[];
  buildInputs: string[];
  rest: RecipeRest;
}

interface Variant {
  source: BuildSource;
  version: string;
  droppedForCycle: string[];
  unknownDependencies: boolean;
  linux: boolean;
  recipe?: RecipeRest;
  /** The override data's `wheel` block, for a binary wheel on Linux. */
  wheel?: { nativeBuildInputs: string[]; buildInputs: string[]; ignoreMissingLibs: string[] };
}

function isSourceBuild(s: BuildSource): boolean {
  return (s.kind === "artifact" && s.artifact.kind !== "wheel") || s.kind === "git" || (s.kind === "path" && s.format !== "wheel");
}

const RUST_HOOKS = ["rustPlatform.cargoSetupHook", "cargo", "rustc"];
const MATURIN_HOOK = "rustPlatform.maturinBuildHook";

/** The nixpkgs attributes the emitter itself names for override data (Rust); the library's list must hold them. */
export const EMITTER_ATTRIBUTES = [
  ...RUST_HOOKS, MATURIN_HOOK, "rustPlatform.importCargoLock", "autoPatchelfHook",
  "pythonManylinuxPackages.manylinux1", "pythonManylinuxPackages.manylinux2010", "pythonManylinuxPackages.manylinux2014",
];

/** The SRI hash the output pins a source by (the previous output's key), if any. */
function sourceHash(s: BuildSource): string | undefined {
  if (s.kind === "artifact") return sri(s.artifact.sha256);
  return s.kind === "git" ? s.hash : undefined;
}

function recipeFor(name: string, version: string, system: NixSystem, source: BuildSource, options: EmitOptions): Recipe {
  const m = (options.overrides ?? defaultLibrary()).match(name, version, system);
  const facts = options.sdistFacts?.(name, version);
  const uniq = (xs: string[]) => [...new Set(xs)];
  const choice = chooseBuildSystem(name, version, () => sourceHash(source), m, facts, options.previous);
  const buildSystem = uniq([...choice.attrs, ...(m?.buildSystemAppend ?? [])]);
  const rust = m?.cargo !== undefined;
  const buildFlags = [...(choice.relaxBuildPins ? ["--skip-dependency-check"] : []), ...(m?.buildFlags ?? [])];
  // A version from git, which the sandbox has not: the plugin is told the version the derivation names
  // (a local tree says which plugin it uses; a git checkout has no .git in the store either).
  const gitPlugin = source.kind === "git" ? VERSION_ENV.find(([plugin]) => buildSystem.includes(plugin))?.[1] : undefined;
  // A local tree whose version nothing here could compute names none: its derivation's version throws.
  const variable = unknownGitVersion(source, facts) ? undefined : (facts?.versionEnv ?? gitPlugin);
  const versionEnv: Record<string, EnvValue> = variable ? { [variable]: { string: facts?.version ?? version } } : {};
  return {
    buildSystem,
    nativeBuildInputs: uniq([...(m?.nativeBuildInputs ?? []), ...(rust ? RUST_HOOKS : []), ...(m?.cargo?.maturin ? [MATURIN_HOOK] : []), ...choice.hooks]),
    buildInputs: m?.buildInputs ?? [],
    // Shared where no override applies, so systems that agree can be told so without comparing.
    rest: !m && !variable ? (choice.relaxBuildPins ? RELAXED_RECIPE_REST : NO_RECIPE_REST) : {
      buildFlags,
      patches: m?.patches ?? [],
      env: { ...versionEnv, ...(m?.env ?? {}) },
      flags: Object.fromEntries(Object.entries(m?.flags ?? {}).filter(([, v]) => v !== undefined)) as Record<string, boolean>,
      substitutions: m?.substitutions ?? [],
      ...(m?.cargo
        ? {
            cargo: {
              ...(m.cargo.root !== undefined ? { root: m.cargo.root } : {}),
              ...(facts?.cargoLockFile ? { lockFile: facts.cargoLockFile } : {}),
              // Computed from the crates' repositories, then the data's, which win.
              gitHashes: { ...(facts?.cargoGitHashes ?? {}), ...m.cargo.gitHashes },
            },
          }
        : {}),
    },
  };
}

/** The `wheel` block of the override data that applies, when it says anything. */
function wheelOverride(name: string, version: string, system: NixSystem, options: EmitOptions): Pick<Variant, "wheel"> {
  const w = (options.overrides ?? defaultLibrary()).match(name, version, system)?.wheel;
  if (!w || (w.nativeBuildInputs.length === 0 && w.buildInputs.length === 0 && w.ignoreMissingLibs.length === 0)) return {};
  return { wheel: w };
}

/** `pkgs.a.b` for a nixpkgs attribute path the schema validated. */
function pkgsAttr(path: string): NixExpr {
  if (!ATTR_PATH.test(path)) throw new Error(`lock2nix: not a nixpkgs attribute path: ${JSON.stringify(path)}`);
  return raw(`pkgs.${path.split(".").map(attrName).join(".")}`);
}

/**
 * `substituteInPlace` lines for postPatch, each argument quoted by nixpkgs' lib.escapeShellArgs;
 * a store path in a replacement is `toString (lib.getLib pkgs.x)` (or the package itself).
 */
function substitutionsExpr(subs: Substitution[]): NixExpr {
  const replacement = (s: Substitution): NixExpr => {
    const parts = s.with.map((p) => ("text" in p ? render(str(p.text)) : p.output === "lib" ? `toString (lib.getLib ${render(pkgsAttr(p.attr))})` : `toString ${render(pkgsAttr(p.attr))}`));
    return parts.length === 1 && "text" in (s.with[0] ?? {}) ? str((s.with[0] as { text: string }).text) : raw(`(${parts.length > 0 ? parts.join(" + ") : '""'})`);
  };
  return apply(
    "lib.concatMapStrings",
    raw(`(args: "substituteInPlace \${lib.escapeShellArgs args}\\n")`),
    list(subs.map((s) => list([str(s.file), str("--replace-fail"), str(s.replace), replacement(s)]))),
  );
}

function recipeBindings(name: string, version: string, rest: RecipeRest, outputDir: string): Array<[string, NixExpr | undefined]> {
  const env = Object.keys(rest.env).sort();
  const flags = Object.keys(rest.flags).sort();
  const c = rest.cargo;
  return [
    ["pypaBuildFlags", rest.buildFlags.length > 0 ? list(rest.buildFlags.map(str)) : undefined],
    ["patches", rest.patches.length > 0 ? list(rest.patches.map(pkgsAttr)) : undefined],
    ["postPatch", rest.substitutions.length > 0 ? substitutionsExpr(rest.substitutions) : undefined],
    [
      "env",
      env.length > 0
        ? attrs(env.map((k) => {
            const v = rest.env[k] as EnvValue;
            return [k, "attr" in v ? apply("toString", pkgsAttr(v.attr)) : str(v.string)];
          }))
        : undefined,
    ],
    ...flags.map((f): [string, NixExpr] => [f, bool(rest.flags[f] as boolean)]),
    ["cargoRoot", c?.root !== undefined ? str(c.root) : undefined],
    [
      "cargoDeps",
      !c
        ? undefined
        : c.lockFile
          ? apply(
              "pkgs.rustPlatform.importCargoLock",
              attrs([
                ["lockFile", localPath(c.lockFile, outputDir)],
                ["outputHashes", Object.keys(c.gitHashes).length > 0 ? attrs(Object.keys(c.gitHashes).sort().map((k) => [k, str(c.gitHashes[k] as string)])) : undefined],
              ]),
            )
          : apply(
              "throw",
              str(`lock2nix: ${name} ${version} builds Rust code, and the Cargo.lock of its sdist was not read when this file was generated (offline, nothing cached); run lock2nix online, or generate with --prefer-wheels`),
            ),
    ],
  ];
}

/**
 * The library set nixpkgs' `pythonManylinuxPackages` gives a Linux binary wheel of this
 * platform tag (the oldest policy among its tags: what the wheel may link against), for
 * autoPatchelfHook to find them; a musllinux or plain `linux_*` wheel gets the newest set.
 */
export function manylinuxSet(filename: string): "manylinux1" | "manylinux2010" | "manylinux2014" | undefined {
  let oldest: number | undefined;
  let linux = false;
  for (const tag of parseWheelFilename(filename).platformTags) {
    const legacy = /^manylinux(1|2010|2014)_/.exec(tag);
    const perennial = /^manylinux_(\d+)_(\d+)_/.exec(tag);
    const glibcMinor = legacy ? ({ "1": 5, "2010": 12, "2014": 17 } as const)[legacy[1] as "1" | "2010" | "2014"] : perennial && perennial[1] === "2" ? Number(perennial[2]) : undefined;
    if (glibcMinor !== undefined) oldest = oldest === undefined ? glibcMinor : Math.min(oldest, glibcMinor);
    else if (/^(musl)?linux_/.test(tag)) linux = true;
  }
  if (oldest === undefined) return linux ? "manylinux2014" : undefined;
  return oldest < 12 ? "manylinux1" : oldest < 17 ? "manylinux2010" : "manylinux2014";
}

function srcAndFormat(name: string, v: Variant, outputDir: string, buildSystem: NixExpr): Array<[string, NixExpr | undefined]> {
  const s = v.source;
  switch (s.kind) {
    case "artifact": {
      const wheel = s.artifact.kind === "wheel";
      const patchelf = s.artifact.binary && v.linux;
      const manylinux = patchelf ? manylinuxSet(s.artifact.filename) : undefined;
      const extra = v.wheel;
      const libraries = [
        ...(manylinux ? [raw(`pkgs.pythonManylinuxPackages.${manylinux}`)] : []),
        ...(extra && extra.buildInputs.length > 0 ? [list(extra.buildInputs.map(pkgsAttr))] : []),
      ];
      return [
        wheel ? ["format", str("wheel")] : ["pyproject", bool(true)],
        ["src", fetchurlExpr(s.artifact.url, s.artifact.sha256, s.artifact.filename)],
        ["build-system", wheel ? undefined : buildSystem],
        ["nativeBuildInputs", patchelf ? list([raw("pkgs.autoPatchelfHook"), ...(extra?.nativeBuildInputs ?? []).map(pkgsAttr)]) : undefined],
        // The libraries manylinux lets a wheel assume (libstdc++, glib, ...), and what the data adds, for autoPatchelfHook.
        ["buildInputs", patchelf && libraries.length > 0 ? (libraries.length === 1 ? libraries[0] : concatLists(libraries)) : undefined],
        ["autoPatchelfIgnoreMissingDeps", patchelf && extra && extra.ignoreMissingLibs.length > 0 ? list(extra.ignoreMissingLibs.map(str)) : undefined],
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
                  ["url", str(urlForNix(s.url))],
                  ["rev", str(s.commit)],
                  ["hash", str(s.hash)],
                  // nixpkgs' default is true; the hash was computed without submodules.
                  ["fetchSubmodules", bool(false)],
                ]),
              )
            : apply("builtins.fetchGit", attrs([["url", str(urlForNix(s.url))], ["rev", str(s.commit)], ["allRefs", bool(true)]])),
        ],
        ["sourceRoot", s.subdirectory ? str(`source/${s.subdirectory}`) : undefined],
        ["build-system", buildSystem],
      ];
    case "path": {
      const wheel = s.format === "wheel";
      return [
        wheel ? ["format", str("wheel")] : ["pyproject", bool(true)],
        // A tree goes through localSource (templates/local-source.nix); a file is copied as it is.
        ["src", s.format === "directory" ? apply("localSource", str(name), raw(`(${render(localPath(s.path, outputDir))})`)) : localPath(s.path, outputDir)],
        ["build-system", wheel ? undefined : buildSystem],
      ];
    }
    case "missing":
      return [];
  }
}

/** A local tree whose version its plugin computes from git, where lock2nix could not (no checkout or tag, or a scheme of its own). */
function unknownGitVersion(source: BuildSource, facts: SdistFacts | undefined): boolean {
  return source.kind === "path" && facts?.versionEnv !== undefined && facts.version === undefined;
}

/** A local tree that states no version lock2nix can read and names no plugin told the version. */
function localVersionUnknown(name: string, version: string, options: EmitOptions): boolean {
  const facts = options.sdistFacts?.(name, version);
  return facts?.version === undefined && facts?.versionEnv === undefined;
}

/** `[ common ] ++ lib.optionals (onSystems [ … ]) [ … ]` for names that only some systems need. */
function perSystemList(bySystem: Map<NixSystem, string[]>, item: (name: string) => NixExpr): NixExpr {
  // The usual case, every system the same list, needs no comparing of sets.
  const lists = [...bySystem.values()];
  const first = lists[0] ?? [];
  if (lists.every((l) => l === first || (l.length === first.length && l.every((x, i) => x === first[i])))) {
    return concatLists([list([...new Set(first)].sort().map(item))]);
  }
  const systems = [...bySystem.keys()].sort();
  const sets = new Map(systems.map((s) => [s, new Set(bySystem.get(s))] as const));
  const all = [...new Set([...bySystem.values()].flat())].sort();
  const common: string[] = [];
  const partial = new Map<string, string[]>();
  for (const name of all) {
    const where = systems.filter((s) => sets.get(s)?.has(name));
    if (where.length === systems.length) common.push(name);
    else partial.set(where.join(" "), [...(partial.get(where.join(" ")) ?? []), name]);
  }
  return concatLists([
    list(common.map(item)),
    ...[...partial.keys()].sort().map((where) =>
      apply("lib.optionals", apply("onSystems", list(where.split(" ").map(str))), list((partial.get(where) ?? []).map(item))),
    ),
  ]);
}

const nonEmpty = (e: NixExpr): NixExpr | undefined => (e.kind === "list" && e.items.length === 0 ? undefined : e);

/**
 * Whether every system builds the package alike, told from shared objects
 * alone (the resolver and recipeFor share them where systems agree); false
 * means "compare them", not "they differ".
 */
function sameEverywhere(builds: Map<NixSystem, PackageBuild>, recipes: Map<NixSystem, Recipe>): boolean {
  let first: PackageBuild | undefined;
  let rest: RecipeRest | undefined;
  for (const [system, b] of builds) {
    // A binary wheel is patched on Linux only.
    if (b.source.kind === "artifact" && b.source.artifact.binary) return false;
    if (b.droppedForCycle.length > 0) return false;
    const r = recipes.get(system)?.rest;
    if (!first) {
      first = b;
      rest = r;
      continue;
    }
    if (b.source !== first.source || b.version !== first.version || b.dependencies !== first.dependencies) return false;
    if (b.unknownDependencies !== first.unknownDependencies || r !== rest) return false;
  }
  return true;
}

function derivation(name: string, builds: Map<NixSystem, PackageBuild>, options: EmitOptions): NixExpr {
  const outputDir = options.outputDir;
  const recipes = new Map<NixSystem, Recipe>();
  // A recipe depends on the system only through its override block (linux or darwin).
  const byBlock = new Map<string, Recipe>();
  for (const [system, b] of builds) {
    if (!isSourceBuild(b.source)) continue;
    // The source too: the previous output's facts are per source hash.
    const block = `${b.version} ${isLinux(system)} ${b.source.kind === "artifact" ? b.source.artifact.sha256 : b.source.kind === "git" ? (b.source.hash ?? "") : ""}`;
    let recipe = byBlock.get(block);
    if (!recipe) byBlock.set(block, (recipe = recipeFor(name, b.version, system, b.source, options)));
    recipes.set(system, recipe);
  }
  const variant = (b: PackageBuild, system: NixSystem): Variant => ({
    source: b.source,
    version: b.version,
    droppedForCycle: b.droppedForCycle,
    unknownDependencies: b.unknownDependencies,
    linux: isLinux(system) && b.source.kind === "artifact" && b.source.artifact.binary,
    ...(recipes.has(system) ? { recipe: recipes.get(system)?.rest as RecipeRest } : {}),
    ...(isLinux(system) && b.source.kind === "artifact" && b.source.artifact.binary ? wheelOverride(name, b.version, system, options) : {}),
  });
  const key = (v: Variant) => JSON.stringify(v);
  const variants = new Map<string, NixSystem[]>();
  if (!sameEverywhere(builds, recipes)) {
    for (const [system, b] of builds) {
      const k = key(variant(b, system));
      variants.set(k, [...(variants.get(k) ?? []), system]);
    }
  }
  const one = (systems: NixSystem[]): NixExpr => {
    const b = builds.get(systems[0] as NixSystem) as PackageBuild;
    if (b.source.kind === "missing") return apply("throw", str(`lock2nix: ${b.source.reason}`));
    const v = variant(b, systems[0] as NixSystem);
    const deps = new Map(systems.map((s) => [s, builds.get(s)?.dependencies ?? []] as const));
    const wheel = (b.source.kind === "artifact" && b.source.artifact.kind === "wheel") || (b.source.kind === "path" && b.source.format === "wheel");
    // Override lists per system (darwin/linux blocks): `[ common ] ++ lib.optionals (onSystems [ … ]) [ … ]`.
    const perSystem = (field: "buildSystem" | "nativeBuildInputs" | "buildInputs") =>
      new Map(systems.map((s) => [s, recipes.get(s)?.[field] ?? []] as const));
    const source = v.recipe !== undefined;
    // A local tree's own version, read from disk, over the lock's (uv writes none for a dynamic one).
    const version = (b.source.kind === "path" ? options.sdistFacts?.(name, b.version)?.version : undefined) ?? b.version;
    // What the sdist says it installs, else what the previous output recorded for the same file.
    const imports = b.source.kind === "artifact" && !wheel
      ? (options.sdistFacts?.(name, b.version)?.importNames ?? options.previous?.get(previousKey(name, b.version, sourceHash(b.source)))?.importNames)
      : undefined;
    const facts = options.sdistFacts?.(name, b.version);
    const versionExpr = unknownGitVersion(b.source, facts)
      ? apply("throw", str(`lock2nix: the version of ${name} is computed by ${facts?.versionPlugin ?? "its version plugin"} from git, which lock2nix could not do where it ran; generate again in its git checkout, with the tags fetched`))
      : str(version);
    return apply(
      "buildPythonPackage",
      attrs([
        ["pname", str(name)],
        ["version", versionExpr],
        ...srcAndFormat(name, v, outputDir, perSystemList(perSystem("buildSystem"), (n) => select("pythonPackages", n))),
        ["nativeBuildInputs", source ? nonEmpty(perSystemList(perSystem("nativeBuildInputs"), pkgsAttr)) : undefined],
        ["buildInputs", source ? nonEmpty(perSystemList(perSystem("buildInputs"), pkgsAttr)) : undefined],
        ...(v.recipe ? recipeBindings(name, b.version, v.recipe, outputDir) : []),
        ["dependencies", nonEmpty(perSystemList(deps, (n) => select("final", n)))],
        // The runtime check would look for an edge left out to break a cycle, or one the lock never recorded.
        ["dontCheckRuntimeDeps", (b.droppedForCycle.length > 0 || b.unknownDependencies) && !wheel ? bool(true) : undefined],
        ["pythonImportsCheck", imports && imports.length > 0 ? list(imports.map(str)) : undefined],
        // nixpkgs checks the built metadata's version against `version`: a local tree whose version
        // lock2nix could not read (computed by its backend) cannot be known to match.
        ["dontCheckPythonMetadata", b.source.kind === "path" && !wheel && version === b.version && localVersionUnknown(name, b.version, options) ? bool(true) : undefined],
        // The same purl as the SBOM's component (lock2nix sbom), so Nix-side tools can join the two.
        ["passthru", attrs([["provenance", provenanceAttrs(options.provenance?.get(name))], ["purl", str(buildPurl(b, b.source.kind === "path" ? options.sdistFacts?.(name, b.version)?.version : undefined))]])],
      ]),
    );
  };
  if (variants.size <= 1) return one([...builds.keys()]);
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

/** Source builds whose build system nothing told (no override, sdist, local tree, previous output or table): they get the fallback set. */
export function fallbackBuildSystems(resolution: Resolution, options: Pick<EmitOptions, "overrides" | "sdistFacts" | "previous">): string[] {
  const fellBack = new Set<string>();
  for (const [name, builds] of resolution.packages) {
    for (const [system, b] of builds) {
      if (!isSourceBuild(b.source) || fellBack.has(name)) continue;
      const m = (options.overrides ?? defaultLibrary()).match(name, b.version, system);
      const choice = chooseBuildSystem(name, b.version, () => sourceHash(b.source), m, options.sdistFacts?.(name, b.version), options.previous);
      if (choice.origin === "fallback") fellBack.add(name);
    }
  }
  return [...fellBack].sort();
}

function header(lock: Lock, resolution: Resolution, options: EmitOptions): string {
  const fellBack = fallbackBuildSystems(resolution, options);
  const lines = [
    `Generated by lock2nix ${VERSION} from ${basename(lock.file)}. Do not edit: run lock2nix again.`,
    `lockfile-sha256: ${lock.sha256}`,
    ...Object.keys(options.recordedOptions)
      .sort()
      .map((k) => `option ${k}: ${(options.recordedOptions[k] ?? "").replace(/[\r\n]/g, " ")}`),
  ];
  if (fellBack.length > 0) {
    lines.push(`build-system fell back (${FALLBACK_BUILD_SYSTEM.join(", ")}; nothing known): ${fellBack.join(" ")}`);
  }
  lines.push(...(options.notes ?? []));
  const warningCount = options.warningCount ?? resolution.warnings.length;
  if (warningCount > 0) lines.push(`${warningCount} warning(s) were reported when this was generated (lock2nix generate -v lists each).`);
  return lines.map(comment).join("\n") + "\n";
}

/** Renders the resolution as one Nix file (see templates/package-set.nix for the frame). */
export function emitNix(lock: Lock, resolution: Resolution, options: EmitOptions): string {
  const project = options.project;
  const packages = packagesWithRoot(resolution, project);
  // The root is added in name order, as the resolution's own packages are.
  const ordered = packages === resolution.packages ? [...packages] : [...packages].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const packageSet = attrs(ordered.map(([name, builds]) => [name, derivation(name, builds, options)]));
  const withPackages = (bySystem: Map<NixSystem, string[]>) => apply("withPackages", perSystemList(bySystem, str));
  const envs = attrs([...resolution.groups.keys()].sort().map((group) => [group, withPackages(resolution.groups.get(group) as Map<NixSystem, string[]>)]));
  const generatedFile = options.generatedFile ?? "lock.nix";
  const local = [...packages.values()].some((builds) => [...builds.values()].some((b) => b.source.kind === "path" && b.source.format === "directory"));
  const projectPart = project
    ? projectText(project, resolution, template("project.nix"), { outputDir: options.outputDir, generatedFile, withPackages })
    : { bindings: "", outputs: "" };
  // The python version sits inside a string literal of the template: only X.Y may go there.
  if (!/^\d+\.\d+$/.test(resolution.python)) throw new Error(`lock2nix: not a python version: ${JSON.stringify(resolution.python)}`);
  const body = fillTemplate(template("package-set.nix"), {
    PYTHON_ATTR: pythonAttr(resolution.python),
    PYTHON_VERSION: resolution.python,
    PACKAGES: render(packageSet, 2),
    ENVS: render(envs, 2),
    LOCAL_SOURCE: local ? fillTemplate(template("local-source.nix"), { GENERATED_FILE: render(str(generatedFile)) }) : "",
    PROJECT_BINDINGS: projectPart.bindings,
    PROJECT_OUTPUTS: projectPart.outputs,
  });
  return header(lock, resolution, options) + body;
}
