import { createHash } from "node:crypto";
import { LockError, ParseError } from "../../errors.js";
import type { Lock, LockedPackage } from "../../model.js";
import { comparePackages } from "../../model.js";
import { markerToString } from "../../pep/markers.js";
import { normalizeName } from "../../pep/normalize.js";
import { Fields } from "../fields.js";
import { parseToml } from "../toml.js";
import type { LockInput } from "../types.js";
import { ConflictAssignment, readMarkerNode } from "./markers.js";
import { applies, readUvToolOptions, type UvToolOptions } from "./pyproject.js";
import { readUvDependency, readUvPackage, type UvDependency } from "./package.js";
import { Converter, readWorkspace, type ManifestRequirements } from "./workspace.js";

/** The lock format version this reader understands, and the newest revision of it. */
const LOCK_VERSION = 1;
const MAX_REVISION = 3;
const SUPPORTED = `lock2nix reads uv.lock version ${LOCK_VERSION}, revisions 1 to ${MAX_REVISION} (and older files without one)`;

/** Line numbers (1-based) of each `[[package]]` header, in order, for error messages. */
function headerLines(text: string, header: string): number[] {
  const lines: number[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === header) lines.push(i + 1);
  });
  return lines;
}

function readInteger(top: Fields, key: string): number | undefined {
  const v = top.raw(key);
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new ParseError(`${top.where}: \`${key}\` must be an integer, found ${typeof v} ${JSON.stringify(v)}`, top.location);
  }
  return v;
}

function readManifest(top: Fields): { members: string[]; requirements: ManifestRequirements } {
  const manifest = top.sub("manifest", "[manifest]");
  const members = manifest?.optStringArray("members") ?? [];
  const main = (manifest?.optArray("requirements") ?? []).map((e) => readUvDependency(e, "requirements", manifest as Fields));
  const groups: Record<string, UvDependency[]> = {};
  const groupTable = manifest?.sub("dependency-groups", "[manifest.dependency-groups]");
  for (const group of Object.keys(manifest?.optTable("dependency-groups") ?? {}).sort()) {
    const entries = (groupTable as Fields).optArray(group) ?? [];
    (groups[normalizeName(group)] ??= []).push(...entries.map((e) => readUvDependency(e, group, groupTable as Fields)));
  }
  return { members, requirements: { main, groups } };
}

/** `[tool.uv] no-build` / `no-binary`: the files `uv sync` may use, for packages from an index or URL. */
function applyBuildPolicy(packages: LockedPackage[], tool: UvToolOptions, path: string): void {
  for (const pkg of packages) {
    const kind = pkg.source?.kind ?? "index";
    if (kind !== "index" && kind !== "url" && kind !== "file") continue;
    const noBuild = applies(tool.noBuild, pkg.name);
    const noBinary = applies(tool.noBinary, pkg.name);
    if (noBuild && noBinary) {
      throw new LockError(
        `${pkg.name} ${pkg.version}: pyproject.toml's [tool.uv] forbids both building it (no-build) and using its wheels (no-binary), so no file of it may be installed, as uv would also refuse`,
        { file: path, package: pkg.name },
      );
    }
    if (noBuild) pkg.only = "wheel";
    else if (noBinary) pkg.only = "sdist";
  }
}

