import { describe, expect, it } from "vitest";
import { ParseError } from "../../src/errors.js";
import { markerToString, parseMarker } from "../../src/pep/markers.js";
import { parseRequirement, type Requirement } from "../../src/pep/requirement.js";

// Vectors below are rewritten from pypa/packaging's tests/test_requirements.py.

function parseError(fn: () => unknown): ParseError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ParseError) return err;
    throw err;
  }
  throw new Error("expected a ParseError");
}

describe("parseRequirement: the valid matrix", () => {
  const NAMES = ["package", "pAcKaGe", "Package", "foo-bar.quux_bAz", "installer", "android12"];
  const EXTRAS: Array<[string[], string[]]> = [
    [[], []],
    [["a"], ["a"]],
    [["a", "b"], ["a", "b"]],
    [["B", "CDEF123", "a"], ["a", "b", "cdef123"]],
  ];
  const MARKERS = [
    undefined,
    "python_version{ws}>={ws}'3.3'",
    '({ws}python_version{ws}>={ws}"3.4"{ws}){ws}and extra{ws}=={ws}"oursql"',
    "sys_platform{ws}!={ws}'linux' and(os_name{ws}=={ws}'linux' or python_version{ws}>={ws}'3.3'{ws}){ws}",
  ];
  const fill = (t: string, ws: string) => t.replaceAll("{ws}", ws);

  // [url, specifier as written, specifier as returned]
  it.each<[string | undefined, string, string | undefined]>([
    [undefined, "", undefined],
    ["https://example.com/packagename.zip", "", undefined],
    ["ssh://user:pass%20word@example.com/packagename.zip", "", undefined],
    ["https://example.com/name;v=1.1/?query=foo&bar=baz#blah", "", undefined],
    ["git+ssh://git.example.com/MyProject", "", undefined],
    ["git+ssh://git@github.com:pypa/packaging.git", "", undefined],
    ["git+https://git.example.com/MyProject.git@master", "", undefined],
    ["git+https://git.example.com/MyProject.git@v1.0", "", undefined],
    ["git+https://git.example.com/MyProject.git@refs/pull/123/head", "", undefined],
    [undefined, "==={ws}arbitrarystring", "===arbitrarystring"],
    [undefined, "({ws}==={ws}arbitrarystring{ws})", "===arbitrarystring"],
    [undefined, "=={ws}1.0", "==1.0"],
    [undefined, "({ws}=={ws}1.0{ws})", "==1.0"],
    [undefined, "=={ws}1.0-alpha", "==1.0-alpha"],
    [undefined, "<={ws}1!3.0.0.rc2", "<=1!3.0.0.rc2"],
    [undefined, ">{ws}2.2{ws},{ws}<{ws}3", ">2.2,<3"],
    [undefined, "(>{ws}2.2{ws},{ws}<{ws}3)", ">2.2,<3"],
  ])("url %s, specifier %s", (url, specifier, expectedSpecifier) => {
    for (const ws of ["", " ", "\t"]) {
      for (const name of NAMES) {
        for (const [extras, expectedExtras] of EXTRAS) {
          for (const marker of MARKERS) {
            const parts = [name];
            if (extras.length > 0) parts.push("[", extras.join(`${ws},${ws}`), "]");
            if (specifier) parts.push(fill(specifier, ws));
            if (url !== undefined) parts.push("@", url);
            if (marker !== undefined) parts.push(url !== undefined ? " ;" : ";", fill(marker, ws));
            const text = parts.join(ws);

            const expected: Requirement = { name, extras: expectedExtras };
            if (url !== undefined) expected.url = url;
            if (expectedSpecifier !== undefined) expected.specifier = expectedSpecifier;
            if (marker !== undefined) expected.marker = markerToString(parseMarker(fill(marker, "")));
            expect(parseRequirement(text), text).toEqual(expected);
          }
        }
      }
    }
  });
});

