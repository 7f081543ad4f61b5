/**
 * A small Nix syntax tree and printer. Every string from a lockfile goes
 * through `str()` or an attribute name, both escaped here and nowhere else,
 * so lock contents can never become Nix code. Layout follows nixfmt
 * (RFC 166): two-space indent, non-empty attribute sets one binding a line,
 * lists of more than one item one item a line.
 */

export type NixExpr =
  | { kind: "string"; value: string }
  | { kind: "raw"; code: string }
  | { kind: "list"; items: NixExpr[] }
  | { kind: "attrs"; bindings: NixBinding[] }
  | { kind: "apply"; fn: string; args: NixExpr[] }
  | { kind: "concat"; parts: NixExpr[] };

export interface NixBinding {
  name: string;
  value: NixExpr;
}

/** A Nix string literal holding `value`. */
export function str(value: string): NixExpr {
  return { kind: "string", value };
}

/**
 * Trusted Nix code written by lock2nix itself (identifiers, references).
 * Never pass lock contents here; they go through `str`.
 */
export function raw(code: string): NixExpr {
  return { kind: "raw", code };
}

export function list(items: NixExpr[]): NixExpr {
  return { kind: "list", items };
}

/** An attribute set; bindings keep the order given (callers sort). */
export function attrs(bindings: Array<[string, NixExpr | undefined]>): NixExpr {
  return {
    kind: "attrs",
    bindings: bindings
      .filter((b): b is [string, NixExpr] => b[1] !== undefined)
      .map(([name, value]) => ({ name, value })),
  };
}

/** `fn arg1 arg2`; `fn` is trusted code. */
export function apply(fn: string, ...args: NixExpr[]): NixExpr {
  return { kind: "apply", fn, args };
}

/** `a ++ b ++ c` for lists. */
export function concatLists(parts: NixExpr[]): NixExpr {
  const nonEmpty = parts.filter((p) => !(p.kind === "list" && p.items.length === 0));
  if (nonEmpty.length === 0) return list([]);
  if (nonEmpty.length === 1) return nonEmpty[0] as NixExpr;
  return { kind: "concat", parts: nonEmpty };
}

export const bool = (value: boolean): NixExpr => raw(value ? "true" : "false");

/**
 * One `# …` line. A Nix comment ends at the first CR or LF, so every control
 * character (and U+2028/9, which editors show as breaks) becomes a visible
 * escape: text from a lock, such as its file name, can never start a line of code.
 */
export function comment(text: string): string {
  return `# ${text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u{${c.codePointAt(0)?.toString(16)}}`)}`;
}

/**
 * Fills `@NAME@` placeholders of a template with values taken literally (no
 * `$&`-style patterns, as String.prototype.replace would expand); every
 * placeholder must be given, once.
 */
export function fillTemplate(text: string, values: Record<string, string>): string {
  return text.replace(/@([A-Z_]+)@/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`lock2nix: template placeholder ${whole} has no value`);
    return value;
  });
}

const NEEDS_ESCAPE = /[\\"\n\r\t]|\$\{/;

/** Escapes text for a double-quoted Nix string: `\`, `"`, `${` and control characters. */
export function escapeString(value: string): string {
  // Most strings (names, versions, URLs, hashes) hold nothing to escape.
  if (!NEEDS_ESCAPE.test(value)) return `"${value}"`;
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    if (ch === "\\" || ch === '"') out += "\\" + ch;
    else if (ch === "$" && value[i + 1] === "{") out += "\\$";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else out += ch;
  }
  return `"${out}"`;
}

const NIX_KEYWORDS = new Set(["assert", "else", "if", "in", "inherit", "let", "or", "rec", "then", "with"]);
const BARE_ATTR = /^[A-Za-z_][A-Za-z0-9_'-]*$/;

/** An attribute name, quoted unless it is a plain identifier. */
export function attrName(name: string): string {
  return BARE_ATTR.test(name) && !NIX_KEYWORDS.has(name) ? name : escapeString(name);
}

/** `base.name`, quoting `name` when needed. */
export function select(base: string, name: string): NixExpr {
  return raw(`${base}.${attrName(name)}`);
}

function isMultiline(expr: NixExpr): boolean {
  switch (expr.kind) {
    case "attrs":
      return expr.bindings.length > 0;
    case "list":
      return expr.items.length > 1 || expr.items.some(isMultiline);
    case "apply":
      return expr.args.some(isMultiline);
    case "concat":
      return expr.parts.some(isMultiline);
    default:
      return false;
  }
}

const indents: string[] = [];
const spaces = (n: number): string => (indents[n] ??= " ".repeat(n));

/** Prints `expr` as it would appear at indentation `indent` (in spaces). */
export function render(expr: NixExpr, indent = 0): string {
  const out: string[] = [];
  write(expr, indent, out);
  return out.join("");
}

/** Appends `expr`'s text to `out`: one join at the end instead of a string per level. */
function write(expr: NixExpr, indent: number, out: string[]): void {
  switch (expr.kind) {
    case "string":
      out.push(escapeString(expr.value));
      return;
    case "raw":
      out.push(expr.code);
      return;
    case "list": {
      if (expr.items.length === 0) {
        out.push("[ ]");
        return;
      }
      if (!isMultiline(expr)) {
        out.push("[ ");
        write(expr.items[0] as NixExpr, indent, out);
        out.push(" ]");
        return;
      }
      const inner = spaces(indent + 2);
      out.push("[");
      for (const item of expr.items) {
        out.push("\n", inner);
        write(item, indent + 2, out);
      }
      out.push("\n", spaces(indent), "]");
      return;
    }
    case "attrs": {
      if (expr.bindings.length === 0) {
        out.push("{ }");
        return;
      }
      const inner = spaces(indent + 2);
      out.push("{");
      for (const b of expr.bindings) {
        out.push("\n", inner, attrName(b.name), " = ");
        write(b.value, indent + 2, out);
        out.push(";");
      }
      out.push("\n", spaces(indent), "}");
      return;
    }
    case "apply": {
      out.push(expr.fn);
      for (const a of expr.args) {
        out.push(" ");
        const parenthesized = a.kind === "apply" || a.kind === "concat";
        if (parenthesized) out.push("(");
        write(a, indent, out);
        if (parenthesized) out.push(")");
      }
      return;
    }
    case "concat": {
      // nixfmt: each further operand on its own line, at the binding's indentation.
      const separator = isMultiline(expr) ? `\n${spaces(indent)}++ ` : " ++ ";
      expr.parts.forEach((p, i) => {
        if (i > 0) out.push(separator);
        write(p, indent, out);
      });
      return;
    }
  }
}