/** Reads `uv.lock` (uv 0.3 and later: lock version 1, revisions up to 3). */
export function readUvLock(input: LockInput): Lock {
  const { text, path } = input;
  const doc = parseToml(text, path);
  const top = new Fields(doc, "top level", { file: path });
  const version = readInteger(top, "version");
  if (version !== LOCK_VERSION) {
    throw new ParseError(`unsupported uv.lock version ${version ?? "(none)"}: ${SUPPORTED}`, { file: path });
  }
  const revision = readInteger(top, "revision");
  if (revision !== undefined && (revision < 0 || revision > MAX_REVISION)) {
    throw new ParseError(`unsupported uv.lock revision ${revision}: ${SUPPORTED}`, { file: path });
  }
  const warnings: string[] = [];
  const assignment = new ConflictAssignment(top.raw("conflicts"), top);

  // uv 0.2 called the entries `[[distribution]]`.
  const header = top.has("package") || !top.has("distribution") ? "[[package]]" : "[[distribution]]";
  const lines = headerLines(text, header);
  const raws = top.optArray(header === "[[package]]" ? "package" : "distribution") ?? [];
  const uvPackages = raws.map((raw, i) =>
    readUvPackage(raw, i, { file: path, ...(lines[i] !== undefined ? { line: lines[i] } : {}) }, header),
  );
  const lockForks = new Set((top.optStringArray("resolution-markers") ?? []).map((m) => markerToString(readMarkerNode(m, top))));
  const { members, requirements } = readManifest(top);

  const converter = new Converter(uvPackages, assignment);
  const workspace = readWorkspace(uvPackages, members, requirements, converter, top);
  const rootPackage = workspace.rootPackage;

  const packages: LockedPackage[] = [];
  for (const pkg of uvPackages) {
    if (pkg.source.kind === "virtual" || pkg === rootPackage) continue;
    const marker = converter.packageMarker(pkg, lockForks);
    packages.push({ ...converter.locked(pkg), ...(marker ? { marker } : {}) });
    if (pkg.droppedWheels > 0) {
      warnings.push(`${pkg.name} ${pkg.version ?? ""} comes from a local registry: it is built from its sdist, and its ${pkg.droppedWheels} wheel(s) are not used`);
    }
  }
  // The project itself is installed as the root's groups, and built only when something depends on
  // it: a workspace member, or one of its own groups (`dev = ["app[test]"]`).
  if (rootPackage && rootPackage.source.kind !== "virtual") {
    const edges = [
      ...packages.flatMap((p) => [...p.dependencies, ...Object.values(p.extras).flat()]),
      ...Object.values(workspace.root.groups).flat(),
      ...Object.values(workspace.root.extras).flat(),
    ];
    if (edges.some((d) => d.name === rootPackage.name)) packages.push(converter.locked(rootPackage));
  }

  const environments = top.optStringArray("supported-markers") ?? [];
  if (environments.length > 0) {
    warnings.push(
      `uv.lock was resolved only for the environments ${environments.map((m) => markerToString(readMarkerNode(m, top))).join(" or ")}: targets outside them may lack packages`,
    );
  }
  if (assignment.assumedActive.size + assignment.assumedInactive.size > 0) {
    const active = [...assignment.assumedActive].sort();
    const inactive = [...assignment.assumedInactive].sort();
    warnings.push(
      `uv.lock declares extras and groups that cannot be installed together (${assignment.sets.join("; ") || "conflicts"}); ` +
        `lock2nix does not support conflicting extras/groups together and reads the lock as if ` +
        [active.length > 0 ? `${active.join(", ")} were installed` : "", inactive.length > 0 ? `${inactive.join(", ")} were not` : ""]
          .filter((s) => s !== "")
          .join(" and "),
    );
  }

  const requiresPython = top.optString("requires-python");
  if (requiresPython) workspace.root.requiresPython = [requiresPython];
  const tool = readUvToolOptions(input);
  applyBuildPolicy(packages, tool, path);
  const rootName = workspace.root.name === undefined ? undefined : normalizeName(workspace.root.name);
  const conflicts = [
    ...assignment.declared.map((set) =>
      set.flatMap((i) => (i.package === rootName && i.kind !== "project" ? [{ kind: i.kind, name: i.name as string }] : [])),
    ),
    ...tool.conflicts,
  ].filter((set) => set.length > 1);
  // uv writes the pyproject's sets into the lock too: keep each once.
  const unique = [...new Map(conflicts.map((set) => [JSON.stringify(set.map((i) => `${i.kind}:${i.name}`).sort()), set])).values()];
  if (unique.length > 0) workspace.root.conflicts = unique;
  packages.sort(comparePackages);
  return {
    format: "uv",
    file: path,
    sha256: createHash("sha256").update(text).digest("hex"),
    lockVersion: revision !== undefined ? `${version}, revision ${revision}` : `${version}`,
    root: workspace.root,
    packages,
    warnings: [...workspace.warnings, ...warnings],
  };
}


