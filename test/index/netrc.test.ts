import { describe, expect, it } from "vitest";
import { parseNetrc } from "../../src/index/netrc.js";

const entries = (text: string) => Object.fromEntries(parseNetrc(text));

// What curl and Python's netrc (pip) read from the same files.
describe("parseNetrc", () => {
  it("keeps a `#` inside a password, and reads comments only where a keyword goes", () => {
    expect(entries("# mine\nmachine a.example login u password s3cr#t # trailing note\n")).toEqual({
      "a.example": { username: "u", password: "s3cr#t" },
    });
  });

  it("reads double-quoted tokens with blanks and backslash escapes", () => {
    expect(entries('machine a.example login "my user" password "p a\\"ss\\\\word"\n')).toEqual({
      "a.example": { username: "my user", password: 'p a"ss\\word' },
    });
    expect(entries('machine b.example password "#not-a-comment" login u')).toEqual({
      "b.example": { username: "u", password: "#not-a-comment" },
    });
  });

  it("reads entries over several lines, in any order, with account, and default last", () => {
    const text = "machine a.example\n  password pa\n  account acct\n  login ua\nmachine b.example login ub\ndefault login anon password x\n";
    expect(entries(text)).toEqual({
      "a.example": { username: "ua", password: "pa" },
      "b.example": { username: "ub", password: "" },
      "": { username: "anon", password: "x" },
    });
  });

  it("skips a macdef body up to the blank line", () => {
    const text = "macdef init\ncd /pub\nmachine evil.example login no password no\n\nmachine a.example login u password p\n";
    expect(entries(text)).toEqual({ "a.example": { username: "u", password: "p" } });
  });

  it("takes a machine's last entry, as Python's netrc does", () => {
    expect(entries("machine a login one password 1\nmachine a login two password 2\n")).toEqual({ a: { username: "two", password: "2" } });
  });
});
