import { NIXPKGS_PYTHONS } from "../../src/resolve/target.js";
import { describe, expect, it } from "vitest";
import { Lock2nixError, LockError, ParseError } from "../../src/errors.js";
import {
  evaluateMarker,
  evaluateMarkerText,
  type MarkerEnvironment,
  markerEnvironmentFor,
  type MarkerNode,
  markerToString,
  markerUses,
  NIXPKGS_PYTHON_PATCH_RELEASES,
  parseMarker,
  specializeMarker,
} from "../../src/pep/markers.js";

// Vectors below are rewritten from pypa/packaging's tests/test_markers.py.

const VARIABLES = [
  "extra",
  "implementation_name",
  "implementation_version",
  "os_name",
  "platform_machine",
  "platform_release",
  "platform_system",
  "platform_version",
  "python_full_version",
  "python_version",
  "platform_python_implementation",
  "sys_platform",
];
const PEP_345_VARIABLES: Array<[string, string]> = [
  ["os.name", "os_name"],
  ["sys.platform", "sys_platform"],
  ["platform.version", "platform_version"],
  ["platform.machine", "platform_machine"],
  ["platform.python_implementation", "platform_python_implementation"],
  ["python_implementation", "platform_python_implementation"],
];
const OPERATORS = ["===", "==", ">=", "<=", "!=", "~=", ">", "<", "in", "not in"];
const VALUES = ["1.0", "5.6a0", "dog", "freebsd", "literally any string can go here", "things @#4 dsfd ((("];

/** A Linux CPython 3.12 environment; tests override what they look at. */
function env(overrides: Partial<MarkerEnvironment> = {}): MarkerEnvironment {
  return { ...markerEnvironmentFor({ pythonVersion: "3.12", system: "x86_64-linux" }), ...overrides };
}

function parseError(fn: () => unknown): ParseError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ParseError) return err;
    throw err;
  }
  throw new Error("expected a ParseError");
}

describe("parseMarker: valid input", () => {
  it("accepts every variable, operator and value, on either side", () => {
    for (const variable of VARIABLES) {
      for (const op of OPERATORS) {
        for (const value of VALUES) {
          const literal = variable === "extra" ? value.toLowerCase().replace(/[-_.]+/g, "-") : value;
          expect(markerToString(parseMarker(`${variable} ${op} '${value}'`))).toBe(`${variable} ${op} "${literal}"`);
          expect(markerToString(parseMarker(`'${value}' ${op} ${variable}`))).toBe(`"${literal}" ${op} ${variable}`);
        }
      }
    }
  });

  it.each(PEP_345_VARIABLES)("accepts the legacy spelling %s as %s", (legacy, canonical) => {
    for (const op of OPERATORS) {
      for (const value of VALUES) {
        expect(markerToString(parseMarker(`${legacy} ${op} '${value}'`))).toBe(`${canonical} ${op} "${value}"`);
        expect(markerToString(parseMarker(`"${value}" ${op} ${legacy}`))).toBe(`"${value}" ${op} ${canonical}`);
      }
    }
  });

  it("builds and/or nodes with `and` binding tighter, keeping operand sides", () => {
    const a: MarkerNode = { kind: "compare", left: { kind: "variable", name: "os_name" }, op: "==", right: { kind: "literal", value: "a" } };
    const b: MarkerNode = { kind: "compare", left: { kind: "literal", value: "b" }, op: "in", right: { kind: "variable", name: "sys_platform" } };
    const c: MarkerNode = { kind: "compare", left: { kind: "variable", name: "python_version" }, op: "not in", right: { kind: "literal", value: "c" } };
    expect(parseMarker(`os_name == 'a' or 'b' in sys_platform and python_version not in "c"`)).toEqual({
      kind: "or",
      children: [a, { kind: "and", children: [b, c] }],
    } satisfies MarkerNode);
    expect(parseMarker(`(os_name == 'a' or 'b' in sys_platform) and python_version not in "c"`)).toEqual({
      kind: "and",
      children: [{ kind: "or", children: [a, b] }, c],
    } satisfies MarkerNode);
  });

  it.each([
    ["no spaces", `python_version>='3'and(os_name=='a'or os_name=='b')`],
    ["tabs", `\tpython_version\t>=\t'3'\tand\t(\tos_name\t==\t'a'\tor os_name == 'b'\t)\t`],
    ["several spaces", `python_version   >=  '3'   and   ( os_name == 'a'  or  os_name == 'b' )  `],
  ])("tolerates whitespace: %s", (_, text) => {
    expect(markerToString(parseMarker(text))).toBe(
      'python_version >= "3" and (os_name == "a" or os_name == "b")',
    );
  });

  it("accepts `not` and `in` separated by several blanks", () => {
    expect(markerToString(parseMarker(`'x' not \t in os_name`))).toBe(`"x" not in os_name`);
  });
});

