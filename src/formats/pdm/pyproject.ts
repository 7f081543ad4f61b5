import { ParseError } from "../../errors.js";
import type { Dependency, PackageSource, RootProject } from "../../model.js";
import { DEFAULT_GROUP, PYPI_SIMPLE_URL } from "../../model.js";
import { normalizeName } from "../../pep/normalize.js";
import { Fields, isTable } from "../fields.js";
import { andMarkers, readPdmRequirement } from "./requirement.js";

/** A requirement line, or PEP 735's `{include-group = "…"}`. */
type GroupEntry = { line: string } | { include: string };

interface RawList {
  name: string;
  entries: GroupEntry[];
  owner: Fields;
}

/**
 * The root project from pyproject.toml as pdm reads it: PEP 621 `[project]`,
 * `[tool.pdm.dev-dependencies]` and PEP 735 `[dependency-groups]`. A
 * requirement on the project itself (`pdm[pytest]`) stands for those extras'
 * requirements. `locked` (normalized names) limits the groups and extras to
 * those the lock was made for.
 */
export function readPdmRoot(
  doc: Record<string, unknown>,
  file: string,
  locked: ReadonlySet<string> | undefined,
  warnings: string[],
): RootProject {
  const top = new Fields(doc, "pyproject.toml", { file });
  const project = top.sub("project", "[project]");
  const root: RootProject = { groups: { [DEFAULT_GROUP]: [] }, extras: {} };
  const name = project?.optString("name");
  if (name) root.name = name;
  const self = name !== undefined ? normalizeName(name) : undefined;
  const requiresPython = project?.optString("requires-python");
  if (requiresPython) root.requiresPython = [requiresPython];
  const isLocked = (n: string) => locked === undefined || locked.has(normalizeName(n));

  const extras = new Map<string, RawList>();
  const optional = project?.sub("optional-dependencies", "[project.optional-dependencies]");
  for (const extra of Object.keys(project?.optTable("optional-dependencies") ?? {}).sort()) {
    const lines = (optional as Fields).optStringArray(extra) ?? [];
    extras.set(normalizeName(extra), { name: extra, entries: lines.map((line) => ({ line })), owner: optional as Fields });
  }

  const groups = new Map<string, RawList>();
  const addGroup = (group: string, entries: GroupEntry[], owner: Fields) => {
    const key = normalizeName(group);
    const known = groups.get(key);
    if (known) known.entries.push(...entries);
    else groups.set(key, { name: group, entries, owner });
  };
  const dev = top.sub("tool", "[tool]")?.sub("pdm", "[tool.pdm]")?.sub("dev-dependencies", "[tool.pdm.dev-dependencies]");
  const devTable = top.sub("tool", "[tool]")?.sub("pdm", "[tool.pdm]")?.optTable("dev-dependencies") ?? {};
  for (const group of Object.keys(devTable).sort()) {
    addGroup(group, ((dev as Fields).optStringArray(group) ?? []).map((line) => ({ line })), dev as Fields);
  }
  const pep735 = top.sub("dependency-groups", "[dependency-groups]");
  for (const group of Object.keys(top.optTable("dependency-groups") ?? {}).sort()) {
    const entries = ((pep735 as Fields).optArray(group) ?? []).map((e): GroupEntry => {
      if (typeof e === "string") return { line: e };
      if (isTable(e) && typeof e["include-group"] === "string" && Object.keys(e).length === 1) return { include: e["include-group"] };
      throw new ParseError(
        `[dependency-groups] ${group}: each entry must be a requirement string or {include-group = "<group>"}, found ${JSON.stringify(e)}`,
        { file },
      );
    });
    addGroup(group, entries, pep735 as Fields);
  }

  const skipped = new Set<string>();
  const expand = (list: RawList, kind: "extra" | "group", stack: string[]): Dependency[] => {
    const here = `${kind} ${list.name}`;
    if (stack.includes(here)) {
      throw new ParseError(`pyproject.toml: ${[...stack, here].join(" includes ")}: a group or extra cannot include itself`, { file });
    }
    const inner = [...stack, here];
    return list.entries.flatMap((entry) => {
      if ("include" in entry) {
        const included = groups.get(normalizeName(entry.include));
        if (!included) {
          throw new ParseError(`[dependency-groups] ${list.name} includes group \`${entry.include}\`, which is not defined`, { file });
        }
        return expand(included, "group", inner);
      }
      const dep = readPdmRequirement(entry.line, new Fields({}, `${list.owner.where} ${list.name}`, { file }));
      if (dep.name !== self) return [dep];
      if (dep.extras.length === 0) {
        warnings.push(`${here} requires the project itself (${entry.line}); lock2nix builds the project's dependencies, not the project`);
      }
      return dep.extras.flatMap((extra) => {
        const target = extras.get(extra);
        if (!target || !isLocked(extra)) {
          skipped.add(`${here} asks for the project's extra \`${extra}\`, which ${target ? "the lock was not made for" : "is not defined"}`);
          return [];
        }
        return expand(target, "extra", inner).map((d) => {
          const marker = andMarkers(dep.marker, d.marker);
          return { ...d, ...(marker !== undefined ? { marker } : {}) };
        });
      });
    });
  };

  const mainLines = (project?.optStringArray("dependencies") ?? []).map((line) => ({ line }));
  const projectFields = project ?? new Fields({}, "[project]", { file });
  root.groups[DEFAULT_GROUP] = expand({ name: "dependencies", entries: mainLines, owner: projectFields }, "group", []);
  for (const [key, list] of [...extras].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (isLocked(key)) root.extras[key] = expand(list, "extra", []);
    else warnings.push(`extra \`${list.name}\` is not in the lock's [metadata] groups (it was not locked); it is left out`);
  }
  for (const [key, list] of [...groups].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const group = key === "default" ? DEFAULT_GROUP : list.name;
    if (!isLocked(key)) {
      warnings.push(`dependency group \`${list.name}\` is not in the lock's [metadata] groups (it was not locked); it is left out`);
      continue;
    }
    (root.groups[group] ??= []).push(...expand(list, "group", []));
  }
  warnings.push(...[...skipped].sort());
  return root;
}

