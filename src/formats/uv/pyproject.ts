/**
 * What the workspace root's pyproject.toml `[tool.uv]` says that uv.lock does
 * not record: `conflicts` (older uv wrote them only here) and the
 * build/binary policy (`no-build`, `no-build-package`, `no-binary`,
 * `no-binary-package`), which `uv sync` applies when installing.
 */
import { ParseError } from "../../errors.js";
import { normalizeExtra, normalizeName } from "../../pep/normalize.js";
import { Fields, isTable } from "../fields.js";
import { parseToml } from "../toml.js";
import type { LockInput } from "../types.js";

export interface UvToolOptions {
  /** Sets of the project's own extras and groups that uv installs only apart. */
  conflicts: Array<Array<{ kind: "extra" | "group"; name: string }>>;
  /** Packages that may only use wheels; `true`: all of them. */
  noBuild: true | Set<string>;
  /** Packages that may only be built from source; `true`: all of them. */
  noBinary: true | Set<string>;
}

function readConflicts(tool: Fields, pyprojectPath: string): UvToolOptions["conflicts"] {
  const raw = tool.optArray("conflicts") ?? [];
  const fail = (): never => {
    throw new ParseError(
      "[tool.uv] `conflicts` must be an array of arrays of tables {extra = \"…\"} or {group = \"…\"}",
      { file: pyprojectPath },
    );
  };
  return raw.map((set) => {
    if (!Array.isArray(set)) return fail();
    return (set as unknown[]).map((item): { kind: "extra" | "group"; name: string } => {
      if (!isTable(item)) return fail();
      if (typeof item["extra"] === "string") return { kind: "extra", name: normalizeExtra(item["extra"]) };
      if (typeof item["group"] === "string") return { kind: "group", name: normalizeName(item["group"]) };
      return fail();
    });
  });
}

function readPolicy(tool: Fields, all: string, perPackage: string): true | Set<string> {
  if (tool.optBoolean(all) === true) return true;
  return new Set((tool.optStringArray(perPackage) ?? []).map(normalizeName));
}

/** The `[tool.uv]` options of the pyproject.toml beside the lock; none when there is no such file. */
export function readUvToolOptions(input: LockInput): UvToolOptions {
  const text = input.readSibling("pyproject.toml");
  const none: UvToolOptions = { conflicts: [], noBuild: new Set(), noBinary: new Set() };
  if (text === undefined) return none;
  const pyprojectPath = input.siblingPath("pyproject.toml");
  const top = new Fields(parseToml(text, pyprojectPath), "pyproject.toml", { file: pyprojectPath });
  const tool = top.sub("tool", "[tool]")?.sub("uv", "[tool.uv]");
  if (!tool) return none;
  return {
    conflicts: readConflicts(tool, pyprojectPath),
    noBuild: readPolicy(tool, "no-build", "no-build-package"),
    noBinary: readPolicy(tool, "no-binary", "no-binary-package"),
  };
}

export const applies = (policy: true | Set<string>, name: string): boolean => policy === true || policy.has(name);