describe("parseMarker: errors", () => {
  const VARIABLE = "Expected a marker variable or quoted string";
  const OPERATOR = "Expected marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in";
  it.each([
    ["this_isnt_a_real_variable >= '1.0'", VARIABLE, "^"],
    ["python_version", OPERATOR, "              ^"],
    ["(python_version)", OPERATOR, "               ^"],
    ["python_version >= 1.0 and (python_version)", VARIABLE, "                  ^"],
    ['(python_version == "2.7" and os_name == "linux"', "Expected matching ')' for '(', after marker expression", "~".repeat(47) + "^"],
    ['(python_version == "2.7") with random text', "Expected end of marker expression", " ".repeat(26) + "^"],
    ["'3.7' notin python_version", OPERATOR, "      ^"],
    ["'3.6'inpython_version", OPERATOR, "     ^"],
    ["'3.7' not python_version", "Expected 'in' after 'not'", "          ^"],
    ["'3.7' not", "Expected whitespace after 'not'", "         ^"],
    ["'3.7' ~ python_version", OPERATOR, "      ^"],
    ["os_name == 'unterminated", VARIABLE, "           ^"],
    ["os_name == 'a' AND os_name == 'b'", "Expected end of marker expression", "               ^"],
    ["os_name == 'a' and", VARIABLE, "                  ^"],
    ["extras == 'a'", VARIABLE, "^"],
    ["", VARIABLE, "^"],
    ['os_name == "C:\\"', "Invalid quoted string (backslash escapes are not supported)", "           ~~~~~^"],
    ['os_name == "\\x"', "Invalid quoted string (backslash escapes are not supported)", "           ~~~~^"],
  ])("%j", (text, message, underline) => {
    const err = parseError(() => parseMarker(text));
    expect(err.message).toBe(`${message}\n    ${text}\n    ${underline}`);
    expect(err.location.column).toBe(underline.indexOf("^") + 1);
  });
});

