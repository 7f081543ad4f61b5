import { mapBuildRequires } from "../inspect/build-requires.js";
import { readLocalTree, type LocalTreeFacts } from "../inspect/local-tree.js";
import type { SdistFacts, SdistFactsLookup } from "../overrides/index.js";
import type { PackageBuild } from "./index.js";
import type { NixSystem } from "./target.js";

/**
 * Reads the pyproject.toml of every local tree the resolution builds (the
 * root project, workspace members, path, directory and editable entries):
 * its build requirements and version come from disk, online or offline, and
 * whatever --no-inspect says (reading a file on disk runs no one's code).
 */
export function readLocalTrees(
  packages: ReadonlyMap<string, ReadonlyMap<NixSystem, PackageBuild>>,
  warnings: string[],
  readTree: (dir: string) => LocalTreeFacts = readLocalTree,
): SdistFactsLookup {
  const facts = new Map<string, SdistFacts>();
  const unknown = new Set<string>();
  for (const [name, builds] of packages) {
    for (const b of builds.values()) {
      const key = `${name} ${b.version}`;
      if (b.source.kind !== "path" || b.source.format !== "directory" || facts.has(key)) continue;
      const tree = readTree(b.source.path);
      const mapped = tree.hasPyproject && tree.buildRequires ? mapBuildRequires(tree.buildRequires) : undefined;
      for (const u of mapped?.unknown ?? []) unknown.add(`${name} (${u})`);
      facts.set(key, {
        from: "local",
        buildRequires: mapped ? mapped.attrs : ["setuptools"],
        ...(mapped && mapped.hooks.length > 0 ? { buildHooks: mapped.hooks } : {}),
        ...(mapped && mapped.pinned.length > 0 ? { relaxBuildPins: true } : {}),
        ...(tree.version !== undefined ? { version: tree.version } : {}),
        ...(tree.versionEnv !== undefined ? { versionEnv: tree.versionEnv } : {}),
        ...(tree.versionPlugin !== undefined ? { versionPlugin: tree.versionPlugin } : {}),
        nativeSources: false,
      });
    }
  }
  if (unknown.size > 0) {
    warnings.push(`build requirements of local trees with no nixpkgs attribute known to lock2nix (add them with --overrides): ${[...unknown].sort().join(", ")}`);
  }
  return (name, version) => facts.get(`${name} ${version}`);
}
