import { randomBytes } from "node:crypto";
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { emitNix } from "./emit/index.js";
import { readLock } from "./formats/index.js";
import type { FormatId, Lock } from "./model.js";
import { resolveLock, type Resolution } from "./resolve/index.js";
import type { NixSystem } from "./resolve/target.js";

export interface GenerateOptions {
  /** A lockfile, or a folder holding one. */
  path: string;
  /** Where the Nix file will be written; local paths in it are relative to its folder. Default: the current folder. */
  output?: string;
  format?: FormatId;
  python?: string;
  systems?: NixSystem[];
  groups?: string[];
  extras?: string[];
  preferWheels?: boolean;
  /** Never touch the network. Every run is offline until the index client lands. */
  offline?: boolean;
}

export interface GenerateResult {
  nix: string;
  lock: Lock;
  resolution: Resolution;
  warnings: string[];
}

/** Reads a lock, resolves it for the targets and renders the Nix file's text. */
export function generate(options: GenerateOptions): GenerateResult {
  const lock = readLock(options.path, options.format);
  const resolution = resolveLock(lock, {
    ...(options.python ? { python: options.python } : {}),
    ...(options.systems ? { systems: options.systems } : {}),
    ...(options.groups ? { groups: options.groups } : {}),
    ...(options.extras ? { extras: options.extras } : {}),
    preferWheels: options.preferWheels ?? false,
  });
  const outputDir = options.output ? dirname(resolve(options.output)) : process.cwd();
  const nix = emitNix(lock, resolution, {
    outputDir,
    recordedOptions: {
      python: resolution.python,
      systems: resolution.systems.join(" "),
      groups: [...resolution.groups.keys()].sort().join(" "),
      extras: [...(options.extras ?? [])].sort().join(" ") || "none",
      artifacts: options.preferWheels ? "prefer-wheels" : "prefer-sdists",
    },
  });
  const guessed = new Set<string>();
  for (const [name, builds] of resolution.packages) {
    for (const b of builds.values()) {
      if (b.source.kind === "artifact" && b.source.artifact.urlGuessed) guessed.add(name);
    }
  }
  const warnings = [...resolution.warnings];
  if (guessed.size > 0) {
    warnings.push(
      `${guessed.size} package(s) come from an index whose file URLs only it knows; using PyPI's URLs for them (the sha256 from the lock pins the content whichever host serves it): ${[...guessed].sort().join(", ")}`,
    );
  }
  return { nix, lock, resolution, warnings };
}

/** Writes `text` to `path` through a temporary file and a rename, so a failure leaves no partial file. */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