describe("markerToString", () => {
  it.each([
    ["python_version == '2.7'", 'python_version == "2.7"'],
    ['python_version == "2.7"', 'python_version == "2.7"'],
    ['python_version == "2.7" and os_name == "linux"', 'python_version == "2.7" and os_name == "linux"'],
    ['python_version == "2.7" or os_name == "linux"', 'python_version == "2.7" or os_name == "linux"'],
    [
      'python_version == "2.7" and os_name == "linux" or sys_platform == "win32"',
      'python_version == "2.7" and os_name == "linux" or sys_platform == "win32"',
    ],
    ['(python_version == "2.7")', 'python_version == "2.7"'],
    ['(python_version == "2.7" and sys_platform == "win32")', 'python_version == "2.7" and sys_platform == "win32"'],
    [
      'python_version == "2.7" and (sys_platform == "win32" or sys_platform == "linux")',
      'python_version == "2.7" and (sys_platform == "win32" or sys_platform == "linux")',
    ],
    // Parentheses that do not change the meaning are dropped, nesting is flattened.
    ["(os_name == 'a' and os_name == 'b') or os_name == 'c'", 'os_name == "a" and os_name == "b" or os_name == "c"'],
    ["os_name == 'a' and (os_name == 'b' and os_name == 'c')", 'os_name == "a" and os_name == "b" and os_name == "c"'],
    ["os_name == 'a' or (os_name == 'b' or (os_name == 'c'))", 'os_name == "a" or os_name == "b" or os_name == "c"'],
    ["((os_name == 'a' or os_name == 'b'))", 'os_name == "a" or os_name == "b"'],
    [
      "(os_name == 'a' or os_name == 'b') and (os_name == 'c' or os_name == 'd')",
      '(os_name == "a" or os_name == "b") and (os_name == "c" or os_name == "d")',
    ],
    // PEP 685: extra names are stored normalized, on either side.
    ["extra == 'S_P__A_M'", 'extra == "s-p-a-m"'],
    ["'S_P__A_M' == extra", '"s-p-a-m" == extra'],
    [
      '(extra == "Foo_Bar" or extra == "Baz") and python_version >= "3"',
      '(extra == "foo-bar" or extra == "baz") and python_version >= "3"',
    ],
    // A variable on the other side is not a name to normalize.
    ["extra == os_name", "extra == os_name"],
    ["os_name == extra", "os_name == extra"],
    ["os.name == 'a' and python_implementation != 'PyPy'", 'os_name == "a" and platform_python_implementation != "PyPy"'],
    // A double quote can only survive inside single quotes.
    [`os_name == 'say "hi"'`, `os_name == 'say "hi"'`],
    ["os_name == ''", 'os_name == ""'],
  ])("%s", (text, canonical) => {
    expect(markerToString(parseMarker(text))).toBe(canonical);
    // The canonical text parses to the same tree and prints the same again.
    expect(parseMarker(canonical)).toEqual(parseMarker(text));
    expect(markerToString(parseMarker(canonical))).toBe(canonical);
  });

  it.each([
    ['python_version == "2.7"', 'python_version == "3.7"'],
    ['python_version == "2.7"', 'python_version == "2.7" and os_name == "linux"'],
    ['python_version == "2.7"', '(python_version == "2.7" and os_name == "linux")'],
    [
      'python_version == "2.7" and (os_name == "linux" or sys_platform == "win32")',
      'python_version == "2.7" and os_name == "linux" or sys_platform == "win32"',
    ],
  ])("keeps %s and %s apart", (a, b) => {
    expect(markerToString(parseMarker(a))).not.toBe(markerToString(parseMarker(b)));
  });

  it("parenthesizes an or under an and in hand-built trees", () => {
    const cmp = (v: string): MarkerNode => ({
      kind: "compare",
      left: { kind: "variable", name: "os_name" },
      op: "==",
      right: { kind: "literal", value: v },
    });
    const tree: MarkerNode = { kind: "and", children: [{ kind: "or", children: [cmp("a"), cmp("b")] }, cmp("c")] };
    expect(markerToString(tree)).toBe('(os_name == "a" or os_name == "b") and os_name == "c"');
  });
});

