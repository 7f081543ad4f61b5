/**
 * The folders a run may read from and copy into the Nix store: the project's
 * root (the lockfile's folder, or the folder of the lock2nix.yaml that names
 * it) and any `--allow-path`. A lock is input from a pull request as much as
 * from its owner: `-r /proc/self/environ` or `{ path = "/etc/passwd" }` must
 * neither be quoted in an error nor land in the world-readable store.
 */
import { realpathSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";

export interface PathScope {
  /** Absolute, symlinks resolved. */
  root: string;
  /** Further folders or files the user allowed, absolute, symlinks resolved. */
  allowed: string[];
}

/** The path with every symlink of its existing part resolved (a missing tail is kept as written). */
function real(path: string): string {
  const abs = resolve(path);
  try {
    return realpathSync(abs);
  } catch {
    const parent = dirname(abs);
    return parent === abs ? abs : resolve(real(parent), abs.slice(parent.length + (parent.endsWith(sep) ? 0 : 1)));
  }
}

export function pathScope(root: string, allowPaths: readonly string[] = []): PathScope {
  return { root: real(root), allowed: allowPaths.map(real) };
}

const within = (folder: string, path: string): boolean => {
  const rel = relative(folder, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
};

/** Whether `path` (after symlinks) lies inside the scope. */
export function inScope(scope: PathScope, path: string): boolean {
  const p = real(path);
  return within(scope.root, p) || scope.allowed.some((a) => within(a, p));
}

/** Why `path` may not be used: for messages; names the flag that allows it. */
export function outOfScopeReason(scope: PathScope, path: string): string {
  return `it is outside the project folder ${scope.root} (lock2nix reads and copies no file from outside it; \`--allow-path ${resolve(path)}\` allows it)`;
}
