import { describe, expect, it } from "vitest";
import { isValidName, normalizeName } from "../../src/pep/normalize.js";

describe("PEP 503 name normalization", () => {
  it.each([
    ["requests", "requests"],
    ["Django", "django"],
    ["ruamel.yaml.clib", "ruamel-yaml-clib"],
    ["typing_extensions", "typing-extensions"],
    ["Foo__Bar--baz..qux", "foo-bar-baz-qux"],
    ["zope.interface", "zope-interface"],
    ["backports_tarfile", "backports-tarfile"],
    ["A-_.B", "a-b"],
  ])("%s -> %s", (name, expected) => {
    expect(normalizeName(name)).toBe(expected);
  });

  it.each([
    ["requests", true],
    ["a", true],
    ["zope.interface", true],
    ["-leading", false],
    ["trailing.", false],
    ["spa ce", false],
    ['quo"te', false],
    ["${x}", false],
    ["", false],
  ])("%j is a valid PEP 508 name: %s", (name, valid) => {
    expect(isValidName(name)).toBe(valid);
  });
});
