/**
 * Git crates in a Cargo.lock: the ones nixpkgs' `rustPlatform.importCargoLock`
 * cannot check against a checksum, so it wants their hashes in `outputHashes`.
 */
import { ParseError } from "../errors.js";
import { parseToml } from "../formats/toml.js";

export interface CargoGitCrate {
  name: string;
  version: string;
  /** The repository, without `git+`, query or fragment: what importCargoLock gives fetchgit. */
  url: string;
  /** The commit, from the source's `#` fragment: always present in a lock. */
  rev: string;
  /** The reference the manifest asked for, as in the source's query: `branch=main`, `tag=v1`, `rev=abc`. */
  reference?: string;
}

/**
 * importCargoLock's parser of a git source, the same pattern it matches with:
 * `git+<url>[?(rev|tag|branch)=<value>]#<commit>`.
 */
const GIT_SOURCE = /^git\+([^?]+)(?:\?((?:rev|tag|branch)=.*))?#(.*)$/s;

/** The `[[package]]` entries of a Cargo.lock whose `source` is a git repository, in lock order. */
export function cargoGitCrates(cargoLock: string, file = "Cargo.lock"): CargoGitCrate[] {
  const lock = parseToml(cargoLock, file);
  const packages = lock["package"];
  if (packages === undefined) return [];
  if (!Array.isArray(packages)) throw new ParseError("`package` is not an array of tables", { file });
  const crates: CargoGitCrate[] = [];
  for (const pkg of packages as Array<Record<string, unknown>>) {
    const { name, version, source } = pkg;
    if (typeof source !== "string" || !source.startsWith("git+")) continue;
    if (typeof name !== "string" || typeof version !== "string") {
      throw new ParseError(`a git package has no name or version (source ${source})`, { file });
    }
    const match = GIT_SOURCE.exec(source);
    if (!match || !match[3]) {
      throw new ParseError(`package ${name} ${version}: importCargoLock cannot read git source ${JSON.stringify(source)}`, {
        file,
      });
    }
    const crate: CargoGitCrate = { name, version, url: match[1]!, rev: match[3] };
    if (match[2]) crate.reference = match[2];
    crates.push(crate);
  }
  return crates;
}

/** The key importCargoLock's `outputHashes` expects for a crate. */
export function outputHashKey(crate: Pick<CargoGitCrate, "name" | "version">): string {
  return `${crate.name}-${crate.version}`;
}

/**
 * The distinct checkouts behind the git crates, with the outputHashes keys
 * that name each: importCargoLock maps every key to its commit, so one hash
 * per commit is enough (a workspace repository provides several crates), and
 * the hash is that of `fetchgit { url; rev; }` (submodules fetched, no .git).
 */
export function gitCrateSources(crates: CargoGitCrate[]): Array<{ url: string; rev: string; keys: string[] }> {
  const byCommit = new Map<string, { url: string; rev: string; keys: string[] }>();
  for (const crate of crates) {
    const id = `${crate.url}#${crate.rev}`;
    const source = byCommit.get(id) ?? { url: crate.url, rev: crate.rev, keys: [] };
    source.keys.push(outputHashKey(crate));
    byCommit.set(id, source);
  }
  return [...byCommit.values()];
}
