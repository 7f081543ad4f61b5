/**
 * Every marker, version, specifier and wheel file name in the shared real
 * lockfiles (../shared/corpus and ../shared/peers), read with a TOML parser
 * lock2nix does not use (@iarna/toml) and JSON.parse.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import TOML from "@iarna/toml";
import { SHARED } from "../helpers.js";

export const SHARED_ROOTS = [join(SHARED, "corpus"), join(SHARED, "peers")];

export interface CorpusStrings {
  markers: Set<string>;
  versions: Set<string>;
  specifiers: Set<string>;
  wheels: Set<string>;
  requirementFiles: string[];
}

function walkFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walkFiles(path, out);
    else out.push(path);
  }
  return out;
}

const MARKER_KEYS = new Set(["markers", "marker", "resolution-markers", "environments", "required-markers", "supported-markers"]);
const SPECIFIER_KEYS = new Set(["requires-python", "requires_python", "specifier"]);

function collect(value: unknown, key: string, into: CorpusStrings, pipfile: boolean): void {
  if (Array.isArray(value)) {
    for (const v of value) collect(v, key, into, pipfile);
    return;
  }
  if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) collect(v, k, into, pipfile);
    return;
  }
  if (typeof value !== "string") return;
  if (MARKER_KEYS.has(key)) into.markers.add(value);
  else if (SPECIFIER_KEYS.has(key)) into.specifiers.add(value);
  // Pipfile.lock writes `"version": "==1.2.3"`; the lock formats write the bare version.
  else if (key === "version") (pipfile ? into.specifiers : into.versions).add(value);
  const file = value.split("#")[0]!.split("?")[0]!;
  if (file.endsWith(".whl")) into.wheels.add(decodeURIComponent(basename(file)));
}

export function corpusStrings(): CorpusStrings {
  const into: CorpusStrings = { markers: new Set(), versions: new Set(), specifiers: new Set(), wheels: new Set(), requirementFiles: [] };
  for (const root of SHARED_ROOTS) {
    for (const file of walkFiles(root)) {
      const name = basename(file);
      if (name.endsWith(".lock") && name !== "Pipfile.lock") collect(TOML.parse(readFileSync(file, "utf8")), "", into, false);
      else if (/^pylock(\..+)?\.toml$/.test(name)) collect(TOML.parse(readFileSync(file, "utf8")), "", into, false);
      else if (name === "Pipfile.lock") collect(JSON.parse(readFileSync(file, "utf8")), "", into, true);
      else if (/\.(txt|in)$/.test(name) && !/^(SOURCE|README)/.test(name)) into.requirementFiles.push(file);
    }
  }
  return into;
}
