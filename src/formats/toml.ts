import { parse, TomlError } from "smol-toml";
import { ParseError } from "../errors.js";

export type TomlTable = Record<string, unknown>;

/**
 * Parses TOML, turning the parser's error into a ParseError with line and column.
 * smol-toml replaced @iarna/toml here: it parses the corpus' largest lock
 * (uv-pydantic-ai, 1.5 MB) several times faster (see README, Benchmark).
 */
export function parseToml(text: string, file: string): TomlTable {
  try {
    return parse(text) as TomlTable;
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    // The message ends with a code excerpt; the first line says what went wrong.
    const headline = (err.message.split("\n")[0] ?? "invalid TOML").replace(/^Invalid TOML document: /, "");
    throw new ParseError(`not valid TOML: ${headline}`, { file, line: err.line, column: err.column });
  }
}
