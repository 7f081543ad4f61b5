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
    expect(readLocalTree(dir)).toEqual({ hasPyproject: true, buildRequires: ["hatchling>=1.0"], version: "1.2.3", name: "m", isPackage: true, scripts: new Map(), importRoot: "" });
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
    expect(readLocalTree(uvDynamic)).toMatchObject({ hasPyproject: true, buildRequires: ["hatchling", "uv-dynamic-versioning>=0.7.0"], versionEnv: "UV_DYNAMIC_VERSIONING_BYPASS", versionPlugin: "uv-dynamic-versioning" });
    // Not a git checkout: no version.
    expect(readLocalTree(uvDynamic).version).toBeUndefined();
    const scm = tree({ "pyproject.toml": '[build-system]\nrequires = ["setuptools>=64", "setuptools_scm[toml]>=8"]\n[project]\nname = "m"\ndynamic = ["version"]\n' });
    expect(readLocalTree(scm).versionEnv).toBe("SETUPTOOLS_SCM_PRETEND_VERSION");
  });

  it("says when there is no pyproject.toml (PEP 517: setuptools), and names the file that is not TOML", () => {
    expect(readLocalTree(tree({ "setup.py": "" }))).toEqual({ hasPyproject: false, isPackage: false, scripts: new Map(), importRoot: "" });
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

  it("reads setuptools' dynamic version from a file or a module's literal attribute", () => {
    const file = tree({ "pyproject.toml": '[build-system]\nrequires = ["setuptools"]\n[project]\nname = "m"\ndynamic = ["version"]\n[tool.setuptools.dynamic]\nversion = { file = "VERSION" }\n', VERSION: "3.1.4\n" });
    expect(readLocalTree(file).version).toBe("3.1.4");
    const attr = tree({
      "pyproject.toml": '[build-system]\nrequires = ["setuptools"]\n[project]\nname = "m"\ndynamic = ["version"]\n[tool.setuptools.dynamic]\nversion = { attr = "m.about.__version__" }\n',
      "src/m/about.py": 'other = "no"\n__version__ = "2.7.1"\n',
    });
    expect(readLocalTree(attr).version).toBe("2.7.1");
  });

  it("reads the project's name, scripts (PEP 621 and Poetry's) and a src layout", () => {
    const dir = tree({
      "pyproject.toml": '[build-system]\nrequires = ["poetry-core"]\n[project]\nname = "My_App"\nversion = "1"\n[project.scripts]\nmy-app = "my_app.cli:main"\n[project.gui-scripts]\nmy-gui = "my_app.gui:App.run"\n[tool.poetry.scripts]\nlegacy = "my_app:legacy"\nfile-script = { reference = "bin/x", type = "file" }\n',
      "src/my_app/__init__.py": "",
    });
    const facts = readLocalTree(dir);
    expect(facts.name).toBe("my-app");
    expect([...facts.scripts]).toEqual([["my-app", "my_app.cli:main"], ["my-gui", "my_app.gui:App.run"], ["legacy", "my_app:legacy"]]);
    expect(facts.importRoot).toBe("src");
  });

  it("is no package without [build-system], or with uv's package = false", () => {
    expect(readLocalTree(tree({ "pyproject.toml": '[project]\nname = "m"\nversion = "1"\n' })).isPackage).toBe(false);
    expect(readLocalTree(tree({ "pyproject.toml": '[build-system]\nrequires = ["hatchling"]\n[project]\nname = "m"\nversion = "1"\n[tool.uv]\npackage = false\n' })).isPackage).toBe(false);
  });

  it("refuses a script that is not an entry point, or whose name is no plain file name, naming the file", () => {
    const bad = tree({ "pyproject.toml": '[build-system]\nrequires = ["hatchling"]\n[project]\nname = "m"\nversion = "1"\n[project.scripts]\nm = "m:main; rm -rf /"\n' });
    expect(() => readLocalTree(bad)).toThrow(ParseError);
    expect(() => readLocalTree(bad)).toThrow(/script m: "m:main; rm -rf \/" is not an entry point \(expected module:attr\)/);
    const name = tree({ "pyproject.toml": '[build-system]\nrequires = ["hatchling"]\n[project]\nname = "m"\nversion = "1"\n[project.scripts]\n"../x" = "m:main"\n' });
    expect(() => readLocalTree(name)).toThrow(/script name "\.\.\/x": expected a plain file name/);
  });
});
