import { describe, expect, it } from "vitest";
import { pluginVersion } from "../../src/inspect/git-version.js";

describe("the version a git-version plugin computes, from git describe", () => {
  const at = (tag: string, distance: number) => ({ tag, distance, commit: "abc1234" });

  it("is the tag's version on the tagged commit, for every plugin", () => {
    for (const plugin of ["setuptools-scm", "hatch-vcs", "uv-dynamic-versioning", "poetry-dynamic-versioning", "pdm-backend", "versioneer"]) {
      expect(pluginVersion(plugin, at("v2.0.1", 0)), plugin).toBe("2.0.1");
    }
  });

  it("after the tag, follows each plugin's default format", () => {
    expect(pluginVersion("setuptools-scm", at("v2.0.1", 3))).toBe("2.0.2.dev3+gabc1234");
    expect(pluginVersion("hatch-vcs", at("2.0", 3))).toBe("2.1.dev3+gabc1234");
    expect(pluginVersion("uv-dynamic-versioning", at("v2.0.1", 3))).toBe("2.0.1.post3.dev0+abc1234");
    expect(pluginVersion("uv-dynamic-versioning", at("v2.0.1", 3), { bump: true })).toBe("2.0.2.dev3+abc1234");
    expect(pluginVersion("pdm-backend", at("v2.0.1", 3))).toBe("2.0.1.post3+gabc1234");
    expect(pluginVersion("versioneer", at("2.0.1", 3))).toBe("2.0.1+3.gabc1234");
  });

  it("gives none for a tag that is not a plain release, or a plugin it does not know", () => {
    expect(pluginVersion("setuptools-scm", at("v2.0.0rc1", 2))).toBeUndefined();
    expect(pluginVersion("setuptools-scm", at("release-candidate", 0))).toBeUndefined();
    expect(pluginVersion("some-plugin", at("v1.0", 2))).toBeUndefined();
  });
});
