/**
 * A local source tree (the root project, a workspace member, a path or
 * editable dependency): its pyproject.toml on disk says how it builds and,
 * where the tree states it, its version, so neither is guessed.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ParseError } from "../errors.js";
import { parseToml, type TomlTable } from "../formats/toml.js";
import { describe, pluginVersion } from "./git-version.js";

export interface LocalTreeFacts {
  /** `[build-system] requires`; absent when the tree has no pyproject.toml (then setuptools, as PEP 517 says). */
  buildRequires?: string[];
  hasPyproject: boolean;
  /** The version the tree states: `[project] version`, `[tool.poetry] version`, or the file a version plugin reads. */
  version?: string;
  /** For a version computed from git (which the sandbox has not): the variable that tells the plugin which version to use. */
  versionEnv?: string;
  /** That plugin, by its distribution name (`uv-dynamic-versioning`, `setuptools-scm`, …). */
  versionPlugin?: string;
  /** The version came from `git describe` in the working tree, as the plugin would compute it. */
  versionFromGit?: boolean;
  /** `[project] name` or `[tool.poetry] name`, normalized. */
  name?: string;
  /** Whether the tree builds a package: it names itself and has a `[build-system]` (uv's virtual roots do not). */
  isPackage: boolean;
  /** Console and GUI scripts (`[project.scripts]`, `[project.gui-scripts]`, `[tool.poetry.scripts]`): name → `module:attr`. */
  scripts: Map<string, string>;
  /** Where its modules are imported from, relative to the tree: `src` for a src layout, else "". */
  importRoot: string;
}