describe("parseRequirement: examples", () => {
  it.each<[string, Requirement]>([
    ["A", { name: "A", extras: [] }],
    ["foo-bar.quux_baz", { name: "foo-bar.quux_baz", extras: [] }],
    ["name>=3", { name: "name", extras: [], specifier: ">=3" }],
    ["name (==4)", { name: "name", extras: [], specifier: "==4" }],
    // Clauses keep the order they were written in.
    ["name>=3,<2", { name: "name", extras: [], specifier: ">=3,<2" }],
    ["name >=2, <3", { name: "name", extras: [], specifier: ">=2,<3" }],
    ["foobar [quux,bar]", { name: "foobar", extras: ["bar", "quux"] }],
    ["foo[]", { name: "foo", extras: [] }],
    ["name()", { name: "name", extras: [] }],
    ["  name  ", { name: "name", extras: [] }],
    ["name[ a ]", { name: "name", extras: ["a"] }],
    // Extras are normalized, deduplicated and sorted.
    ["name[Zeta, B, b, a_c, A-C, a..c]", { name: "name", extras: ["a-c", "b", "zeta"] }],
    ['name[bar]>=3; python_version == "2.7"', { name: "name", extras: ["bar"], specifier: ">=3", marker: 'python_version == "2.7"' }],
    ["name@ http://foo.com", { name: "name", extras: [], url: "http://foo.com" }],
    ['name@ http://foo.com ; extra == "feature"', { name: "name", extras: [], url: "http://foo.com", marker: 'extra == "feature"' }],
    ["name @ https://url ", { name: "name", extras: [], url: "https://url" }],
    ["name @ file:///absolute/path", { name: "name", extras: [], url: "file:///absolute/path" }],
    ["name @ file://.", { name: "name", extras: [], url: "file://." }],
    [
      "name [fred,bar] @ http://foo.com ; python_version=='2.7'",
      { name: "name", extras: ["bar", "fred"], url: "http://foo.com", marker: 'python_version == "2.7"' },
    ],
    [
      "foo @ https://example.com/name;v=1.1/?query=foo&bar=baz#blah ; python_version=='3.4'",
      { name: "foo", extras: [], url: "https://example.com/name;v=1.1/?query=foo&bar=baz#blah", marker: 'python_version == "3.4"' },
    ],
    [
      "name[quux, strange];python_version<'2.7' and platform_version=='2'",
      { name: "name", extras: ["quux", "strange"], marker: 'python_version < "2.7" and platform_version == "2"' },
    ],
    [
      "name; os_name=='a' and os_name=='b' or os_name=='c'",
      { name: "name", extras: [], marker: 'os_name == "a" and os_name == "b" or os_name == "c"' },
    ],
    ["name; (os_name=='a')", { name: "name", extras: [], marker: 'os_name == "a"' }],
    ["aviato>=1.2.3; 'f' in sys_platform", { name: "aviato", extras: [], specifier: ">=1.2.3", marker: '"f" in sys_platform' }],
    ["name; extra == 'Foo_Bar'", { name: "name", extras: [], marker: 'extra == "foo-bar"' }],
    // poetry's [package.extras] style: parenthesized clauses, then a marker.
    [
      'cffi (>=1.17,<2.0) ; platform_python_implementation != "PyPy"',
      { name: "cffi", extras: [], specifier: ">=1.17,<2.0", marker: 'platform_python_implementation != "PyPy"' },
    ],
    [
      'pytest-cov (>=4.0) ; extra == "test"',
      { name: "pytest-cov", extras: [], specifier: ">=4.0", marker: 'extra == "test"' },
    ],
    [
      "uvicorn[standard] (>=0.12.0,<0.30)",
      { name: "uvicorn", extras: ["standard"], specifier: ">=0.12.0,<0.30" },
    ],
    // Git URLs keep their `@rev`.
    [
      "mylib @ git+https://github.com/org/mylib.git@v1.2.3",
      { name: "mylib", extras: [], url: "git+https://github.com/org/mylib.git@v1.2.3" },
    ],
    [
      "mylib[cli] @ git+https://github.com/org/mylib.git@0123abcd ; sys_platform == 'linux'",
      { name: "mylib", extras: ["cli"], url: "git+https://github.com/org/mylib.git@0123abcd", marker: 'sys_platform == "linux"' },
    ],
    // Specifier clause forms.
    ["name==1.0.*", { name: "name", extras: [], specifier: "==1.0.*" }],
    ["name!=1.0.*", { name: "name", extras: [], specifier: "!=1.0.*" }],
    ["name==1.0+local.7", { name: "name", extras: [], specifier: "==1.0+local.7" }],
    ["name~=1.4.2rc1", { name: "name", extras: [], specifier: "~=1.4.2rc1" }],
    ["name>=1.0.post1.dev2", { name: "name", extras: [], specifier: ">=1.0.post1.dev2" }],
    ["name>=V1.0", { name: "name", extras: [], specifier: ">=V1.0" }],
    ["name===", { name: "name", extras: [], specifier: "===" }],
    ["name>=1,", { name: "name", extras: [], specifier: ">=1" }],
    ['requests [security,tests] >= 2.8.1, == 2.8.* ; python_version < "2.7"', {
      name: "requests",
      extras: ["security", "tests"],
      specifier: ">=2.8.1,==2.8.*",
      marker: 'python_version < "2.7"',
    }],
  ])("%s", (text, expected) => {
    expect(parseRequirement(text)).toEqual(expected);
  });

  it.each([
    "python_implementation == ''",
    "platform_python_implementation == ''",
    "os.name == 'linux'",
    "os_name == 'linux'",
    "'8' in platform.version",
    "'8' not in platform.version",
  ])("accepts the marker %s", (marker) => {
    expect(parseRequirement(`name; ${marker}`).marker).toBe(markerToString(parseMarker(marker)));
  });

  it.each([
    ["packaging>20.1", "packaging>20.1"],
    ['requests[security, tests]>=2.8.1,==2.8.*;python_version<"2.7"', 'requests [security,tests] >= 2.8.1, == 2.8.* ; python_version < "2.7"'],
    ['importlib-metadata; python_version<"3.8"', "importlib-metadata; python_version<'3.8'"],
    ['appdirs>=1.4.4,<2; os_name=="posix" and extra=="testing"', "appdirs>=1.4.4,<2; os_name == 'posix' and extra == 'testing'"],
    ["name[A_B]", "name[a-b]"],
  ])("%s equals %s", (a, b) => {
    expect(parseRequirement(a)).toEqual(parseRequirement(b));
  });

  it.each([
    ["package_one", "package_two"],
    ["packaging>20.1", "packaging>=20.1"],
    ["packaging>20.1", "packaging>21.1"],
    ["packaging>20.1", "package>20.1"],
    ['requests[security,tests]>=2.8.1,==2.8.*;python_version<"2.7"', 'requests [security,tests] >= 2.8.1 ; python_version < "2.7"'],
    ['importlib-metadata; python_version<"3.8"', "importlib-metadata; python_version<'3.7'"],
    ['appdirs>=1.4.4,<2; os_name=="posix" and extra=="testing"', "appdirs>=1.4.4,<2; os_name == 'posix' and extra == 'docs'"],
  ])("%s differs from %s", (a, b) => {
    expect(parseRequirement(a)).not.toEqual(parseRequirement(b));
  });
});

