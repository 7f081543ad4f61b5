import TOML from "@iarna/toml";
import { ParseError } from "../errors.js";

export type TomlTable = Record<string, unknown>;

/** Parses TOML, turning the parser's error into a ParseError with line and column. */
export function parseToml(text: string, file: string): TomlTable {
  try {
    return TOML.parse(text) as TomlTable;
  } catch (err) {
    const e = err as { line?: number; col?: number; message?: string; fromTOML?: boolean };
    if (!e.fromTOML) throw err;
    // @iarna/toml counts lines and columns from 0 and appends a code excerpt.
    const headline = (e.message ?? "invalid TOML").split(" at row ")[0];
    throw new ParseError(`not valid TOML: ${headline}`, {
      file,
      line: (e.line ?? 0) + 1,
      column: (e.col ?? 0) + 1,
    });
  }
}
