/**
 * Where lock2nix may write: never over one of its inputs. `-o uv.lock` or a
 * config project with `output: pyproject.toml` would replace the lockfile or
 * manifest with Nix: data loss, and refused before anything is read or written.
 */
import { mkdirSync, statSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { Lock2nixError, UsageError } from "./errors.js";
import { writeFileAtomic } from "./fs.js";
import { inScope, pathScope } from "./scope.js";

/** File names that are lockfiles or project manifests, wherever they are. */
const INPUT_NAMES =
  /^(?:poetry\.lock|uv\.lock|pdm\.lock|Pipfile|Pipfile\.lock|pylock(?:\.[^.]+)?\.toml|pyproject\.toml|setup\.py|setup\.cfg|requirements(?:[-_.][^/]*)?\.(?:txt|in)|constraints(?:[-_.][^/]*)?\.txt|lock2nix\.ya?ml)$/i;

/**
 * Refuses `output` (named by `flag` in the message) when it is one of
 * `inputs` (after symlinks) or has the name of a lockfile or manifest.
 */
export function refuseInputAsOutput(output: string, flag: string, inputs: readonly string[]): void {
  const name = basename(output);
  const same = inputs.find((input) => inScope(pathScope(input), output));
  if (same !== undefined || INPUT_NAMES.test(name)) {
    throw new UsageError(
      `${flag} ${output}: refusing to write over ${same !== undefined ? `${same}, an input of this run` : `a ${/lock|pylock/i.test(name) ? "lockfile" : "project file"} (${name})`}; choose another output file`,
    );
  }
  let stat;
  try {
    stat = statSync(output);
  } catch {
    return;
  }
  if (stat.isDirectory()) throw new UsageError(`${flag} ${output}: is a folder; give a file name`);
}

/** Writes an output file atomically, making its folder; a failure names the file. */
export function writeOutput(path: string, text: string | Buffer): void {
  try {
    mkdirSync(dirname(resolve(path)), { recursive: true });
    writeFileAtomic(path, text);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === "EISDIR" ? "is a folder" : code === "EACCES" || code === "EPERM" ? "permission denied" : code === "ENOTDIR" || code === "EEXIST" ? "a part of the path is not a folder" : (code ?? (err as Error).message);
    throw new Lock2nixError(`cannot write ${path}: ${reason}`);
  }
}