describe("evaluateMarker", () => {
  it.each<[string, Partial<MarkerEnvironment>, boolean]>([
    ["os_name == 'foo'", { os_name: "foo" }, true],
    ["os_name == 'foo'", { os_name: "bar" }, false],
    ["'2.7' in python_version", { python_version: "2.7.5" }, true],
    ["'2.7' not in python_version", { python_version: "2.7" }, false],
    ["'2.7' not in python_version", { python_version: "3.12" }, true],
    ["os_name == 'foo' and python_version ~= '2.7.0'", { os_name: "foo", python_version: "2.7.6" }, true],
    ["python_version ~= '2.7.0' and (os_name == 'foo' or os_name == 'bar')", { os_name: "foo", python_version: "2.7.4" }, true],
    ["python_version ~= '2.7.0' and (os_name == 'foo' or os_name == 'bar')", { os_name: "bar", python_version: "2.7.4" }, true],
    ["python_version ~= '2.7.0' and (os_name == 'foo' or os_name == 'bar')", { os_name: "other", python_version: "2.7.4" }, false],
    // Legacy spellings read the canonical variables.
    ["sys.platform == 'win32'", { sys_platform: "linux2" }, false],
    ["platform.version in 'Ubuntu'", { platform_version: "#39" }, false],
    ["platform.machine=='x86_64'", { platform_machine: "x86_64" }, true],
    ["platform.python_implementation=='Jython'", { platform_python_implementation: "CPython" }, false],
    ["python_version == '2.5' and platform.python_implementation!= 'Jython'", { python_version: "2.7" }, false],
    ["python_implementation=='Jython'", { platform_python_implementation: "CPython" }, false],
    ["python_implementation=='CPython'", { platform_python_implementation: "CPython" }, true],
    // PEP 440 is preferred where both sides are versions.
    ['"2.7.9" < python_full_version', { python_full_version: "2.7.10" }, true],
    ['"2.7.9" < python_full_version', { python_full_version: "2.7.8" }, false],
    ['python_full_version > "3.6.2"', { python_full_version: "3.11.0a5" }, true],
    ['python_full_version < "3.10.2"', { python_full_version: "3.10.1" }, true],
    ['python_full_version < "3.10.2"', { python_full_version: "3.10.2" }, false],
    ['python_full_version < "3.10.2"', { python_full_version: "3.10.19" }, false],
    ['python_full_version < "3.10.2"', { python_full_version: "3.10.2rc1" }, false],
    ['python_full_version < "3.12"', { python_full_version: "3.11.1+" }, true],
    ['python_full_version >= "3.9"', { python_full_version: "3.10.1+" }, true],
    ['python_version > "3.9"', { python_version: "3.10" }, true],
    ['python_version < "3.9"', { python_version: "3.10" }, false],
    ['python_version == "3.10.0"', { python_version: "3.10" }, true],
    ['python_version == "3.*"', { python_version: "3.12" }, true],
    ['python_version == "3.12.*"', { python_version: "3.12" }, true],
    ['python_version != "3.1.*"', { python_version: "3.12" }, true],
    ['python_version != "3.1.*"', { python_version: "3.1" }, false],
    ['python_version ~= "3.8"', { python_version: "3.12" }, true],
    ['python_version ~= "3.8"', { python_version: "4.0" }, false],
    ['implementation_version >= "3.12.1"', { implementation_version: "3.12.12" }, true],
    ['platform_release >= "5.10"', { platform_release: "6.1.0" }, true],
    ['platform_release ~= "5.10"', { platform_release: "" }, false],
    // Arbitrary equality compares text, not versions.
    ['python_version === "3.10"', { python_version: "3.10" }, true],
    ['python_version === "3.10.0"', { python_version: "3.10" }, false],
    ['python_version == "3.10.0"', { python_version: "3.10" }, true],
    ['os_name === "posix"', { os_name: "posix" }, true],
    ['os_name === "posi"', { os_name: "posix" }, false],
    // As packaging: any variable compares as a version when both sides are versions ...
    ['platform_version == "1.0"', { platform_version: "1.0.0" }, true],
    // ... and as a string otherwise.
    ['platform_version == "1.0"', { platform_version: "1.0-custom" }, false],
    ['platform_machine != "x86_64"', { platform_machine: "x86_64" }, false],
    ['"arm" in platform_machine', { platform_machine: "armv7l" }, true],
    ['platform_machine not in "x86_64 amd64 AMD64"', { platform_machine: "aarch64" }, true],
    ['platform_machine not in "x86_64 amd64 AMD64"', { platform_machine: "amd64" }, false],
    // Non-versions fall back to string ordering (PEP 508's "Python behaviour").
    ['"b" < python_full_version', { python_full_version: "c" }, true],
    ['"b" < python_full_version', { python_full_version: "a" }, false],
    ['"a" <= "a"', {}, true],
    ['"b" >= "a"', {}, true],
    ['"b" <= "a"', {}, false],
    ['platform_version > "#1"', { platform_version: "#2 SMP" }, true],
    // Precedence: a or (b and c), not (a or b) and c.
    ["os_name == 'posix' or os_name == 'nt' and sys_platform == 'win32'", { os_name: "posix", sys_platform: "linux" }, true],
    ["(os_name == 'posix' or os_name == 'nt') and sys_platform == 'win32'", { os_name: "posix", sys_platform: "linux" }, false],
    ["os_name == 'nt' and sys_platform == 'win32' or os_name == 'posix'", { os_name: "posix", sys_platform: "linux" }, true],
    ["os_name == 'nt' and (sys_platform == 'win32' or os_name == 'posix')", { os_name: "posix", sys_platform: "linux" }, false],
    // Two variables compare their values.
    ["sys_platform == os_name", { sys_platform: "x", os_name: "x" }, true],
  ])("%s with %j is %s", (text, overrides, expected) => {
    expect(evaluateMarker(parseMarker(text), env(overrides))).toBe(expected);
  });

  it("refuses ~= on values that are not versions", () => {
    expect(() => evaluateMarkerText("'2.7.0' ~= os_name", env())).toThrow(LockError);
    expect(() => evaluateMarkerText("python_version ~= 'dog'", env())).toThrow(/Undefined comparison/);
  });
});

