import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;

/**
 * lock2nix's own folder (where its package.json, templates/ and overrides/
 * are), found by walking up from this module: the same from src/, dist/ and
 * the bundled dist/lock2nix.cjs.
 */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "lock2nix") return (root = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find lock2nix's own folder (its package.json) above " + fileURLToPath(import.meta.url));
    dir = parent;
  }
}
