/**
 * A local source tree (the root project, a workspace member, a path or
 * editable dependency): its pyproject.toml on disk says how it builds and,
 * where the tree states it, its version, so neither is guessed.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ParseError } from "../errors.js";
import { parseToml, type TomlTable } from "../formats/toml.js";

export interface LocalTreeFacts {
  /** `[build-system] requires`; absent when the tree has no pyproject.toml (then setuptools, as PEP 517 says). */
  buildRequires?: string[];
  hasPyproject: boolean;
  /** The version the tree states: `[project] version`, `[tool.poetry] version`, or the file a version plugin reads. */
  version?: string;
  /** For a version computed from git (which the sandbox has not): the variable that tells the plugin which version to use. */
  versionEnv?: string;
}

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

/** Reads `dir`'s pyproject.toml; throws ParseError naming the file when it is not valid TOML. */
export function readLocalTree(dir: string): LocalTreeFacts {
  const file = join(dir, "pyproject.toml");
  if (!existsSync(file)) return { hasPyproject: false };
  const doc = parseToml(readFileSync(file, "utf8"), file);
  const facts: LocalTreeFacts = { hasPyproject: true };
  const requires = table(doc["build-system"])?.["requires"];
  if (Array.isArray(requires)) {
    if (!requires.every((r) => typeof r === "string")) throw new ParseError("[build-system] requires: expected a list of strings", { file });
    facts.buildRequires = requires;
  }
  const project = table(doc["project"]);
  const tool = table(doc["tool"]);
  const dynamic = Array.isArray(project?.["dynamic"]) && (project["dynamic"] as unknown[]).includes("version");
  const version = string(project?.["version"]) ?? (dynamic ? undefined : string(table(tool?.["poetry"])?.["version"])) ?? versionFromFile(dir, tool);
  if (version !== undefined) facts.version = version;
  else if (dynamic || project === undefined) {
    const names = (facts.buildRequires ?? []).map((r) => r.toLowerCase().replace(/[-_.]+/g, "-"));
    const plugin = VERSION_ENV.find(([p]) => names.some((n) => n === p || n.startsWith(`${p}[`) || new RegExp(`^${p}\\s*[<>=!~;]`).test(n)));
    if (plugin) facts.versionEnv = plugin[1];
  }
  return facts;
}

/** The version in the file `[tool.hatch.version] path` or `[tool.pdm.version] path` names. */
function versionFromFile(dir: string, tool: TomlTable | undefined): string | undefined {
  const hatch = table(table(tool?.["hatch"])?.["version"]);
  const pdm = table(table(tool?.["pdm"])?.["version"]);
  const path = string(hatch?.["path"]) ?? (string(pdm?.["source"]) === "file" ? string(pdm?.["path"]) : undefined);
  if (path === undefined || path.includes("..")) return undefined;
  const full = join(dir, path);
  if (!existsSync(full)) return undefined;
  return VERSION_IN_FILE.exec(readFileSync(full, "utf8"))?.[2];
}
