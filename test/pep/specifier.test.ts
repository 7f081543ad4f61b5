import { describe, expect, it } from "vitest";
import { isValidSpecifierSet, satisfies } from "../../src/pep/specifier.js";
import { compareVersions, formatVersion, parseVersion, versionsEqual } from "../../src/pep/version.js";

// packaging's answers (checked against it in test/differential); these hold without python too.
describe("PEP 440 specifiers", () => {
  it.each([
    ["1.0", ">1.0a1", true],
    ["1.0.post2", ">1.0.post1", true],
    ["1.0.post1", ">1.0", false],
    ["1.0+local", ">1.0", false],
    ["1.0a1", "<1.0", false],
    ["1.0a1", "<1.0rc1", true],
    ["1.0", "<1!1.0", true],
    ["1!1.0", ">=2.0", true],
    ["1", "==1.0.*", true],
    ["1.0.5", "==1.0.*", true],
    ["1.1", "==1.0.*", false],
    ["1.0+abc", "==1.0", true],
    ["1.0", "==1.0+abc", false],
    ["1.0+ABC", "===1.0+abc", true],
    ["1.0.0", "===1.0", false],
    ["2.3", "~=2.2.0", false],
    ["2.2.9", "~=2.2.0", true],
    ["9007199254740993", ">9007199254740992", true],
  ])("%s in %s is %s", (version, spec, expected) => {
    expect(satisfies(version, spec, { prereleases: true })).toBe(expected);
  });

  it("admits a pre-release only when asked or named (pip's policy)", () => {
    expect(satisfies("2.0rc1", ">=1.0")).toBe(false);
    expect(satisfies("2.0rc1", ">=1.0", { prereleases: true })).toBe(true);
    expect(satisfies("2.0rc1", ">=2.0rc1")).toBe(true);
    expect(satisfies("2.0rc1", ">=2.0rc1", { prereleases: false })).toBe(false);
  });

  it.each(["==1.0rc1.*", "==1.0+local.*", "~=1", "<1.0+local", ">=1.0.*", "==1.0.dev1.*"])("refuses %s", (spec) => {
    expect(isValidSpecifierSet(spec)).toBe(false);
    expect(() => satisfies("1.0", spec)).toThrow(/not a PEP 440 specifier/);
  });
});

describe("PEP 440 versions", () => {
  it("orders dev, pre, final, post and local as PEP 440 does", () => {
    const order = ["1.0.dev0", "1.0a0.dev0", "1.0a0", "1.0b1", "1.0rc1", "1.0", "1.0+abc", "1.0+1", "1.0.post0.dev1", "1.0.post0", "1!0.1"];
    for (let i = 0; i + 1 < order.length; i++) expect(compareVersions(order[i]!, order[i + 1]!)).toBeLessThan(0);
  });

  it("normalizes spellings and keeps numbers above 2^53 exact", () => {
    expect(formatVersion(parseVersion("V1.0-Preview_2.r3-DEV4+Ubuntu-1")!)).toBe("1.0rc2.post3.dev4+ubuntu.1");
    expect(versionsEqual("1.0", "1.0.0")).toBe(true);
    expect(versionsEqual("9007199254740993", "9007199254740992")).toBe(false);
  });
});
