import type { FormatId, Lock } from "../model.js";

/** What a reader is given: the lockfile's text and a way to read files beside it. */
export interface LockInput {
  text: string;
  /** The lockfile's path, as the user gave it; used in messages. */
  path: string;
  /** Text of a file in the lockfile's folder, or undefined when there is none. */
  readSibling(name: string): string | undefined;
  siblingPath(name: string): string;
}

export interface LockFormat {
  id: FormatId;
  /** File names this format is detected by, most specific first. */
  fileNames: readonly string[];
  read(input: LockInput): Lock;
}