interface PdmSource {
  name: string;
  url: string;
  include: RegExp[];
}

function glob(pattern: string): RegExp {
  const body = pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*");
  return new RegExp(`^${body}$`, "i");
}

/**
 * Which index each package comes from, from `[[tool.pdm.source]]`. pdm.lock
 * names no index per package: a source whose `include_packages` matches
 * decides, else PyPI (or the source named `pypi`, which replaces it).
 */
export function pdmIndexes(doc: Record<string, unknown> | undefined, file: string, warnings: string[]): (name: string) => PackageSource {
  const top = new Fields(doc ?? {}, "pyproject.toml", { file });
  const raw = top.sub("tool", "[tool]")?.sub("pdm", "[tool.pdm]")?.optArray("source") ?? [];
  const sources: PdmSource[] = [];
  for (const entry of raw) {
    if (!isTable(entry)) throw new ParseError("[[tool.pdm.source]] must be a table", { file });
    const f = new Fields(entry, "[[tool.pdm.source]]", { file });
    if ((f.optString("type") ?? "index") !== "index") continue;
    sources.push({ name: f.string("name"), url: f.string("url"), include: (f.optStringArray("include_packages") ?? []).map(glob) });
  }
  const pypi = sources.find((s) => s.name === "pypi");
  const others = sources.filter((s) => s !== pypi && s.include.length === 0);
  if (others.length > 0) {
    warnings.push(
      `pyproject.toml lists package indexes besides PyPI (${others.map((s) => s.name).join(", ")}); pdm.lock does not record which index each file came from, so lock2nix takes ${pypi ? pypi.url : "PyPI"} (the sha256 from the lock pins the content)`,
    );
  }
  const main: PackageSource = pypi ? { kind: "index", url: pypi.url, name: "pypi" } : { kind: "index", url: PYPI_SIMPLE_URL };
  return (name) => {
    const chosen = sources.find((s) => s.include.some((re) => re.test(name)));
    return chosen ? { kind: "index", url: chosen.url, name: chosen.name } : main;
  };
}