describe("evaluateMarker: extra", () => {
  it.each<[string, string[] | undefined, boolean]>([
    ["extra == 'security'", ["quux"], false],
    ["extra == 'security'", ["security"], true],
    ["extra == 'SECURITY'", ["security"], true],
    ["extra == 'security'", ["SECURITY"], true],
    ["extra == 'pep-685-norm'", ["PEP_685...norm"], true],
    ["extra == 'Different.punctuation..is...equal'", ["different__punctuation_is_EQUAL"], true],
    ["'Security' == extra", ["security"], true],
    ["extra == 'security'", ["quux", "security"], true],
    ["extra == 'security'", [], false],
    ["extra == 'security'", undefined, false],
    ["extra != 'security'", undefined, true],
    ["extra != 'security'", [], true],
    ["extra != 'security'", ["quux"], true],
    ["extra != 'security'", ["security"], false],
    // A requested extra makes `!=` false even when other extras are requested.
    ["extra != 'security'", ["quux", "security"], false],
    // Extras are names, never versions (packaging issue #938).
    ["extra == 'v2'", undefined, false],
    ["extra == 'v2'", [""], false],
    ["extra == 'v2'", ["v2"], true],
    ["extra == 'v2'", ["v2a3"], false],
    ["extra == 'v2a3'", ["v2"], false],
    ["extra == 'v2a3'", ["v2a3"], true],
    ["extra == '1.0'", ["1.0.0"], false],
    ["'sec' in extra", ["security"], true],
    ["'sec' not in extra", ["security"], false],
    ["'sec' not in extra", undefined, true],
    ["extra == 'a' and extra == 'b'", ["a", "b"], true],
    ["extra == 'a' and extra == 'b'", ["a"], false],
    ['(extra == "Foo_Bar" or extra == "Baz") and python_version >= "3"', ["foo-bar"], true],
    ["extra == os_name", ["posix"], true],
    ["extra == os_name", ["nt"], false],
  ])("%s with extras %j is %s", (text, extras, expected) => {
    expect(evaluateMarkerText(text, env(), extras && new Set(extras))).toBe(expected);
  });
});

