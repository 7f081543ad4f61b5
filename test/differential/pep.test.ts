/**
 * Differential tests: lock2nix's PEP 440 versions and specifiers, PEP 508
 * markers and wheel names against Debian's python3-packaging, on generated
 * cases (fixed seed) and on every one found in the shared real lockfiles.
 * Only the differences listed in differences.ts may remain.
 */
import { describe, expect, it } from "vitest";
import { evaluateMarkerText, markerEnvironmentFor, type MarkerEnvironment } from "../../src/pep/markers.js";
import { parseSpecifierSet, specifiersContain } from "../../src/pep/specifier.js";
import { parseNetrc } from "../../src/index/netrc.js";
import { bestWheel, DEFAULT_GLIBC, DEFAULT_MACOS, parseWheelFilename, wheelTagRank, type WheelTarget } from "../../src/pep/tags.js";
import { compareVersions, formatVersion, isPostrelease, isPrerelease, parseVersion } from "../../src/pep/version.js";
import { NIXPKGS_PYTHONS, NIX_SYSTEMS } from "../../src/resolve/target.js";
import { SHARED_SKIP_REASON } from "../helpers.js";
import { corpusStrings } from "./corpus.js";
import { deliberate } from "./differences.js";
import * as gen from "./generate.js";
import { ask, ORACLE_VERSIONS, seeded, type Answer } from "./oracle.js";

const CI = process.env["CI"] === "true";
const ORACLE_SKIP = ORACLE_VERSIONS || CI ? undefined : "python3-packaging or python3-pip not found for /usr/bin/python3 (.ci/run installs them)";
const SHARED_SKIP = SHARED_SKIP_REASON;
if (ORACLE_SKIP) console.warn(`skipping differential tests: ${ORACLE_SKIP}`);
else if (SHARED_SKIP) console.warn(`skipping differential tests on real lockfiles: ${SHARED_SKIP}`);

const CASES = 4000;

function attempt(run: () => unknown): Answer {
  try {
    return { ok: run() };
  } catch (e) {
    return { error: (e as Error).name };
  }
}

const same = (a: Answer, b: Answer) => ("ok" in a && "ok" in b ? JSON.stringify(a.ok) === JSON.stringify(b.ok) : "error" in a && "error" in b);

/** Runs every case both ways; returns the undocumented disagreements, and counts the documented ones. */
function differ<T>(kind: string, cases: T[], ours: (c: T) => unknown): { undocumented: unknown[]; documented: number } {
  const theirs = ask(kind, cases);
  const undocumented: unknown[] = [];
  let documented = 0;
  cases.forEach((c, i) => {
    const mine = attempt(() => ours(c));
    const other = theirs[i] as Answer;
    if (same(mine, other)) return;
    if (deliberate(kind, c, mine, other)) documented++;
    else undocumented.push({ case: c, lock2nix: mine, packaging: other });
  });
  return { undocumented, documented };
}

const mustVersion = (text: string) => {
  const v = parseVersion(text);
  if (!v) throw Object.assign(new Error(text), { name: "InvalidVersion" });
  return v;
};
const mustSpecifiers = (text: string) => {
  const s = parseSpecifierSet(text);
  if (!s) throw Object.assign(new Error(text), { name: "InvalidSpecifier" });
  return s;
};

const versionFacts = (text: string) => {
  const v = mustVersion(text);
  return { normalized: formatVersion(v), pre: isPrerelease(v), post: isPostrelease(v) };
};

interface ContainsCase {
  spec: string;
  version: string;
  prereleases?: boolean;
}
const contains = (c: ContainsCase) =>
  specifiersContain(mustSpecifiers(c.spec), mustVersion(c.version), c.prereleases === undefined ? {} : { prereleases: c.prereleases });

/** Each clause as str(Specifier) prints it: the operator and the version as written. */
const specifierTexts = (text: string) => mustSpecifiers(text).map((s) => `${s.operator}${s.version}`);

interface MarkerCase {
  marker: string;
  env: MarkerEnvironment & { extra: string };
}
const evaluate = (c: MarkerCase) => evaluateMarkerText(c.marker, c.env, new Set());

const ENVIRONMENTS: MarkerEnvironment[] = [
  ...NIXPKGS_PYTHONS.flatMap((python) => NIX_SYSTEMS.map((system) => markerEnvironmentFor({ pythonVersion: python, system }))),
  markerEnvironmentFor({ pythonVersion: "3.13.0", system: "x86_64-linux" }),
];
const withExtra = (env: MarkerEnvironment) => ({ ...env, extra: "" });

