import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ParseError } from "../../src/errors.js";
import { readLocalTree } from "../../src/inspect/local-tree.js";
import { tempDir } from "../helpers.js";

function tree(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe("readLocalTree", () => {
  it("reads [build-system] requires and a static [project] version", () => {
    const dir = tree({ "pyproject.toml": '[build-system]\nrequires = ["hatchling>=1.0"]\n[project]\nname = "m"\nversion = "1.2.3"\n' });
    expect(readLocalTree(dir)).toEqual({ hasPyproject: true, buildRequires: ["hatchling>=1.0"], version: "1.2.3" });
  });

  it("reads Poetry's own version field", () => {
    const dir = tree({ "pyproject.toml": '[build-system]\nrequires = ["poetry-core"]\n[tool.poetry]\nname = "m"\nversion = "0.4.0"\n' });
    expect(readLocalTree(dir).version).toBe("0.4.0");
  });

  it("reads a dynamic version from the file hatch's or pdm's version source names", () => {
    const hatch = tree({
      "pyproject.toml": '[build-system]\nrequires = ["hatchling"]\n[project]\nname = "m"\ndynamic = ["version"]\n[tool.hatch.version]\npath = "src/m/__about__.py"\n',
      "src/m/__about__.py": '__version__ = "2.0.1"\n',
    });
    expect(readLocalTree(hatch).version).toBe("2.0.1");
    const pdm = tree({
      "pyproject.toml": '[build-system]\nrequires = ["pdm-backend"]\n[project]\nname = "m"\ndynamic = ["version"]\n[tool.pdm.version]\nsource = "file"\npath = "m.py"\n',
      "m.py": "VERSION = '3.1'\n",
    });
    expect(readLocalTree(pdm).version).toBe("3.1");
  });

  it("names the variable a git-version plugin reads instead of git", () => {
    const uvDynamic = tree({ "pyproject.toml": '[build-system]\nrequires = ["hatchling", "uv-dynamic-versioning>=0.7.0"]\n[project]\nname = "m"\ndynamic = ["version"]\n' });
    expect(readLocalTree(uvDynamic)).toEqual({ hasPyproject: true, buildRequires: ["hatchling", "uv-dynamic-versioning>=0.7.0"], versionEnv: "UV_DYNAMIC_VERSIONING_BYPASS" });
    const scm = tree({ "pyproject.toml": '[build-system]\nrequires = ["setuptools>=64", "setuptools_scm[toml]>=8"]\n[project]\nname = "m"\ndynamic = ["version"]\n' });
    expect(readLocalTree(scm).versionEnv).toBe("SETUPTOOLS_SCM_PRETEND_VERSION");
  });

  it("says when there is no pyproject.toml (PEP 517: setuptools), and names the file that is not TOML", () => {
    expect(readLocalTree(tree({ "setup.py": "" }))).toEqual({ hasPyproject: false });
    const bad = tree({ "pyproject.toml": "[build-system\n" });
    const err = (() => {
      try {
        readLocalTree(bad);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ParseError);
    expect((err as ParseError).format()).toMatch(new RegExp(`^${join(bad, "pyproject.toml")}:1:\\d+: not valid TOML`));
    const notList = tree({ "pyproject.toml": "[build-system]\nrequires = [1]\n" });
    expect(() => readLocalTree(notList)).toThrow(/requires: expected a list of strings/);
  });
});
