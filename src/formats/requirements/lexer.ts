/**
 * The lines of a pip requirements file as pip's `preprocess` sees them
 * (pip/_internal/req/req_file.py): physical lines joined at a trailing
 * backslash, comments removed, `${VAR}` expanded; then each line split
 * into its requirement part and its shell-quoted options. Every character
 * keeps the line and column it was written at, so errors can point at it.
 */
import { registerSecret } from "../../redact.js";

/** 1-based line and column in the file. */
export interface Position {
  line: number;
  column: number;
}

/** Text with the position of each character; `positions[text.length]` is just past the end. */
export interface Located {
  text: string;
  positions: Position[];
}

export interface LogicalLine extends Located {
  /** The first physical line of a joined line: pip's line number. */
  line: number;
}

/** Where the process environment comes from; injectable for tests. */
export type Environment = Readonly<Record<string, string | undefined>>;

// Python's str.splitlines() boundaries.
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;
/** pip's COMMENT_RE `(^|\s+)#.*$`: a `#` at the start or after whitespace. */
const COMMENT = /(?:^|\s+)#.*$/;
const WHOLE_LINE_COMMENT = /^\s*#/;
/** pip's ENV_VAR_RE: POSIX names only, so other `$` text is left alone. */
const ENV_VAR = /\$\{([A-Z0-9_]+)\}/g;

function located(text: string, line: number, column = 1): Located {
  const positions: Position[] = [];
  for (let i = 0; i <= text.length; i++) positions.push({ line, column: column + i });
  return { text, positions };
}

export function slice(l: Located, start: number, end = l.text.length): Located {
  return { text: l.text.slice(start, end), positions: l.positions.slice(start, end + 1) };
}

function concat(parts: Located[]): Located {
  const last = parts[parts.length - 1];
  return {
    text: parts.map((p) => p.text).join(""),
    positions: [...parts.flatMap((p) => p.positions.slice(0, p.text.length)), ...(last ? [last.positions[last.text.length] as Position] : [])],
  };
}

/** Python's str.strip(chars) for a set of characters. */
function stripChars(l: Located, chars: RegExp): Located {
  let start = 0;
  let end = l.text.length;
  while (start < end && chars.test(l.text[start] as string)) start++;
  while (end > start && chars.test(l.text[end - 1] as string)) end--;
  return slice(l, start, end);
}

/** Joins a line ending in `\` with the next, unless it is a whole-line comment (pip's join_lines). */
function joinLines(physical: string[]): Array<{ line: number; content: Located }> {
  const out: Array<{ line: number; content: Located }> = [];
  let pending: Located[] = [];
  let primary = 0;
  physical.forEach((text, i) => {
    const n = i + 1;
    const isComment = WHOLE_LINE_COMMENT.test(text);
    if (!text.endsWith("\\") || isComment) {
      // pip prefixes a space so a comment line ending a continuation is still a comment.
      const content = isComment ? concat([located(" ", n, 1), located(text, n)]) : located(text, n);
      if (pending.length > 0) {
        out.push({ line: primary, content: concat([...pending, content]) });
        pending = [];
      } else {
        out.push({ line: n, content });
      }
    } else {
      if (pending.length === 0) primary = n;
      pending.push(stripChars(located(text, n), /\\/));
    }
  });
  if (pending.length > 0) out.push({ line: primary, content: concat(pending) });
  return out;
}

/** Replaces every `${NAME}` whose variable is set and not empty; others stay as written, as pip leaves them. */
function expandEnv(l: Located, env: Environment): Located {
  let current = l;
  for (const match of [...l.text.matchAll(ENV_VAR)]) {
    const [literal, name] = match as unknown as [string, string];
    const value = env[name];
    if (!value) continue;
    // pip's documented use of `${VAR}` is credentials in index and VCS URLs.
    registerSecret(value);
    // str.replace: every occurrence of this variable, each value char placed where `${` was.
    const parts: Located[] = [];
    let from = 0;
    for (let at = current.text.indexOf(literal); at !== -1; at = current.text.indexOf(literal, from)) {
      parts.push(slice(current, from, at));
      const where = current.positions[at] as Position;
      parts.push({ text: value, positions: [...Array.from(value, () => where), current.positions[at + literal.length] as Position] });
      from = at + literal.length;
    }
    parts.push(slice(current, from));
    current = concat(parts);
  }
  return current;
}

/** The file's non-empty logical lines, as pip's preprocess yields them. */
export function logicalLines(content: string, env: Environment): LogicalLine[] {
  const text = content.startsWith("\uFEFF") ? content.slice(1) : content;
  const physical = text.split(LINE_BREAK);
  // splitlines() yields no empty last line after a final line break.
  if (physical.length > 0 && physical[physical.length - 1] === "") physical.pop();
  const lines: LogicalLine[] = [];
  for (const { line, content: joined } of joinLines(physical)) {
    const comment = COMMENT.exec(joined.text);
    const uncommented = comment ? slice(joined, 0, comment.index) : joined;
    const stripped = stripChars(uncommented, /\s/);
    if (stripped.text === "") continue;
    lines.push({ line, ...expandEnv(stripped, env) });
  }
  return lines;
}

/**
 * pip's break_args_options: the requirement is every space-separated word
 * before the first that starts with `-`; the rest are options. Returns the
 * index the options start at (the text's length when there are none).
 */
export function optionsStart(text: string): number {
  if (text.startsWith("-")) return 0;
  const at = text.indexOf(" -");
  return at === -1 ? text.length : at + 1;
}

export interface Word {
  value: string;
  /** Index into the logical line of the word's first character. */
  start: number;
}

export class SplitError extends Error {
  constructor(
    message: string,
    readonly index: number,
  ) {
    super(message);
  }
}

const SHELL_SPACE = /[ \t\r\n]/;

/** POSIX shell words, as Python's shlex.split: quotes, and backslash escapes outside single quotes. */
export function shellWords(text: string, offset: number): Word[] {
  const words: Word[] = [];
  let i = 0;
  while (i < text.length) {
    if (SHELL_SPACE.test(text[i] as string)) {
      i++;
      continue;
    }
    const start = i;
    let value = "";
    while (i < text.length && !SHELL_SPACE.test(text[i] as string)) {
      const c = text[i] as string;
      if (c === "\\") {
        if (i + 1 >= text.length) throw new SplitError("No escaped character", offset + i);
        value += text[i + 1];
        i += 2;
      } else if (c === "'" || c === '"') {
        const close = c;
        const open = i++;
        for (;;) {
          if (i >= text.length) throw new SplitError("No closing quotation", offset + open);
          const q = text[i] as string;
          if (q === close) break;
          if (close === '"' && q === "\\" && (text[i + 1] === '"' || text[i + 1] === "\\")) {
            value += text[i + 1];
            i += 2;
          } else {
            value += q;
            i++;
          }
        }
        i++;
      } else {
        value += c;
        i++;
      }
    }
    words.push({ value, start: offset + start });
  }
  return words;
}