describe("markerEnvironmentFor", () => {
  it("describes CPython on x86_64 Linux completely", () => {
    expect(markerEnvironmentFor({ pythonVersion: "3.12", system: "x86_64-linux" })).toEqual({
      python_version: "3.12",
      python_full_version: "3.12.13",
      sys_platform: "linux",
      platform_system: "Linux",
      platform_machine: "x86_64",
      os_name: "posix",
      implementation_name: "cpython",
      implementation_version: "3.12.13",
      platform_python_implementation: "CPython",
      platform_release: "6.12.0",
      platform_version: "",
    } satisfies MarkerEnvironment);
  });

  it("gives platform_release a value, so exactly one pin of a package split on it applies", () => {
    for (const system of ["x86_64-linux", "aarch64-darwin"]) {
      const e = markerEnvironmentFor({ pythonVersion: "3.12", system });
      const old = evaluateMarkerText('platform_release < "5.0"', e);
      const recent = evaluateMarkerText('platform_release >= "5.0"', e);
      expect([old, recent]).toEqual([false, true]);
    }
  });

  it("orders python pre-releases as PEP 440 does (python_version > 3.13.0a1 holds on 3.13)", () => {
    const e = markerEnvironmentFor({ pythonVersion: "3.13", system: "x86_64-linux" });
    expect(evaluateMarkerText('python_version > "3.13.0a1"', e)).toBe(true);
    expect(evaluateMarkerText('python_full_version < "3.13.0rc1"', e)).toBe(false);
  });

  it.each([
    ["x86_64-linux", "linux", "Linux", "x86_64"],
    ["aarch64-linux", "linux", "Linux", "aarch64"],
    ["x86_64-darwin", "darwin", "Darwin", "x86_64"],
    ["aarch64-darwin", "darwin", "Darwin", "arm64"],
  ])("%s", (system, sys_platform, platform_system, platform_machine) => {
    const e = markerEnvironmentFor({ pythonVersion: "3.11", system });
    expect(e).toMatchObject({ sys_platform, platform_system, platform_machine, os_name: "posix" });
    expect(e).toMatchObject({ implementation_name: "cpython", platform_python_implementation: "CPython" });
    expect(e.python_full_version).toBe("3.11.15");
  });

  it.each([
    ["3.10", "3.10.0"],
    ["3.11", "3.11.15"],
    ["3.12", "3.12.13"],
    ["3.13", "3.13.14"],
    ["3.14", "3.14.6"],
    ["3.9", "3.9.0"],
    ["3.15", "3.15.0b3"],
    ["3.16", "3.16.0"],
    ["3.12.3", "3.12.3"],
  ])("python %s is %s", (pythonVersion, full) => {
    const e = markerEnvironmentFor({ pythonVersion, system: "aarch64-darwin" });
    expect(e.python_full_version).toBe(full);
    expect(e.implementation_version).toBe(full);
    expect(e.python_version).toBe(pythonVersion.split(".").slice(0, 2).join("."));
  });

  it("documents a patch release for each supported minor", () => {
    expect(Object.keys(NIXPKGS_PYTHON_PATCH_RELEASES)).toEqual([...NIXPKGS_PYTHONS].reverse());
  });

  it.each(["x86_64-windows", "i686-linux", "linux", "", "toString"])("refuses system %j", (system) => {
    const run = () => markerEnvironmentFor({ pythonVersion: "3.12", system });
    expect(run).toThrow(Lock2nixError);
    expect(run).toThrow(`unsupported Nix system ${JSON.stringify(system)}`);
  });

  it.each<[string, Record<string, boolean>]>([
    ['sys_platform == "win32"', { "x86_64-linux": false, "aarch64-linux": false, "x86_64-darwin": false, "aarch64-darwin": false }],
    ['sys_platform == "darwin" and platform_machine == "arm64"', { "x86_64-linux": false, "aarch64-linux": false, "x86_64-darwin": false, "aarch64-darwin": true }],
    ['platform_machine == "aarch64" or platform_machine == "arm64"', { "x86_64-linux": false, "aarch64-linux": true, "x86_64-darwin": false, "aarch64-darwin": true }],
    ['platform_system != "Windows" and os_name == "posix"', { "x86_64-linux": true, "aarch64-linux": true, "x86_64-darwin": true, "aarch64-darwin": true }],
    ['platform_system == "Linux" and platform_machine == "x86_64"', { "x86_64-linux": true, "aarch64-linux": false, "x86_64-darwin": false, "aarch64-darwin": false }],
  ])("evaluates %s per system", (text, bySystem) => {
    for (const [system, expected] of Object.entries(bySystem)) {
      expect(evaluateMarkerText(text, markerEnvironmentFor({ pythonVersion: "3.12", system })), system).toBe(expected);
    }
  });

  it.each([
    ['python_full_version < "3.11.2"', "3.11", false],
    ['python_full_version >= "3.12.4"', "3.12", true],
    ['python_full_version >= "3.13.15"', "3.13", false],
    ['python_version >= "3.11" and python_version < "3.13"', "3.12", true],
    ['python_version >= "3.11" and python_version < "3.13"', "3.10", false],
    ['implementation_name == "pypy"', "3.12", false],
  ])("%s on python %s is %s", (text, pythonVersion, expected) => {
    expect(evaluateMarkerText(text, markerEnvironmentFor({ pythonVersion, system: "x86_64-linux" }))).toBe(expected);
  });
});

