import { parse } from "smol-toml";
import type { FormatId } from "../model.js";

/**
 * `generate -`: the lock read from standard input. It goes by this name in
 * messages and the output's header; files beside it (pyproject.toml, `-r`
 * includes) are read from the current folder, as if the lock were there.
 */
export const STDIN_LOCK = "<stdin>";

let stdinBytes: Buffer | undefined;

/** Keeps what standard input held, for locateLock and readInput to find under STDIN_LOCK. */
export function provideStdinLock(bytes: Buffer): void {
  stdinBytes = bytes;
}

/** Standard input's bytes, when STDIN_LOCK is what is asked for and it was read. */
export function stdinLock(path: string): Buffer | undefined {
  return path === STDIN_LOCK ? stdinBytes : undefined;
}

/** A requirements line: a project name with extras, a pin, a marker or nothing; a URL or path; one of pip's options. */
const REQUIREMENT_LINE = /^(?:[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\])?\s*(?:$|===?|~=|!=|<=?|>=?|@|;|\\)|-[rcefi]\s|--[a-z-]+|(?:git|hg|svn|bzr)\+|https?:\/\/|\.{1,2}\/|file:)/;

/**
 * The lock format of a file known only by its content, from what each
 * format's writer always puts there; undefined when nothing tells.
 */
export function sniffFormat(text: string): FormatId | undefined {
  const start = text.trimStart();
  if (start.startsWith("{")) {
    try {
      const json = JSON.parse(start) as Record<string, unknown>;
      return json !== null && typeof json === "object" && "_meta" in json ? "pipenv" : undefined;
    } catch {
      return undefined;
    }
  }
  let toml: Record<string, unknown> | undefined;
  try {
    toml = parse(text) as Record<string, unknown>;
  } catch {
    toml = undefined;
  }
  if (toml) {
    const metadata = (toml["metadata"] ?? {}) as Record<string, unknown>;
    // pdm writes lock_version and content_hash; poetry content-hash (and lock-version since 1.1).
    if ("lock_version" in metadata) return "pdm";
    if ("content-hash" in metadata && Array.isArray(toml["package"])) return "poetry";
    // PEP 751: a top-level lock-version and created-by; uv: a numeric version and requires-python.
    if ("lock-version" in toml && ("created-by" in toml || "packages" in toml)) return "pylock";
    if (typeof toml["version"] === "number" && "requires-python" in toml) return "uv";
  }
  // Requirements: every line (of the first 50 that say something) reads as one.
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))
    .slice(0, 50);
  return lines.length > 0 && lines.every((l) => REQUIREMENT_LINE.test(l)) ? "requirements" : undefined;
}
