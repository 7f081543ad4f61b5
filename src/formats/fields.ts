import { ParseError, type SourceLocation } from "../errors.js";

/**
 * Typed access to fields of parsed TOML/JSON. Strict: a field of the wrong
 * type is an error naming where it sits and what was expected, never a
 * silently dropped entry.
 */
export class Fields {
  constructor(
    private readonly table: Record<string, unknown>,
    /** Where the table sits, e.g. `[[package]] "requests"`; used in messages. */
    readonly where: string,
    readonly location: SourceLocation,
  ) {}

  private fail(key: string, expected: string, got: unknown): never {
    const shown = got === undefined ? "nothing" : `${describe(got)}`;
    throw new ParseError(`${this.where}: \`${key}\` must be ${expected}, found ${shown}`, this.location);
  }

  has(key: string): boolean {
    return this.table[key] !== undefined;
  }

  raw(key: string): unknown {
    return this.table[key];
  }

  string(key: string): string {
    const v = this.table[key];
    return typeof v === "string" ? v : this.fail(key, "a string", v);
  }

  optString(key: string): string | undefined {
    const v = this.table[key];
    return v === undefined ? undefined : this.string(key);
  }

  optBoolean(key: string): boolean | undefined {
    const v = this.table[key];
    if (v === undefined) return undefined;
    return typeof v === "boolean" ? v : this.fail(key, "true or false", v);
  }

  optTable(key: string): Record<string, unknown> | undefined {
    const v = this.table[key];
    if (v === undefined) return undefined;
    return isTable(v) ? v : this.fail(key, "a table", v);
  }

  optArray(key: string): unknown[] | undefined {
    const v = this.table[key];
    if (v === undefined) return undefined;
    return Array.isArray(v) ? v : this.fail(key, "an array", v);
  }

  optStringArray(key: string): string[] | undefined {
    const v = this.optArray(key);
    if (v === undefined) return undefined;
    return v.every((x) => typeof x === "string") ? (v as string[]) : this.fail(key, "an array of strings", v);
  }

  sub(key: string, where: string): Fields | undefined {
    const t = this.optTable(key);
    return t && new Fields(t, where, this.location);
  }
}

export function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return "an array";
  if (isTable(v)) return "a table";
  return `${typeof v} ${JSON.stringify(v)}`;
}