describe("PEP 751 lock-file variables: extras and dependency_groups", () => {
  const LOCK = { lockFile: true } as const;
  const ctx = (extras: string[], groups: string[]) => ({ extras: new Set(extras), dependencyGroups: new Set(groups) });

  it.each([
    ["'dev' in dependency_groups", '"dev" in dependency_groups'],
    ["'Dev_Tools' not in dependency_groups", '"dev-tools" not in dependency_groups'],
    ['"TOML" in extras', '"toml" in extras'],
    ["('dev' in dependency_groups) and (python_version >= '3.10')", '"dev" in dependency_groups and python_version >= "3.10"'],
    ["'a' in extras or 'b' in dependency_groups", '"a" in extras or "b" in dependency_groups'],
  ])("parses %s in lock-file mode as %s", (text, canonical) => {
    expect(markerToString(parseMarker(text, LOCK))).toBe(canonical);
    expect(parseMarker(canonical, LOCK)).toEqual(parseMarker(text, LOCK));
  });

  it("keeps them unknown outside lock files, as PEP 508 asks", () => {
    for (const text of ["'dev' in dependency_groups", "'a' in extras"]) {
      expect(parseError(() => parseMarker(text)).message).toContain("Expected a marker variable or quoted string");
    }
  });

  it.each([
    ["extras == 'a'", "extras", "~".repeat(13) + "^"],
    ["dependency_groups in 'dev'", "dependency_groups", "~".repeat(26) + "^"],
    ["'dev' < dependency_groups", "dependency_groups", "~".repeat(25) + "^"],
    ["extras in dependency_groups", "extras", "~".repeat(27) + "^"],
    ["os_name == 'a' and 'a' not in extra and 'x' >= extras", "extras", " ".repeat(40) + "~".repeat(13) + "^"],
  ])("refuses %j: sets are only tested for membership", (text, variable, underline) => {
    const err = parseError(() => parseMarker(text, LOCK));
    expect(err.message).toBe(
      `\`${variable}\` is a set of names: compare it as '<name>' in ${variable} or '<name>' not in ${variable}\n    ${text}\n    ${underline}`,
    );
  });

  it.each<[string, string[], string[], boolean]>([
    ["'dev' in dependency_groups", [], ["dev"], true],
    ["'dev' in dependency_groups", [], ["default"], false],
    ["'dev' in dependency_groups", [], [], false],
    ["'DEV' in dependency_groups", [], ["dev"], true],
    ["'dev' in dependency_groups", [], ["Dev"], true],
    ["'dev' not in dependency_groups", [], ["default"], true],
    ["'dev' not in dependency_groups", [], ["dev", "default"], false],
    // Membership of the set, never a substring of a member.
    ["'de' in dependency_groups", [], ["dev"], false],
    ["'toml' in extras", ["toml"], [], true],
    ["'toml' in extras", ["tom"], [], false],
    ["'a' in extras and 'b' in extras", ["a", "b"], [], true],
    ["'a' in extras and 'b' in extras", ["a"], [], false],
    ["'a' in extras and 'a' not in dependency_groups", ["a"], ["a"], false],
    ["('dev' in dependency_groups) and (python_version >= '3.10')", [], ["dev"], true],
    ["('dev' in dependency_groups) and (python_version >= '3.13')", [], ["dev"], false],
  ])("%s with extras %j and groups %j is %s", (text, extras, groups, expected) => {
    expect(evaluateMarker(parseMarker(text, LOCK), env(), undefined, ctx(extras, groups))).toBe(expected);
    expect(evaluateMarkerText(text, env(), undefined, ctx(extras, groups))).toBe(expected);
  });

  it("leaves the `extra` variable to the extras argument, apart from the sets", () => {
    const node = parseMarker("extra == 'x' and 'y' in extras", LOCK);
    expect(evaluateMarker(node, env(), new Set(["x"]), ctx(["y"], []))).toBe(true);
    expect(evaluateMarker(node, env(), new Set(["y"]), ctx(["x"], []))).toBe(false);
  });

  it("is an error to evaluate them without a lock context", () => {
    const node = parseMarker("'dev' in dependency_groups", LOCK);
    expect(() => evaluateMarker(node, env())).toThrow(LockError);
    expect(() => evaluateMarker(node, env())).toThrow(
      "marker variable `dependency_groups` is only defined when installing from a lock file (PEP 751), and no lock context was given",
    );
  });

  it.each<[string, { extras?: string[]; dependencyGroups?: string[] }, string | boolean]>([
    ["'dev' in dependency_groups", { dependencyGroups: ["dev"] }, true],
    ["'dev' in dependency_groups", { dependencyGroups: ["default"] }, false],
    ["('dev' in dependency_groups) and (python_version >= '3.10')", { dependencyGroups: ["dev"] }, 'python_version >= "3.10"'],
    ["('dev' in dependency_groups) and (python_version >= '3.10')", { dependencyGroups: [] }, false],
    ["'dev' in dependency_groups or sys_platform == 'win32'", { dependencyGroups: ["dev"] }, true],
    ["'dev' in dependency_groups or sys_platform == 'win32'", { dependencyGroups: [] }, 'sys_platform == "win32"'],
    [
      "('default' in dependency_groups or 'test' in dependency_groups) and 'a' in extras and os_name == 'posix'",
      { dependencyGroups: ["test"] },
      '"a" in extras and os_name == "posix"',
    ],
    // A variable that is not given stays.
    ["'a' in extras and 'dev' in dependency_groups", { extras: ["a"] }, '"dev" in dependency_groups'],
    ["os_name == 'posix'", { extras: [], dependencyGroups: [] }, 'os_name == "posix"'],
    ["'a' in extras or 'b' in extras", { extras: [] }, false],
    ["'a' not in extras and 'b' not in extras", { extras: [] }, true],
  ])("specializes %s with %j to %j", (text, known, expected) => {
    const result = specializeMarker(parseMarker(text, LOCK), {
      ...(known.extras ? { extras: new Set(known.extras) } : {}),
      ...(known.dependencyGroups ? { dependencyGroups: new Set(known.dependencyGroups) } : {}),
    });
    expect(typeof result === "boolean" ? result : markerToString(result)).toBe(expected);
  });

  it("tells which variables a marker uses", () => {
    const node = parseMarker("os_name == 'posix' and ('a' in extras or python_version < '3.11')", LOCK);
    expect(markerUses(node, "extras")).toBe(true);
    expect(markerUses(node, "dependency_groups")).toBe(false);
    expect(markerUses(node, "python_version")).toBe(true);
  });
});