// Names that reach a shell and a file name: checked, never escaped.
const SCRIPT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** `module:attr` (PEP 621 entry point object reference, without extras). */
export const ENTRY_POINT = /^([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*:\s*([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)$/;

const normalize = (name: string) => name.toLowerCase().replace(/[-_.]+/g, "-");

const table = (v: unknown): TomlTable | undefined => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as TomlTable) : undefined);
const string = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** What each git-version plugin reads to skip git, as nixpkgs' derivations set it. */
export const VERSION_ENV: ReadonlyArray<[plugin: string, variable: string]> = [
  ["uv-dynamic-versioning", "UV_DYNAMIC_VERSIONING_BYPASS"],
  ["poetry-dynamic-versioning", "POETRY_DYNAMIC_VERSIONING_BYPASS"],
  ["pdm-backend", "PDM_BUILD_SCM_VERSION"],
  ["setuptools-scm", "SETUPTOOLS_SCM_PRETEND_VERSION"],
  ["hatch-vcs", "SETUPTOOLS_SCM_PRETEND_VERSION"],
  ["setuptools-git-versioning", "SETUPTOOLS_SCM_PRETEND_VERSION"],
  ["flit-scm", "SETUPTOOLS_SCM_PRETEND_VERSION"],
  ["versioneer", "SETUPTOOLS_SCM_PRETEND_VERSION"],
];

/** hatch's and pdm's default pattern for a version in a file. */
const VERSION_IN_FILE = /^(?:__version__|VERSION)\s*(?::\s*str\s*)?=\s*(['"])v?(.+?)\1/im;

/** A reader that reads each tree once per run (the project and the build facts both ask; git describe is a process). */
export function localTreeReader(): (dir: string) => LocalTreeFacts {
  const read = new Map<string, LocalTreeFacts>();
  return (dir) => {
    let facts = read.get(dir);
    if (!facts) read.set(dir, (facts = readLocalTree(dir)));
    return facts;
  };
}

/** Reads `dir`'s pyproject.toml; throws ParseError naming the file when it is not valid TOML. */
export function readLocalTree(dir: string): LocalTreeFacts {
  const file = join(dir, "pyproject.toml");
  if (!existsSync(file)) return { hasPyproject: false, isPackage: false, scripts: new Map(), importRoot: "" };
  const doc = parseToml(readFileSync(file, "utf8"), file);
  const project = table(doc["project"]);
  const tool = table(doc["tool"]);
  const poetry = table(tool?.["poetry"]);
  const rawName = string(project?.["name"]) ?? string(poetry?.["name"]);
  const name = rawName === undefined ? undefined : normalize(rawName);
  const facts: LocalTreeFacts = {
    hasPyproject: true,
    ...(name !== undefined ? { name } : {}),
    // `[tool.uv] package = false` makes a virtual project, which uv does not build either.
    isPackage: name !== undefined && table(doc["build-system"]) !== undefined && table(tool?.["uv"])?.["package"] !== false,
    scripts: scriptsOf(file, [table(project?.["scripts"]), table(project?.["gui-scripts"]), table(poetry?.["scripts"])]),
    importRoot: name !== undefined && existsSync(join(dir, "src")) && !existsSync(join(dir, name.replace(/-/g, "_"))) ? "src" : "",
  };
  const requires = table(doc["build-system"])?.["requires"];
  if (Array.isArray(requires)) {
    if (!requires.every((r) => typeof r === "string")) throw new ParseError("[build-system] requires: expected a list of strings", { file });
    facts.buildRequires = requires;
  }
  const dynamic = Array.isArray(project?.["dynamic"]) && (project["dynamic"] as unknown[]).includes("version");
  const version = string(project?.["version"]) ?? (dynamic ? undefined : string(table(tool?.["poetry"])?.["version"])) ?? versionFromFile(dir, tool);
  if (version !== undefined) facts.version = version;
  else if (dynamic || project === undefined) {
    const names = (facts.buildRequires ?? []).map((r) => r.toLowerCase().replace(/[-_.]+/g, "-"));
    const plugin = VERSION_ENV.find(([p]) => names.some((n) => n === p || n.startsWith(`${p}[`) || new RegExp(`^${p}\\s*[<>=!~;]`).test(n)));
    if (plugin) {
      facts.versionPlugin = plugin[0];
      facts.versionEnv = plugin[1];
      const fromGit = gitVersionOf(dir, plugin[0], tool);
      if (fromGit !== undefined) Object.assign(facts, { version: fromGit, versionFromGit: true });
    }
  }
  return facts;
}

function scriptsOf(file: string, sources: Array<TomlTable | undefined>): Map<string, string> {
  const scripts = new Map<string, string>();
  for (const source of sources) {
    for (const [script, target] of Object.entries(source ?? {})) {
      // Poetry also allows `{ reference, type = "file" }`: a file, not an entry point.
      if (typeof target !== "string") continue;
      if (!SCRIPT_NAME.test(script)) throw new ParseError(`script name ${JSON.stringify(script)}: expected a plain file name`, { file });
      if (!ENTRY_POINT.test(target)) throw new ParseError(`script ${script}: ${JSON.stringify(target)} is not an entry point (expected module:attr)`, { file });
      scripts.set(script, target);
    }
  }
  return scripts;
}

/** The version the plugin would compute from the checkout, in its default configuration only. */
function gitVersionOf(dir: string, plugin: string, tool: TomlTable | undefined): string | undefined {
  const config = table(tool?.[plugin]) ?? table(tool?.[plugin.replace(/-/g, "_")]);
  const hatchRaw = table(table(table(tool?.["hatch"])?.["version"])?.["raw-options"]);
  // A scheme of one's own makes a version lock2nix cannot reproduce.
  for (const c of [config, hatchRaw]) {
    if (c && (c["version_scheme"] !== undefined || c["local_scheme"] !== undefined || c["format"] !== undefined || c["format-jinja"] !== undefined || c["pattern"] !== undefined)) return undefined;
  }
  if (config && config["style"] !== undefined && config["style"] !== "pep440") return undefined;
  const d = describe(dir);
  return d && pluginVersion(plugin, d, { bump: config?.["bump"] === true });
}

/**
 * The version in the file `[tool.hatch.version] path` or `[tool.pdm.version]
 * path` names, or that `[tool.setuptools.dynamic] version` reads (`file`,
 * or `attr` as a literal assignment in the module's source, as setuptools
 * itself tries first).
 */
function versionFromFile(dir: string, tool: TomlTable | undefined): string | undefined {
  const hatch = table(table(tool?.["hatch"])?.["version"]);
  const pdm = table(table(tool?.["pdm"])?.["version"]);
  const setuptools = table(table(table(tool?.["setuptools"])?.["dynamic"])?.["version"]);
  const read = (path: string) => {
    const full = join(dir, path);
    return path.includes("..") || !existsSync(full) ? undefined : readFileSync(full, "utf8");
  };
  const path = string(hatch?.["path"]) ?? (string(pdm?.["source"]) === "file" ? string(pdm?.["path"]) : undefined);
  if (path !== undefined) return VERSION_IN_FILE.exec(read(path) ?? "")?.[2];
  const file = setuptools?.["file"];
  const first = Array.isArray(file) ? string(file[0]) : string(file);
  if (first !== undefined) return read(first)?.trim() || undefined;
  const attr = string(setuptools?.["attr"]);
  const m = attr === undefined ? null : /^([A-Za-z_][\w.]*)\.([A-Za-z_]\w*)$/.exec(attr);
  if (!m) return undefined;
  const module = (m[1] as string).replace(/\./g, "/");
  const assignment = new RegExp(`^${m[2]}\\s*(?::\\s*str\\s*)?=\\s*(['"])v?(.+?)\\1`, "m");
  for (const candidate of [`${module}.py`, `${module}/__init__.py`, `src/${module}.py`, `src/${module}/__init__.py`]) {
    const text = read(candidate);
    if (text !== undefined) return assignment.exec(text)?.[2];
  }
  return undefined;
}
