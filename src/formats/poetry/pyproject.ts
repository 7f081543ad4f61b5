import type { Dependency, RootProject } from "../../model.js";
import { DEFAULT_GROUP } from "../../model.js";
import { normalizeExtra, normalizeName } from "../../pep/normalize.js";
import { Fields, isTable } from "../fields.js";
import { clauseToSpecifier, parsePoetryConstraint } from "./constraint.js";
import { readPoetryDependency, readRequirementString } from "./dependency.js";

function addAll(target: Record<string, Dependency[]>, group: string, deps: Dependency[]): void {
  (target[group] ??= []).push(...deps);
}

/**
 * The root project from pyproject.toml: Poetry 1's `[tool.poetry]` tables,
 * and PEP 621 `[project]` with PEP 735 `[dependency-groups]` as Poetry 2 writes them.
 */
export function readPoetryRoot(doc: Record<string, unknown>, file: string): RootProject {
  const top = new Fields(doc, "pyproject.toml", { file });
  const project = top.sub("project", "[project]");
  const poetry = top.sub("tool", "[tool]")?.sub("poetry", "[tool.poetry]");
  const root: RootProject = { groups: {}, extras: {} };

  const name = project?.optString("name") ?? poetry?.optString("name");
  if (name) root.name = name;

  if (project) {
    const requiresPython = project.optString("requires-python");
    if (requiresPython) root.requiresPython = [requiresPython];
    addAll(root.groups, DEFAULT_GROUP, (project.optStringArray("dependencies") ?? []).map((r) => readRequirementString(r, project)));
    const optional = project.sub("optional-dependencies", "[project.optional-dependencies]");
    const optTable = project.optTable("optional-dependencies") ?? {};
    for (const extra of Object.keys(optTable).sort()) {
      const reqs = optional?.optStringArray(extra) ?? [];
      root.extras[normalizeExtra(extra)] = reqs.map((r) => readRequirementString(r, optional as Fields));
    }
  }

  if (poetry) {
    const deps = poetry.sub("dependencies", "[tool.poetry.dependencies]");
    const optionalOnly = new Map<string, Dependency[]>();
    // Only edges from [project] are refined here; the tables of one name's list each stay.
    const fromProject = new Set((root.groups[DEFAULT_GROUP] ?? []).filter((d) => !d.source).map((d) => d.name));
    for (const [rawName, value] of Object.entries(poetry.optTable("dependencies") ?? {})) {
      if (rawName === "python") {
        const clauses = parsePoetryConstraint(String(value), "[tool.poetry.dependencies] python");
        if (!root.requiresPython && !clauses.some((c) => c.length === 0)) {
          root.requiresPython = clauses.map(clauseToSpecifier);
        }
        continue;
      }
      for (const { dependency, optional } of readPoetryDependency(rawName, value, deps as Fields)) {
        if (optional) optionalOnly.set(dependency.name, [...(optionalOnly.get(dependency.name) ?? []), dependency]);
        // Poetry 2 lists `[project] dependencies` and may refine them here; keep one edge per name.
        else if (dependency.source || !fromProject.has(dependency.name)) {
          addAll(root.groups, DEFAULT_GROUP, [dependency]);
        }
      }
    }
    const extras = poetry.sub("extras", "[tool.poetry.extras]");
    for (const extra of Object.keys(poetry.optTable("extras") ?? {}).sort()) {
      const names = extras?.optStringArray(extra) ?? [];
      root.extras[normalizeExtra(extra)] = names.flatMap(
        (n) => optionalOnly.get(normalizeName(n)) ?? [{ name: normalizeName(n), extras: [] }],
      );
    }
    const readGroup = (group: string, table: Record<string, unknown>, where: string) => {
      const f = new Fields(table, where, { file });
      for (const [rawName, value] of Object.entries(table)) {
        addAll(root.groups, group, readPoetryDependency(rawName, value, f).map((d) => d.dependency));
      }
    };
    const dev = poetry.optTable("dev-dependencies");
    if (dev) readGroup("dev", dev, "[tool.poetry.dev-dependencies]");
    const groups = poetry.optTable("group") ?? {};
    for (const group of Object.keys(groups).sort()) {
      const g = groups[group];
      const table = isTable(g) && isTable(g["dependencies"]) ? g["dependencies"] : {};
      readGroup(group, table, `[tool.poetry.group.${group}.dependencies]`);
    }
  }

  const depGroups = top.optTable("dependency-groups") ?? {};
  const pep735 = new Fields(depGroups, "[dependency-groups]", { file });
  for (const group of Object.keys(depGroups).sort()) {
    const entries = pep735.optArray(group) ?? [];
    // `{include-group = "x"}` entries are resolved by listing that group's requirements too.
    const reqs = entries.flatMap((e) =>
      typeof e === "string" ? [e] : isTable(e) && typeof e["include-group"] === "string" ? [] : [],
    );
    addAll(root.groups, group, reqs.map((r) => readRequirementString(r, pep735)));
  }
  return root;
}
