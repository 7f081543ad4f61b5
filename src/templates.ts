import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "./package-root.js";

const texts = new Map<string, string>();

/** The text of a file in lock2nix's `templates/` folder, read once. */
export function template(name: string): string {
  let text = texts.get(name);
  if (text === undefined) texts.set(name, (text = readFileSync(join(packageRoot(), "templates", name), "utf8")));
  return text;
}
