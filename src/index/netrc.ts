/**
 * A .netrc parser that reads what curl and pip (Python's `netrc`) read:
 * `machine`, `default`, `login`, `password`, `account`, `macdef` bodies
 * (skipped to the next blank line), double-quoted tokens with backslash
 * escapes, and `#` comments only where a keyword is expected, so
 * `password s3cr#t` keeps its `#`. A machine listed twice takes its last
 * entry, as Python's netrc (and so pip) does.
 */

export interface NetrcCredentials {
  username: string;
  password: string;
}

interface Token {
  text: string;
  quoted: boolean;
}

const ESCAPES: Readonly<Record<string, string>> = { n: "\n", r: "\r", t: "\t" };

class Lexer {
  pos = 0;
  constructor(private readonly text: string) {}

  next(): Token | undefined {
    const s = this.text;
    while (this.pos < s.length && /\s/.test(s[this.pos] as string)) this.pos++;
    if (this.pos >= s.length) return undefined;
    if (s[this.pos] === '"') {
      let out = "";
      this.pos++;
      while (this.pos < s.length && s[this.pos] !== '"') {
        if (s[this.pos] === "\\" && this.pos + 1 < s.length) {
          const c = s[this.pos + 1] as string;
          out += ESCAPES[c] ?? c;
          this.pos += 2;
        } else out += s[this.pos++];
      }
      this.pos++;
      return { text: out, quoted: true };
    }
    const start = this.pos;
    while (this.pos < s.length && !/\s/.test(s[this.pos] as string)) this.pos++;
    return { text: s.slice(start, this.pos), quoted: false };
  }

  skipLine(): void {
    const end = this.text.indexOf("\n", this.pos);
    this.pos = end === -1 ? this.text.length : end + 1;
  }

  /** A macro body runs from the next line to the first empty line. */
  skipMacro(): void {
    this.skipLine();
    while (this.pos < this.text.length) {
      const end = this.text.indexOf("\n", this.pos);
      const line = this.text.slice(this.pos, end === -1 ? this.text.length : end);
      this.pos = end === -1 ? this.text.length : end + 1;
      if (line.trim() === "") return;
    }
  }
}

/** Host -> credentials; the `default` entry is under "". */
export function parseNetrc(text: string): Map<string, NetrcCredentials> {
  const lexer = new Lexer(text);
  const machines = new Map<string, NetrcCredentials>();
  let host: string | undefined;
  let login: string | undefined;
  let password: string | undefined;
  const flush = () => {
    if (host !== undefined && (login !== undefined || password !== undefined)) {
      machines.set(host, { username: login ?? "", password: password ?? "" });
    }
    login = undefined;
    password = undefined;
  };
  for (let t = lexer.next(); t !== undefined; t = lexer.next()) {
    if (!t.quoted && t.text.startsWith("#")) {
      lexer.skipLine();
      continue;
    }
    switch (t.text) {
      case "machine":
        flush();
        host = lexer.next()?.text;
        break;
      case "default":
        flush();
        host = "";
        break;
      case "login":
        login = lexer.next()?.text;
        break;
      case "password":
        password = lexer.next()?.text;
        break;
      case "account":
        lexer.next();
        break;
      case "macdef":
        flush();
        host = undefined;
        lexer.next();
        lexer.skipMacro();
        break;
      default:
        // An unknown word: curl and Python skip it too.
        break;
    }
  }
  flush();
  return machines;
}
