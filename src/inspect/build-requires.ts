/**
 * An sdist's `[build-system] requires`, as nixpkgs attributes.
 *
 * nixpkgs names its Python packages by their PEP 503-normalized names
 * (`scikit_build_core` is `scikit-build-core`, `Cython` is `cython`), with the
 * exceptions below. Every attribute this module returns is in
 * KNOWN_BUILD_ATTRS, each checked to exist in nixpkgs'
 * pkgs/development/python-modules; anything else comes back as unknown, for
 * the caller to find elsewhere (the override library) or to report by name.
 */
import { evaluateMarkerText, type MarkerEnvironment } from "../pep/markers.js";
import { normalizeName } from "../pep/normalize.js";
import { parseRequirement } from "../pep/requirement.js";

/** Attributes of nixpkgs' python3Packages that build requirements map to, each checked against nixpkgs. */
export const KNOWN_BUILD_ATTRS: readonly string[] = [
  "calver",
  "cffi",
  "cmake",
  "cppy",
  "cython",
  "expandvars",
  "extension-helpers",
  "flit-core",
  "flit-scm",
  "hatch-fancy-pypi-readme",
  "hatch-jupyter-builder",
  "hatch-requirements-txt",
  "hatch-vcs",
  "hatchling",
  "incremental",
  "jupyter-packaging",
  "meson-python",
  "mypy",
  "nanobind",
  "ninja",
  "numpy",
  "packaging",
  "pbr",
  "pdm-backend",
  "pip",
  "pkgconfig",
  "poetry-core",
  "poetry-dynamic-versioning",
  "pybind11",
  "pyqt-builder",
  "pythran",
  "scikit-build",
  "scikit-build-core",
  "setuptools",
  "setuptools-git-versioning",
  "setuptools-rust",
  "setuptools-scm",
  "sip",
  "tomli",
  "typing-extensions",
  "uv-build",
  "versioneer",
];

/** Requirements nixpkgs meets with another attribute; `undefined` when it meets them without one. */
const RENAMED: Readonly<Record<string, string | undefined>> = {
  // A metapackage pinning the oldest numpy per Python; nixpkgs has one numpy.
  "oldest-supported-numpy": "numpy",
  // nixpkgs' pypaBuildHook and setuptoolsBuildHook propagate wheel
  // (pkgs/development/interpreters/python/hooks/default.nix).
  wheel: undefined,
};

/**
 * Requirements met by a build hook rather than a Python package: nixpkgs has
 * no python3Packages.maturin, and builds maturin projects with
 * `rustPlatform.maturinBuildHook` (as its pydantic-core does).
 */
const HOOKS: Readonly<Record<string, string>> = {
  maturin: "rustPlatform.maturinBuildHook",
};

export interface BuildRequiresMapping {
  /** python3Packages attribute names, sorted, unique. */
  attrs: string[];
  /** Top-level nixpkgs attribute paths of build hooks standing in for a requirement, sorted, unique. */
  hooks: string[];
  /** Normalized names lock2nix has no nixpkgs attribute for (or the text of a requirement that does not parse). */
  unknown: string[];
  /**
   * Requirements, as written, that nixpkgs' set may not meet as written: a
   * specifier a newer backend fails (`==`, `===`, `~=`, `<`, `<=`; nixpkgs
   * has one version, usually newer), or a name met by another attribute.
   * pypa build's dependency check must be skipped for them.
   */
  pinned: string[];
}

/** A clause that excludes newer versions. */
const CAPPING = /^(?:===?|~=|<=?)/;

/**
 * Maps PEP 508 build requirements to nixpkgs attributes. Versions and extras
 * are dropped (nixpkgs has one version of each); with `env`, requirements
 * whose marker is false there are left out.
 */
export function mapBuildRequires(requires: string[], env?: MarkerEnvironment): BuildRequiresMapping {
  const attrs = new Set<string>();
  const hooks = new Set<string>();
  const unknown = new Set<string>();
  const pinned = new Set<string>();
  for (const text of requires) {
    let name: string;
    try {
      const req = parseRequirement(text);
      if (env && req.marker !== undefined && !evaluateMarkerText(req.marker, env)) continue;
      name = normalizeName(req.name);
      // A requirement met by another attribute is not installed under its own name either.
      const renamed = Object.hasOwn(RENAMED, name) && RENAMED[name] !== undefined;
      // A hook builds without pypa build, whose check is what a pin would fail.
      const capped = !Object.hasOwn(HOOKS, name) && req.specifier?.split(",").some((clause) => CAPPING.test(clause));
      if (renamed || capped) pinned.add(text.trim());
    } catch {
      unknown.add(text.trim());
      continue;
    }
    if (Object.hasOwn(HOOKS, name)) hooks.add(HOOKS[name]!);
    else if (Object.hasOwn(RENAMED, name)) {
      const attr = RENAMED[name];
      if (attr !== undefined) attrs.add(attr);
    } else if (KNOWN_BUILD_ATTRS.includes(name)) attrs.add(name);
    else unknown.add(name);
  }
  const sorted = (set: Set<string>) => [...set].sort();
  return { attrs: sorted(attrs), hooks: sorted(hooks), unknown: sorted(unknown), pinned: sorted(pinned) };
}
