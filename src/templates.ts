import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let templatesDir: string | undefined;

/**
 * The repository's `templates/` folder, found by walking up from this
 * module, so it is the same from `src/`, from `dist/` and from a bundle.
 */
export function templatesFolder(): string {
  if (templatesDir) return templatesDir;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "templates", "package-set.nix"))) return (templatesDir = join(dir, "templates"));
    const parent = dirname(dir);
    if (parent === dir) throw new Error("lock2nix is installed without its templates/ folder");
    dir = parent;
  }
}

const texts = new Map<string, string>();

/** The text of a file in `templates/`, read once. */
export function template(name: string): string {
  let text = texts.get(name);
  if (text === undefined) texts.set(name, (text = readFileSync(join(templatesFolder(), name), "utf8")));
  return text;
}
