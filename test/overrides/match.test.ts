import { describe, expect, it } from "vitest";
import { matchOverride, OverrideSet, parseLibraryFile, parseUserFile } from "../../src/overrides/index.js";

const lib = (name: string, text: string) => parseLibraryFile(text, `overrides/${name}.yaml`, name);

describe("matchOverride", () => {
  it("filters by version and system and merges the blocks in order", () => {
    const set = new OverrideSet([
      lib(
        "demo",
        `reason: demo
build-system: [setuptools, {name: cython, versions: ">=2"}]
buildInputs: [zlib]
env: {A: "1"}
darwin:
  buildInputs: [libiconv]
  env: {A: "2"}
when:
  - versions: "<2"
    nativeBuildInputs: [pkg-config]
  - versions: ">=2"
    cargo: {root: rust, maturin: true}
    linux:
      buildInputs: [openssl]
`,
      ),
    ]);
    expect(set.match("demo", "1.5", "x86_64-linux")).toMatchObject({
      buildSystem: ["setuptools"],
      nativeBuildInputs: ["pkg-config"],
      buildInputs: ["zlib"],
      env: { A: { string: "1" } },
      networkAtBuild: false,
    });
    expect(set.match("demo", "1.5", "x86_64-linux")?.cargo).toBeUndefined();
    expect(set.match("Demo", "2.1", "aarch64-darwin")).toMatchObject({
      buildSystem: ["setuptools", "cython"],
      nativeBuildInputs: [],
      buildInputs: ["zlib", "libiconv"],
      env: { A: { string: "2" } },
      cargo: { root: "rust", maturin: true, gitHashes: {} },
    });
    expect(set.match("demo", "2.1", "x86_64-linux")?.buildInputs).toEqual(["zlib", "openssl"]);
    expect(set.match("other", "1", "x86_64-linux")).toBeUndefined();
  });

  it("applies an entry's own version range to all of it", () => {
    const set = new OverrideSet([lib("demo", 'reason: demo\nversions: "<1"\nbuildInputs: [zlib]\n')]);
    expect(set.match("demo", "0.9", "x86_64-linux")?.buildInputs).toEqual(["zlib"]);
    expect(set.match("demo", "1.0", "x86_64-linux")).toBeUndefined();
  });

  it("reads the shipped library: lxml, psycopg2, cryptography by version", () => {
    expect(matchOverride("lxml", "5.3.0", "x86_64-linux")).toMatchObject({
      buildSystem: ["cython", "setuptools"],
      nativeBuildInputs: ["pkg-config", "libxml2.dev", "libxslt.dev"],
      buildInputs: ["libxml2", "libxslt", "zlib"],
    });
    expect(matchOverride("psycopg2", "2.9.9", "x86_64-linux")).toMatchObject({ nativeBuildInputs: ["libpq.pg_config"], buildInputs: ["libpq"] });
    expect(matchOverride("cryptography", "41.0.7", "x86_64-linux")?.cargo).toEqual({ root: "src/rust", maturin: false, gitHashes: {} });
    expect(matchOverride("cryptography", "44.0.0", "aarch64-darwin")).toMatchObject({
      // setuptools beside the maturin hook, as nixpkgs' cryptography 46
      buildSystem: ["cffi", "setuptools"],
      buildInputs: ["openssl", "libiconv"],
      cargo: { maturin: true },
    });
    expect(matchOverride("cryptography", "3.3.2", "x86_64-linux")?.cargo).toBeUndefined();
    expect(matchOverride("uvloop", "0.21.0", "x86_64-linux")?.substitutions).toEqual([{ file: "setup.py", replace: "use_system_libuv = False", with: [{ text: "use_system_libuv = True" }] }]);
    expect(matchOverride("psycopg", "3.2.9", "x86_64-linux")?.substitutions.map((s) => s.with)).toEqual([
      [{ text: "libname = '" }, { attr: "libpq", output: "lib" }, { text: "/lib/libpq.so'" }],
      [{ text: "libcname = '" }, { attr: "glibc", output: "lib" }, { text: "/lib/libc.so.6'" }],
    ]);
    expect(matchOverride("matplotlib", "3.10.0", "x86_64-linux")).toMatchObject({ networkAtBuild: false, buildFlags: ["-Csetup-args=-Dsystem-freetype=true", "-Csetup-args=-Dsystem-qhull=true"] });
  });

  it("puts user entries after the library's: lists replace, +lists append, env and flags merge by key", () => {
    const user = new OverrideSet(
      parseUserFile(
        `lxml:
  buildInputs: [libxml2]
  env: {EXTRA: "yes"}
pyyaml:
  +buildInputs: [zlib]
  +build-system: [wheel]
brand-new:
  +build-system: [hatchling]
  network-at-build: true
`,
        "mine.yaml",
      ),
    );
    const lxml = matchOverride("lxml", "5.3.0", "x86_64-linux", user);
    expect(lxml).toMatchObject({ buildInputs: ["libxml2"], nativeBuildInputs: ["pkg-config", "libxml2.dev", "libxslt.dev"], env: { EXTRA: { string: "yes" } } });
    expect(lxml?.files).toEqual(["overrides/lxml.yaml", "mine.yaml"]);
    expect(matchOverride("pyyaml", "6.0.2", "x86_64-linux", user)).toMatchObject({
      buildSystem: ["cython", "setuptools", "wheel"],
      buildInputs: ["libyaml", "zlib"],
    });
    // Nothing said what brand-new builds with: the fallback (setuptools) stays, hatchling is added to it.
    expect(matchOverride("brand-new", "1.0", "x86_64-linux", user)).toMatchObject({ buildSystemAppend: ["hatchling"], networkAtBuild: true });
    expect(matchOverride("brand-new", "1.0", "x86_64-linux", user)?.buildSystem).toBeUndefined();
  });

  it("lets a later user file win over an earlier one", () => {
    const a = parseUserFile("demo:\n  buildInputs: [zlib]\n  env: {X: a, Y: a}\n", "a.yaml");
    const b = parseUserFile("demo:\n  buildInputs: [openssl]\n  env: {Y: b}\n", "b.yaml");
    expect(new OverrideSet([...a, ...b]).match("demo", "1", "x86_64-linux")).toMatchObject({
      buildInputs: ["openssl"],
      env: { X: { string: "a" }, Y: { string: "b" } },
      files: ["a.yaml", "b.yaml"],
    });
  });
});
