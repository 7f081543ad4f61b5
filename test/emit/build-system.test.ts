import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { chooseBuildSystem, FALLBACK_BUILD_SYSTEM, NONE, RELAX_PINS } from "../../src/emit/build-system.js";
import { previousKey, readPreviousBuilds } from "../../src/emit/previous.js";
import { KNOWN_BUILD_ATTRS, mapBuildRequires } from "../../src/inspect/build-requires.js";
import { buildTableFile, parseSegments, tableBuildRequires, tablePackages } from "../../src/inspect/build-table.js";
import { defaultLibrary, loadUserFiles, type SdistFacts } from "../../src/overrides/index.js";
import { normalizeName } from "../../src/pep/normalize.js";
import { NIX_SKIP_REASON, SHARED, SHARED_SKIP_REASON, tempDir } from "../helpers.js";

const ROOT = join(import.meta.dirname, "..", "..");
const POETRY2NIX = join(SHARED, "peers", "poetry2nix-data", "build-systems.json");

describe("the build-backend table (data/build-systems.txt)", () => {
  it.each([
    // click moved from setuptools to flit-core at 8.1.8: `until` is exclusive, `from` inclusive.
    ["click", "8.1.7", ["setuptools"]],
    ["click", "8.1.8rc1", ["setuptools"]],
    ["click", "8.1.8", ["flit-core"]],
    ["click", "8.2.0", ["flit-core"]],
    // packaging went setuptools -> flit-core -> setuptools -> flit-core.
    ["packaging", "20.3", ["setuptools"]],
    ["packaging", "20.4", ["flit-core"]],
    ["packaging", "20.7", ["flit-core"]],
    ["packaging", "20.8", ["setuptools"]],
    ["packaging", "21.3", ["setuptools"]],
    ["packaging", "22.0", ["flit-core"]],
    // urllib3 (curated): three ranges, the last with pins nixpkgs cannot meet.
    ["urllib3", "1.26.20", ["flit-core", "setuptools"]],
    ["urllib3", "2.0.2", ["hatchling", "setuptools"]],
    ["urllib3", "2.2.2", ["hatchling", "setuptools"]],
    ["urllib3", "2.2.3", ["hatch-vcs", "hatchling", RELAX_PINS, "setuptools"]],
    // numpy before 1.26 built with Cython < 3: nixpkgs' cython, with the pin relaxed.
    ["numpy", "1.25.2", ["cython", RELAX_PINS, "setuptools"]],
    ["numpy", "1.26.0", ["cython", "setuptools"]],
    ["numpy", "2.0.0", ["cython", "meson-python", "setuptools"]],
    // One range for every version; any version string.
    ["idna", "3.13", ["flit-core", "setuptools"]],
    ["idna", "not-pep-440", ["flit-core", "setuptools"]],
    ["setuptools", "80.0.0", [NONE]],
  ])("%s %s: %j", (name, version, expected) => {
    expect(tableBuildRequires(name, version)).toEqual(expected);
  });

  it("has no answer past a last range, for a version that is not PEP 440 where ranges matter, or for a name it lacks", () => {
    // treelib (curated) is known only before 1.7.
    expect(tableBuildRequires("treelib", "1.6.4")).toEqual(["setuptools"]);
    expect(tableBuildRequires("treelib", "1.7.0")).toBeUndefined();
    expect(tableBuildRequires("click", "eight")).toBeUndefined();
    expect(tableBuildRequires("no-such-package-lock2nix", "1.0")).toBeUndefined();
  });

  it("reads open bounds on either side", () => {
    expect(parseSegments("..1.0=a 1.0..2.0=b,c 2.0..=d")).toEqual([
      { until: "1.0", requires: ["a"] },
      { from: "1.0", until: "2.0", requires: ["b", "c"] },
      { from: "2.0", requires: ["d"] },
    ]);
    expect(parseSegments("a,b")).toEqual([{ requires: ["a", "b"] }]);
  });

  it("names only attributes lock2nix knows exist in nixpkgs, for sorted, normalized package names", () => {
    const names = tablePackages();
    expect(names).toEqual([...names].sort());
    expect(names.length).toBeGreaterThan(4900);
    const top5000 = readFileSync(join(ROOT, "data", "top-pypi-packages.txt"), "utf8").split("\n").slice(0, 5000);
    expect(top5000.filter((n) => names.includes(n)).length).toBeGreaterThanOrEqual(3000);
    const bad: string[] = [];
    for (const name of names) {
      if (normalizeName(name) !== name) bad.push(name);
      for (const segment of parseSegments(readFileSync(buildTableFile(), "latin1").split("\n").find((l) => l.startsWith(`${name} `))!.slice(name.length + 1))) {
        const requires = segment.requires.filter((r) => r !== RELAX_PINS && r !== NONE);
        const mapped = mapBuildRequires(requires);
        if (mapped.unknown.length > 0 || mapped.attrs.length + mapped.hooks.length !== requires.length) bad.push(`${name}: ${requires.join(",")}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it.skipIf(SHARED_SKIP_REASON)("is what scripts/build-systems.mjs writes from its sources", () => {
    const out = join(tempDir(), "build-systems.txt");
    execFileSync(process.execPath, ["--import", "tsx", join(ROOT, "scripts", "build-systems.mjs"), POETRY2NIX, out], { stdio: ["ignore", "ignore", "pipe"] });
    expect(readFileSync(out, "utf8")).toBe(readFileSync(buildTableFile(), "utf8"));
  });

  it.skipIf(NIX_SKIP_REASON)("has every attribute it can name in the stand-in nixpkgs' python set", () => {
    const names = JSON.stringify(KNOWN_BUILD_ATTRS).replace(/,/g, " ");
    const expr = `let p = import ${join(ROOT, "test", "nix", "nixpkgs")} { system = "x86_64-linux"; }; in builtins.filter (n: !(p.python311.pkgs ? \${n})) ${names}`;
    expect(JSON.parse(execFileSync("nix-instantiate", ["--eval", "--strict", "--json", "--expr", expr], { encoding: "utf8" }))).toEqual([]);
  });
});

describe("the fallback set", () => {
  it("covers far more of the table's packages than setuptools alone", () => {
    const share = (set: Set<string>) => {
      let covered = 0;
      for (const name of tablePackages()) {
        // The newest range: what a fresh lock most likely pins.
        const requires = tableBuildRequires(name, "999999") ?? [];
        if (requires.every((r) => set.has(r) || r === RELAX_PINS || r === NONE)) covered++;
      }
      return covered / tablePackages().length;
    };
    const fallback = share(new Set(FALLBACK_BUILD_SYSTEM));
    const setuptools = share(new Set(["setuptools"]));
    expect(fallback).toBeGreaterThanOrEqual(0.95);
    expect(setuptools).toBeLessThan(0.75);
    for (const attr of FALLBACK_BUILD_SYSTEM) expect(KNOWN_BUILD_ATTRS).toContain(attr);
  });
});

describe("which build system a source build names", () => {
  const hatchFacts: SdistFacts = { from: "sdist", buildRequires: ["hatchling"], nativeSources: false };
  const previous = readPreviousBuilds(undefined);
  previous.set(previousKey("click", "8.1.8", "sha256-AAAA"), { buildSystem: ["poetry-core"], buildHooks: [], relaxBuildPins: true });
  const choose = (name: string, version: string, facts?: SdistFacts, overrides = defaultLibrary()) =>
    chooseBuildSystem(name, version, () => "sha256-AAAA", overrides.match(name, version, "x86_64-linux"), facts, previous);

  it("takes the user's override over the library's", () => {
    const file = join(tempDir(), "mine.yaml");
    writeFileSync(file, "lxml:\n  build-system: [meson-python]\n");
    expect(choose("lxml", "5.0.0").attrs).toEqual(["cython", "setuptools"]);
    expect(choose("lxml", "5.0.0", undefined, defaultLibrary().concat(loadUserFiles([file])))).toMatchObject({ attrs: ["meson-python"], origin: "override" });
  });

  it("takes the library's over the sdist's, relaxing the check for what it leaves out", () => {
    expect(choose("lxml", "5.0.0", hatchFacts)).toEqual({ attrs: ["cython", "setuptools"], hooks: [], relaxBuildPins: true, origin: "override" });
    expect(choose("lxml", "5.0.0", { ...hatchFacts, buildRequires: ["setuptools"] }).relaxBuildPins).toBe(false);
  });

  it("takes the sdist's (or the local tree's) over the previous output", () => {
    expect(choose("click", "8.1.8", hatchFacts)).toMatchObject({ attrs: ["hatchling"], origin: "sdist" });
    expect(choose("click", "8.1.8", { ...hatchFacts, from: "local" })).toMatchObject({ attrs: ["hatchling"], origin: "local" });
  });

  it("takes the previous output over the table, for the same source hash only", () => {
    expect(choose("click", "8.1.8")).toEqual({ attrs: ["poetry-core"], hooks: [], relaxBuildPins: true, origin: "previous" });
    expect(chooseBuildSystem("click", "8.1.8", () => "sha256-BBBB", undefined, undefined, previous)).toMatchObject({ attrs: ["flit-core"], origin: "table" });
  });

  it("takes the table over the fallback, and maps what it names", () => {
    expect(choose("urllib3", "2.6.3")).toEqual({ attrs: ["hatch-vcs", "hatchling", "setuptools"], hooks: [], relaxBuildPins: true, origin: "table" });
    expect(choose("setuptools", "80.0.0")).toEqual({ attrs: [], hooks: [], relaxBuildPins: false, origin: "table" });
  });

  it("falls back to the set of pure-Python backends when nothing is known", () => {
    expect(choose("no-such-package-lock2nix", "1.0")).toEqual({ attrs: [...FALLBACK_BUILD_SYSTEM], hooks: [], relaxBuildPins: false, origin: "fallback" });
  });

  it("relaxes the check where an override says so, whatever else decides", () => {
    const file = join(tempDir(), "relax.yaml");
    writeFileSync(file, "no-such-package-lock2nix:\n  relax-build-pins: true\n");
    expect(choose("no-such-package-lock2nix", "1.0", undefined, defaultLibrary().concat(loadUserFiles([file])))).toMatchObject({ origin: "fallback", relaxBuildPins: true });
  });
});

describe("the previous output's build facts", () => {
  const header = "# Generated by lock2nix 0.1.0 from poetry.lock. Do not edit: run lock2nix again.\n# lockfile-sha256: " + "0".repeat(64) + "\n";
  const drv = (name: string, version: string, hash: string, buildSystem: string, extra = "") =>
    `    ${name} = buildPythonPackage {\n      pname = "${name}";\n      version = "${version}";\n      pyproject = true;\n      src = fetchurl {\n        url = "https://x/${name}.tar.gz";\n        hash = "${hash}";\n      };\n      build-system = ${buildSystem};\n${extra}      passthru = {\n        purl = "pkg:pypi/${name}@${version}";\n      };\n    };\n`;

  it("reads each derivation's build-system, hooks and relaxed check, by name, version and source hash", () => {
    const text =
      header +
      "{\n" +
      drv("a", "1.0", "sha256-AA==", "[\n        pythonPackages.hatch-vcs\n        pythonPackages.hatchling\n      ]", '      pypaBuildFlags = [ "--skip-dependency-check" ];\n') +
      drv("b", "2.0", "sha256-BB==", "[ pythonPackages.setuptools ]", '      nativeBuildInputs = [ pkgs.rustPlatform.maturinBuildHook ];\n      pythonImportsCheck = [ "b" "b_ext" ];\n') +
      "}\n";
    const builds = readPreviousBuilds(text);
    expect([...builds]).toEqual([
      [previousKey("a", "1.0", "sha256-AA=="), { buildSystem: ["hatch-vcs", "hatchling"], buildHooks: [], relaxBuildPins: true }],
      [previousKey("b", "2.0", "sha256-BB=="), { importNames: ["b", "b_ext"], buildSystem: ["setuptools"], buildHooks: ["rustPlatform.maturinBuildHook"], relaxBuildPins: false }],
    ]);
  });

  it("leaves out what fell back (or was guessed, in older files), and reads nothing from a file lock2nix did not write", () => {
    const body = "{\n" + drv("a", "1.0", "sha256-AA==", "[ pythonPackages.setuptools ]") + drv("b", "1.0", "sha256-BB==", "[ pythonPackages.setuptools ]") + "}\n";
    expect([...readPreviousBuilds(header + "# build-system fell back (x; nothing known): a\n" + body).keys()]).toEqual([previousKey("b", "1.0", "sha256-BB==")]);
    expect([...readPreviousBuilds(header + "# build-system guessed (setuptools; no override, sdist not inspected): b\n" + body).keys()]).toEqual([previousKey("a", "1.0", "sha256-AA==")]);
    expect(readPreviousBuilds(body).size).toBe(0);
  });
});
