import { describe, expect, it } from "vitest";
import { KNOWN_BUILD_ATTRS, mapBuildRequires } from "../../src/inspect/index.js";
import { markerEnvironmentFor } from "../../src/pep/markers.js";

describe("mapBuildRequires", () => {
  it("maps requirement names to nixpkgs attributes, dropping versions and extras", () => {
    expect(
      mapBuildRequires([
        "scikit_build_core[pyproject]>=0.8",
        "Cython>=3.0,<3.1",
        "setuptools_scm[toml]>=6.2",
        "pybind11[global]",
        "setuptools>=61",
        "hatch-vcs",
        "Poetry-Core>=1.0.0",
      ]),
    ).toEqual({
      attrs: ["cython", "hatch-vcs", "poetry-core", "pybind11", "scikit-build-core", "setuptools", "setuptools-scm"],
      hooks: [],
      unknown: [],
      pinned: ["Cython>=3.0,<3.1"],
    });
  });

  it("knows what nixpkgs provides differently", () => {
    expect(mapBuildRequires(["oldest-supported-numpy", "wheel>=0.36", "setuptools", "maturin>=1.5,<2.0"])).toEqual({
      attrs: ["numpy", "setuptools"],
      hooks: ["rustPlatform.maturinBuildHook"],
      unknown: [],
      // oldest-supported-numpy is not installed under its name: pypa build's check would fail on it.
      pinned: ["oldest-supported-numpy"],
    });
  });

  it("returns names it has no attribute for, and requirements that do not parse, as unknown", () => {
    expect(mapBuildRequires(["torch>=2", "setuptools", "numpy", "Some_Custom.Backend", "not a requirement!"])).toEqual({
      attrs: ["numpy", "setuptools"],
      hooks: [],
      unknown: ["not a requirement!", "some-custom-backend", "torch"],
      pinned: [],
    });
  });

  it("leaves out requirements whose marker is false for the target", () => {
    const requires = ["numpy>=2; python_version >= '3.9'", "pywin32; sys_platform == 'win32'", "tomli; python_version < '3.11'"];
    expect(mapBuildRequires(requires, markerEnvironmentFor({ pythonVersion: "3.12", system: "x86_64-linux" }))).toEqual({
      attrs: ["numpy"],
      hooks: [],
      unknown: [],
      pinned: [],
    });
    // Without a target every requirement counts.
    expect(mapBuildRequires(requires).unknown).toEqual(["pywin32"]);
  });

  it("names the pins nixpkgs' newer backends cannot meet, not lower bounds", () => {
    const requires = ["Cython~=0.29.13", "hatchling==1.26.3", "hatch-vcs<0.6", "setuptools>=61", "flit_core >=3.2,<4", "wheel!=0.40", "poetry-core===1.0", "pdm-backend"];
    expect(mapBuildRequires(requires).pinned).toEqual(["Cython~=0.29.13", "flit_core >=3.2,<4", "hatch-vcs<0.6", "hatchling==1.26.3", "poetry-core===1.0"]);
  });

  it("keeps a sorted list of known attributes, each a normalized name", () => {
    expect([...KNOWN_BUILD_ATTRS].sort()).toEqual(KNOWN_BUILD_ATTRS);
    for (const attr of KNOWN_BUILD_ATTRS) expect(attr).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });
});
