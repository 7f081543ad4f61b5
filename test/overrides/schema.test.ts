import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadUserFiles, OverrideError, parseLibraryFile, parseUserFile } from "../../src/overrides/index.js";
import { tempDir } from "../helpers.js";

function problems(parse: () => unknown): string[] {
  try {
    parse();
  } catch (err) {
    if (err instanceof OverrideError) return err.lines();
    throw err;
  }
  throw new Error("parsed without an error");
}

const KEYS = "reason, versions, build-system, nativeBuildInputs, buildInputs, patches, env, cargo, network-at-build, relax-build-pins, flags, substitutions, build-flags, darwin, linux, wheel, when";
const ATTR = "is not a nixpkgs attribute path (identifiers of letters, digits, _ ' -, joined by dots)";

/** [what, file text, every problem reported as file:line: field: message]. */
const INVALID: Array<[string, string, string[]]> = [
  ["an unknown key", "reason: x\nbuildInput: [zlib]\n", [`demo.yaml:2: buildInput: unknown key \`buildInput\` (expected one of: ${KEYS})`]],
  ["no reason", "build-system: [setuptools]\n", ["demo.yaml:1: `reason` is required: say in one line why the package needs this"]],
  ["an empty reason", 'reason: "  "\n', ["demo.yaml:1: reason: must not be empty"]],
  ["a string for a list", "reason: x\nbuildInputs: zlib\n", ['demo.yaml:2: buildInputs: expected a list, got the string "zlib"']],
  ["an attribute path with a space", 'reason: x\nbuildInputs:\n  - zlib\n  - "lib xml"\n', [`demo.yaml:4: buildInputs[1]: "lib xml" ${ATTR}`]],
  ["an empty path segment", "reason: x\nnativeBuildInputs: [libxml2..dev]\n", [`demo.yaml:2: nativeBuildInputs[0]: "libxml2..dev" ${ATTR}`]],
  ["a dotted python attribute", "reason: x\nbuild-system: [python3Packages.setuptools]\n", ['demo.yaml:2: build-system[0]: "python3Packages.setuptools" is not a python-package attribute name (a plain identifier: letters, digits, _ \' -)']],
  ["a bad version range", 'reason: x\nbuild-system:\n  - {name: cython, versions: ">=2.0,,"}\n', ['demo.yaml:3: build-system[0].versions: ">=2.0,," is not a PEP 440 version range (e.g. ">=2.0,<3")']],
  ["a number for a range", "reason: x\nversions: 2\n", ["demo.yaml:2: versions: expected a PEP 440 version range (quote it), got the number 2"]],
  ["an unknown item key", "reason: x\nbuildInputs:\n  - {name: zlib, when: linux}\n", ["demo.yaml:3: buildInputs[0].when: unknown key `when` (expected one of: name, versions)"]],
  ["an item without name", 'reason: x\nbuildInputs:\n  - {versions: ">=1"}\n', ["demo.yaml:3: buildInputs[0]: a list item written as a map needs `name`"]],
  ["a number in env", "reason: x\nenv:\n  FOO: 1\n", ["demo.yaml:3: env.FOO: expected a string or { attr: <nixpkgs attribute path> } (quote it), got the number 1"]],
  ["a bad env name", 'reason: x\nenv:\n  "FOO-BAR": "1"\n', ['demo.yaml:3: env.FOO-BAR: "FOO-BAR" is not an environment variable name (letters, digits, _)']],
  ["a bad env attr", 'reason: x\nenv:\n  HDF5_DIR: {attr: "hdf5 dev"}\n', [`demo.yaml:3: env.HDF5_DIR.attr: "hdf5 dev" ${ATTR}`]],
  ["a cargo root outside the sdist", "reason: x\ncargo:\n  root: ../x\n", ['demo.yaml:3: cargo.root: "../x" is not a relative path inside the sdist (e.g. src/_bcrypt)']],
  ["a string for maturin", 'reason: x\ncargo:\n  maturin: "yes"\n', ['demo.yaml:3: cargo.maturin: expected true or false, got the string "yes"']],
  ["an unknown cargo key", "reason: x\ncargo:\n  lockfile: Cargo.lock\n", ["demo.yaml:3: cargo.lockfile: unknown key `lockfile` (expected one of: root, maturin, git-hashes)"]],
  ["a bad git-crate hash", "reason: x\ncargo:\n  git-hashes:\n    foo-1.0: sha256-abc\n", ['demo.yaml:4: cargo.git-hashes.foo-1.0: "sha256-abc" is not an SRI sha256 hash (sha256-…=)']],
  ["a flag nixpkgs' hooks do not read here", "reason: x\nflags:\n  dontUseNinjaBuild: true\n", ["demo.yaml:3: flags.dontUseNinjaBuild: unknown key `dontUseNinjaBuild` (expected one of: dontUseCmakeConfigure, dontUseMesonConfigure)"]],
  ["a string for relax-build-pins", 'reason: x\nrelax-build-pins: 1\n', ['demo.yaml:2: relax-build-pins: expected true or false, got the number 1']],
  ["a string for network-at-build", 'reason: x\nnetwork-at-build: "yes"\n', ['demo.yaml:2: network-at-build: expected true or false, got the string "yes"']],
  ["cargo in a system block", "reason: x\ndarwin:\n  cargo: {}\n", ["demo.yaml:3: darwin.cargo: unknown key `cargo` (expected one of: build-system, nativeBuildInputs, buildInputs, patches, env, flags, substitutions, build-flags)"]],
  ["a substitution outside the source", "reason: x\nsubstitutions:\n  - {file: ../etc/passwd, replace: a, with: b}\n", ['demo.yaml:3: substitutions[0].file: "../etc/passwd" is not a relative path inside the source (e.g. psycopg/pq/_pq_ctypes.py)']],
  ["a substitution without with", "reason: x\nsubstitutions:\n  - {file: a.py, replace: a}\n", ["demo.yaml:3: substitutions[0]: expected file, replace and with"]],
  ["a store path that is not an attribute", "reason: x\nsubstitutions:\n  - {file: a.py, replace: a, with: \"{lib:lib pq}/lib\"}\n", ['demo.yaml:3: substitutions[0].with: "lib pq" in {lib:lib pq} is not a nixpkgs attribute path']],
  ["a wheel block with a source-build field", "reason: x\nwheel:\n  env: {A: b}\n", ["demo.yaml:3: wheel.env: unknown key `env` (expected one of: nativeBuildInputs, buildInputs, ignore-missing-libs)"]],
  ["a library name with a slash", "reason: x\nwheel:\n  ignore-missing-libs: [../libc.so]\n", ['demo.yaml:3: wheel.ignore-missing-libs[0]: "../libc.so" is not a library file name (e.g. libcuda.so.1)']],
  ["a build flag that is not a flag", "reason: x\nbuild-flags: [rm -rf]\n", ['demo.yaml:2: build-flags[0]: "rm -rf" is not a flag of pypa build (e.g. -Csetup-args=-Dx=y)']],
  ["a when block without versions", "reason: x\nwhen:\n  - buildInputs: [zlib]\n", ["demo.yaml:3: when[0]: a `when` block needs `versions`"]],
  ["a map for when", 'reason: x\nwhen: {versions: ">1"}\n', ["demo.yaml:2: when: expected a list, got a map"]],
  ["+field in the library", "reason: x\n+buildInputs: [zlib]\n", ["demo.yaml:2: +buildInputs: `+buildInputs` appends to the library's list: only --overrides files may use it"]],
  ["a YAML syntax error", "reason: x\nbuildInputs: [zlib\n", ["demo.yaml:3: YAML: Flow sequence in block collection must be sufficiently indented and end with a ]"]],
  ["a duplicate key", "reason: x\nreason: y\n", ["demo.yaml:2: YAML: Map keys must be unique"]],
  ["an alias", "reason: &r x\nbuildInputs: [*r]\n", ["demo.yaml:2: YAML aliases (*name) are not supported: write the value out"]],
  ["a list at the top", "- zlib\n", ["demo.yaml:1: expected a map, got a list"]],
  [
    "several problems at once",
    'reason: 3\nbuildInputs: ["a b"]\nfoo: 1\n',
    ["demo.yaml:1: reason: expected a string (quote it), got the number 3", `demo.yaml:2: buildInputs[0]: "a b" ${ATTR}`, `demo.yaml:3: foo: unknown key \`foo\` (expected one of: ${KEYS})`],
  ],
];

