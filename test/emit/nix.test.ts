import { describe, expect, it } from "vitest";
import { apply, attrName, attrs, concatLists, escapeString, list, raw, render, str } from "../../src/emit/nix.js";

describe("escapeString", () => {
  it.each([
    ["plain", '"plain"'],
    ['say "hi"', '"say \\"hi\\""'],
    ["back\\slash", '"back\\\\slash"'],
    ["${builtins.abort \"x\"}", '"\\${builtins.abort \\"x\\"}"'],
    ["$notinterp {x}", '"$notinterp {x}"'],
    ["$${x}", '"$\\${x}"'],
    ["line\nbreak\ttab\r", '"line\\nbreak\\ttab\\r"'],
    ["", '""'],
  ])("%j -> %s", (input, expected) => {
    expect(escapeString(input)).toBe(expected);
  });
});

describe("attrName", () => {
  it.each([
    ["requests", "requests"],
    ["ruamel-yaml-clib", "ruamel-yaml-clib"],
    ["x86_64-linux", "x86_64-linux"],
    ["1password", '"1password"'],
    ["with", '"with"'],
    ["in", '"in"'],
    ["a.b", '"a.b"'],
    ["a${b}", '"a\\${b}"'],
  ])("%s -> %s", (input, expected) => {
    expect(attrName(input)).toBe(expected);
  });
});

describe("render", () => {
  it("lays out attribute sets and lists the way nixfmt does", () => {
    const expr = attrs([
      ["pname", str("alpha")],
      ["single", list([raw("final.beta")])],
      ["many", list([raw("final.beta"), raw("final.gamma")])],
      ["empty", list([])],
      ["nothing", undefined],
      ["nested", attrs([])],
      ["call", apply("fetchurl", attrs([["url", str("https://x/y")]]))],
    ]);
    expect(render(expr)).toBe(
      [
        "{",
        '  pname = "alpha";',
        "  single = [ final.beta ];",
        "  many = [",
        "    final.beta",
        "    final.gamma",
        "  ];",
        "  empty = [ ];",
        "  nested = { };",
        "  call = fetchurl {",
        '    url = "https://x/y";',
        "  };",
        "}",
      ].join("\n"),
    );
  });

  it("puts each further list of a concatenation on its own line", () => {
    const expr = attrs([
      ["deps", concatLists([list([raw("a"), raw("b")]), apply("lib.optionals", raw("cond"), list([raw("c")]))])],
    ]);
    expect(render(expr)).toBe(["{", "  deps = [", "    a", "    b", "  ]", "  ++ lib.optionals cond [ c ];", "}"].join("\n"));
  });

  it("drops empty lists from a concatenation", () => {
    expect(render(concatLists([list([]), list([raw("a")])]))).toBe("[ a ]");
    expect(render(concatLists([list([]), list([])]))).toBe("[ ]");
  });

  it("quotes attribute names that are not identifiers", () => {
    expect(render(attrs([["with", str("x")]]))).toBe('{\n  "with" = "x";\n}');
  });
});