const wheelFacts = (filename: string) => {
  const w = parseWheelFilename(filename);
  const tags = w.pythonTags.flatMap((py) => w.abiTags.flatMap((abi) => w.platformTags.map((plat) => `${py}-${abi}-${plat}`)));
  // packaging splits the build tag into its number and the rest.
  const build = w.build === undefined ? null : (() => {
    const m = /^(\d+)(.*)$/.exec(w.build) as RegExpExecArray;
    return [Number(m[1]), m[2]];
  })();
  return { name: w.name, version: formatVersion(mustVersion(w.version)), build, tags: [...new Set(tags)].sort() };
};

function expectClean(result: { undocumented: unknown[]; documented: number }, cases: number): void {
  expect(result.undocumented.slice(0, 10)).toEqual([]);
  // A sanity bound: documented differences are rare corner cases, not the rule.
  expect(result.documented).toBeLessThan(Math.max(5, cases / 20));
}

describe.skipIf(ORACLE_SKIP !== undefined)(`PEP 440/508 against python3-packaging (${ORACLE_VERSIONS ?? "absent"})`, () => {
  it("agrees on the cases issue #17 found", () => {
    const cases: ContainsCase[] = [
      { spec: ">1.0a1", version: "1.0" },
      { spec: ">1.0.post1", version: "1.0.post2" },
      { spec: "<1!1.0", version: "1.0" },
      { spec: "==1.0.*", version: "1" },
      { spec: "==1.0rc1.*", version: "1.0" },
      { spec: "===1.0+local", version: "1.0+LOCAL" },
      { spec: ">=9007199254740993", version: "9007199254740992" },
    ];
    expect(cases.map((c) => attempt(() => contains(c)))).toEqual([
      { ok: true },
      { ok: true },
      { ok: true },
      { ok: true },
      { error: "InvalidSpecifier" },
      { ok: true },
      { ok: false },
    ]);
    expect(differ("contains", cases, contains).undocumented).toEqual([]);
    const env = markerEnvironmentFor({ pythonVersion: "3.13", system: "x86_64-linux" });
    expect(evaluateMarkerText('python_version > "3.13.0a1"', env)).toBe(true);
  });

  it("parses and normalizes generated versions as packaging does", () => {
    const r = seeded(17);
    const cases = Array.from({ length: CASES }, () => gen.version(r));
    expectClean(differ("version", cases, versionFacts), CASES);
  });

  it("orders generated versions as packaging does", () => {
    const r = seeded(440);
    const cases = Array.from({ length: CASES }, () => [gen.nearVersion(r), gen.nearVersion(r)] as [string, string]);
    expectClean(differ("compare", cases, ([a, b]) => Math.sign(compareVersions(a, b))), CASES);
  });

  it("parses generated specifier sets as packaging does", () => {
    const r = seeded(508);
    const cases = Array.from({ length: CASES }, () => gen.specifierSet(r));
    expectClean(differ("specifier", cases, specifierTexts), CASES);
  });

  it("decides generated specifier sets as packaging does, with and without pre-releases", () => {
    const r = seeded(2);
    const cases: ContainsCase[] = Array.from({ length: CASES }, (_, i) => ({
      spec: gen.specifierSet(r),
      version: gen.nearVersion(r),
      ...(i % 3 === 0 ? {} : { prereleases: i % 3 === 1 }),
    }));
    const result = differ("contains", cases, contains);
    expectClean(result, CASES);
    // The generator must reach both answers often, or the comparison proves little.
    const answers = cases.map((c) => attempt(() => contains(c)));
    expect(answers.filter((a) => "ok" in a && a.ok === true).length).toBeGreaterThan(CASES / 20);
    expect(answers.filter((a) => "ok" in a && a.ok === false).length).toBeGreaterThan(CASES / 20);
  });

  it("evaluates generated markers as packaging does", () => {
    const r = seeded(685);
    const cases: MarkerCase[] = Array.from({ length: CASES }, () => ({
      marker: gen.marker(r),
      env: withExtra(ENVIRONMENTS[Math.floor(r() * ENVIRONMENTS.length)]!),
    }));
    expectClean(differ("marker", cases, evaluate), CASES);
  });

  it("reads generated .netrc files as Python's netrc (pip's) does", () => {
    const r = seeded(1987);
    const words = ["machine", "login", "password", "account", "default", "a.example", "b.example", "u", "p#1", '"q w"', '"x\\"y"', "#c", "s3cr#t"];
    const cases = Array.from({ length: 1000 }, () => {
      const entries = Array.from({ length: 1 + Math.floor(r() * 3) }, () => {
        const host = r() < 0.5 ? "a.example" : "b.example";
        const fields = [`login ${words[6 + Math.floor(r() * 7)]}`, `password ${words[6 + Math.floor(r() * 7)]}`].sort(() => r() - 0.5);
        return `machine ${host}${r() < 0.5 ? "\n  " : " "}${fields.join(r() < 0.5 ? "\n  " : " ")}\n`;
      });
      if (r() < 0.3) entries.unshift("# a comment line\n");
      if (r() < 0.3) entries.push("default login anon password x\n");
      return entries.join("");
    });
    const ours = (text: string) => Object.fromEntries([...parseNetrc(text)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(differ("netrc", cases, ours).undocumented.slice(0, 5)).toEqual([]);
  });

  describe.skipIf(SHARED_SKIP !== undefined)("on every string in the shared real lockfiles", () => {
    const found = SHARED_SKIP ? undefined : corpusStrings();

    it("finds what it compares", () => {
      expect(found!.markers.size).toBeGreaterThan(250);
      expect(found!.versions.size).toBeGreaterThan(1000);
      expect(found!.wheels.size).toBeGreaterThan(1000);
      expect(found!.specifiers.size).toBeGreaterThan(50);
    });

    it("versions", () => {
      const cases = [...found!.versions].sort();
      expect(differ("version", cases, versionFacts).undocumented).toEqual([]);
    });

    it("specifiers, and whether each admits its lock's python", () => {
      const specs = [...found!.specifiers].sort();
      expect(differ("specifier", specs, specifierTexts).undocumented).toEqual([]);
      const cases = specs.flatMap((spec) => ["3.10.19", "3.12.12", "3.13.0", "3.14.0"].map((version) => ({ spec, version })));
      expect(differ("contains", cases, contains).undocumented).toEqual([]);
    });

    it("markers, under every environment lock2nix generates for", () => {
      const cases = [...found!.markers]
        .sort()
        // PEP 751's lock-file variables postdate Debian's packaging.
        .filter((m) => !/\b(extras|dependency_groups)\b/.test(m))
        .flatMap((marker) => ENVIRONMENTS.map((env) => ({ marker, env: withExtra(env) })));
      expect(differ("marker", cases, evaluate).undocumented).toEqual([]);
    });

    it("which wheels install on each target, and which one is best, as packaging's sys_tags order says", () => {
      const targets: WheelTarget[] = NIXPKGS_PYTHONS.flatMap((pythonVersion) => NIX_SYSTEMS.map((system) => ({ pythonVersion, system })));
      const supported = ask(
        "tags",
        targets.map((t) => ({ python: t.pythonVersion, system: t.system, glibc: DEFAULT_GLIBC, macos: t.system.endsWith("-darwin") ? DEFAULT_MACOS[t.system as "aarch64-darwin"] : "" })),
      ).map((a) => new Map(((a as { ok: string[] }).ok).map((tag, i) => [tag, i] as const)));
      const wheels = [...found!.wheels].sort().filter((w) => attempt(() => parseWheelFilename(w)).hasOwnProperty("ok"));
      const tagsOf = (w: string) => (wheelFacts(w).tags as string[]);
      const undocumented: unknown[] = [];
      let installable = 0;
      targets.forEach((target, t) => {
        const order = supported[t] as Map<string, number>;
        const theirRank = (w: string) => Math.min(...tagsOf(w).map((tag) => order.get(tag) ?? Infinity));
        for (const w of wheels) {
          const ours = wheelTagRank(parseWheelFilename(w), target) !== undefined;
          const theirs = theirRank(w) !== Infinity;
          if (ours) installable++;
          if (ours === theirs) continue;
          const input = { wheel: w, target };
          if (!deliberate("tags", input, { ok: ours }, { ok: theirs })) undocumented.push(input);
        }
        // Best of each release's wheels: packaging's first tag in sys_tags order (ties: the build tag decides, which both read alike).
        const byRelease = new Map<string, string[]>();
        for (const w of wheels) {
          const key = w.split("-").slice(0, 2).join("-").toLowerCase();
          byRelease.set(key, [...(byRelease.get(key) ?? []), w]);
        }
        for (const group of byRelease.values()) {
          const ourBest = bestWheel(group.map((filename) => ({ filename })), target)?.filename;
          const ranks = group.map(theirRank);
          const top = Math.min(...ranks);
          const theirBest = top === Infinity ? [] : group.filter((_, i) => ranks[i] === top);
          if ((ourBest === undefined && theirBest.length === 0) || (ourBest !== undefined && theirBest.includes(ourBest))) continue;
          const input = { release: group, target, lock2nix: ourBest, packaging: theirBest };
          if (!deliberate("tags", input, { ok: ourBest ?? null }, { ok: theirBest })) undocumented.push(input);
        }
      });
      expect(undocumented.slice(0, 10)).toEqual([]);
      expect(installable).toBeGreaterThan(1000);
    });

    it("wheel file names", () => {
      const cases = [...found!.wheels].sort();
      expect(differ("wheel", cases, wheelFacts).undocumented).toEqual([]);
    });
  });
});