describe("parseRequirement: errors", () => {
  const NO_SPEC = "Expected semicolon (after name with no version specifier) or end";
  const AFTER_SPEC = "Expected comma (within version specifier), semicolon (after version specifier) or end";
  const OPERATOR = "Expected marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in";
  it.each([
    ["", "Expected package name at the start of dependency specifier", "^"],
    ["==0.0", "Expected package name at the start of dependency specifier", "^"],
    ["foo!", NO_SPEC, "   ^"],
    ["foo-", NO_SPEC, "   ^"],
    ["toto 42", NO_SPEC, "     ^"],
    ["name 1.0", NO_SPEC, "     ^"],
    ["name==", NO_SPEC, "    ^"],
    ["name[bar baz]", "Expected comma between extra names", "         ^"],
    ["name[bar, baz,]", "Expected extra name after comma", "              ^"],
    ["name (>= 1.0", "Expected matching ')' for '(', after version specifier", "     ~~~~~~~^"],
    ["black (>=20.*) ; extra == 'format'", ".* suffix can only be used with `==` or `!=` operators", "       ~~~~~^"],
    [
      "name==1.0+local.*",
      ".* suffix cannot be used after pre-release, post-release, developmental release, or local version labels",
      "    ~~~~~~~~~~~~^",
    ],
    ["name>=1.0+local", "Local version label can only be used with `==` or `!=` operators", "    ~~~~~^"],
    ["name[bar, baz >= 1.0", "Expected matching ']' for '[', after extras", "    ~~~~~~~~~~^"],
    ["name[bar, baz", "Expected matching ']' for '[', after extras", "    ~~~~~~~~~^"],
    ["name @ https://example.com/; extra == 'example'", "Expected semicolon (after URL and whitespace) or end", "       ~~~~~~~~~~~~~~~~~~~~~~^"],
    ["name; (extra == 'example'", "Expected matching ')' for '(', after marker expression", "      ~~~~~~~~~~~~~~~~~~~^"],
    ["name @ ", "Expected URL after @", "       ^"],
    ["name; invalid_name", "Expected a marker variable or quoted string", "      ^"],
    ["name; '3.7' <= invalid_name", "Expected a marker variable or quoted string", "               ^"],
    ["name; '3.7' notin python_version", OPERATOR, "            ^"],
    ["name; '3.6'inpython_version", OPERATOR, "           ^"],
    ["name; '3.7' not python_version", "Expected 'in' after 'not'", "                ^"],
    ["name; '3.7' ~ python_version", OPERATOR, "            ^"],
    ["name; foobar=='x'", "Expected a marker variable or quoted string", "      ^"],
    ["name;", "Expected a marker variable or quoted string", "     ^"],
    ["name; os_name == 'a' garbage", "Expected end of dependency specifier", "                     ^"],
    ["name==1.0.org1", AFTER_SPEC, "    ~~~~~^"],
    ["name>=1.x.y;python_version=='2.6'", AFTER_SPEC, "    ~~~^"],
    ["name >= 1.0 #", AFTER_SPEC, "     ~~~~~~~^"],
    ["name~=1", NO_SPEC, "    ^"],
    ["name @ gopher:/foo/com", "Invalid URL: gopher:/foo/com", "       ~~~~~~~~~~~~~~~^"],
    ["name @ file:.", "Invalid URL: file:.", "       ~~~~~~^"],
    ["name @ file:/.", "Invalid URL: file:/.", "       ~~~~~~~^"],
  ])("%j", (text, message, underline) => {
    const err = parseError(() => parseRequirement(text));
    expect(err.message).toBe(`${message}\n    ${text}\n    ${underline}`);
    expect(err.location.column).toBe(underline.indexOf("^") + 1);
  });
});