describe("override files are validated strictly", () => {
  it.each(INVALID)("%s", (_what, text, expected) => {
    expect(problems(() => parseLibraryFile(text, "demo.yaml", "demo"))).toEqual(expected);
  });

  it("wants the file named by the normalized package name", () => {
    expect(problems(() => parseLibraryFile("reason: x\n", "overrides/Foo_Bar.yaml", "Foo_Bar"))).toEqual([
      "overrides/Foo_Bar.yaml:1: the file name must be the package's PEP 503-normalized name (foo-bar.yaml)",
    ]);
  });

  it("reads user files as a map of package -> entry, reporting problems with the package as field", () => {
    expect(problems(() => parseUserFile('"not a name!": {}\n', "my.yaml"))).toEqual(['my.yaml:1: not a name!: "not a name!" is not a Python package name']);
    expect(problems(() => parseUserFile("lxml: [zlib]\n", "my.yaml"))).toEqual(["my.yaml:1: lxml: expected a map, got a list"]);
    expect(problems(() => parseUserFile("lxml:\n  buildInput: [zlib]\n", "my.yaml"))).toEqual([
      `my.yaml:2: lxml.buildInput: unknown key \`buildInput\` (expected one of: ${KEYS})`,
    ]);
    const [entry] = parseUserFile("Foo_Bar:\n  +buildInputs: [zlib]\n", "my.yaml");
    expect(entry).toMatchObject({ name: "foo-bar", append: { buildInputs: [{ value: "zlib" }] }, file: "my.yaml", line: 2 });
    expect(parseUserFile("", "empty.yaml")).toEqual([]);
  });

  it("formats every problem for the CLI, and names a missing --overrides file", () => {
    const err = (() => {
      try {
        parseLibraryFile("foo: 1\nbar: 2\n", "demo.yaml", "demo");
      } catch (e) {
        return e as OverrideError;
      }
      throw new Error("no error");
    })();
    expect(err.format()).toBe(
      [`demo.yaml:1: foo: unknown key \`foo\` (expected one of: ${KEYS})`, `demo.yaml:2: bar: unknown key \`bar\` (expected one of: ${KEYS})`, "demo.yaml:1: `reason` is required: say in one line why the package needs this"].join("\n"),
    );
    const dir = tempDir();
    expect(() => loadUserFiles([join(dir, "nope.yaml")])).toThrow(`--overrides ${join(dir, "nope.yaml")}: no such file`);
    writeFileSync(join(dir, "bad.yaml"), "lxml:\n  buildInputs: [\"x y\"]\n");
    expect(() => loadUserFiles([join(dir, "bad.yaml")])).toThrow(OverrideError);
  });
});
