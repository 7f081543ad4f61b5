/**
 * Every error lock2nix reports derives from Lock2nixError, so the CLI can
 * print it without a stack trace and exit 1. A location is attached where it
 * is known; the file path is filled in at the boundary that knows it.
 */
export interface SourceLocation {
  file?: string;
  line?: number;
  column?: number;
  /** The package the error is about, by its normalized name. */
  package?: string;
}

export class Lock2nixError extends Error {
  readonly location: SourceLocation;

  constructor(message: string, location: SourceLocation = {}) {
    super(message);
    this.name = new.target.name;
    this.location = location;
  }

  /** Returns a copy of this error with `file` set, keeping its other fields. */
  inFile(file: string): this {
    if (this.location.file) return this;
    const copy = Object.create(Object.getPrototypeOf(this)) as this;
    Object.assign(copy, this, { location: { ...this.location, file } });
    copy.message = this.message;
    copy.stack = this.stack;
    return copy;
  }

  /** `path:line:col: [package] message`, the way compilers print errors; printable and bounded (see printable). */
  format(): string {
    return printable(this.formatRaw());
  }

  private formatRaw(): string {
    const { line, column, package: pkg } = this.location;
    // A file name may hold a line break: it must not start a line of its own in a log.
    const file = this.location.file?.replace(/[\r\n]/g, (c) => (c === "\n" ? "\\u{a}" : "\\u{d}"));
    let where = file ?? "";
    if (file && line !== undefined) where += `:${line}`;
    if (file && line !== undefined && column !== undefined) where += `:${column}`;
    const subject = pkg ? `package ${pkg}: ` : "";
    return where ? `${where}: ${subject}${this.message}` : `${subject}${this.message}`;
  }
}

/** Input that does not follow its format's grammar or schema. */
export class ParseError extends Lock2nixError {}

/** Input that parses but asks for something lock2nix cannot do or must refuse. */
export class LockError extends Lock2nixError {}

/** Wrong command-line use: exit code 2. */
export class UsageError extends Lock2nixError {}

/** The longest line of a message: text quoted from an input is cut there. */
const MAX_LINE = 400;

/**
 * A message made safe for a terminal and a log: control characters (an
 * escape sequence from a lock could rewrite the screen) shown as `\u{…}`,
 * and each line cut to a bounded length, so quoting a line of an input never
 * prints a whole file.
 */
export function printable(text: string): string {
  return text
    .split("\n")
    .map((line) => {
      const clean = line.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\u{${c.codePointAt(0)?.toString(16)}}`);
      return clean.length > MAX_LINE ? `${clean.slice(0, MAX_LINE)}… (${clean.length - MAX_LINE} more characters)` : clean;
    })
    .join("\n");
}
