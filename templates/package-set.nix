{
  pkgs ? import <nixpkgs> { },
  python ? pkgs.@PYTHON_ATTR@,
  overrides ? (final: prev: { }),
}:

let
  inherit (pkgs) lib fetchurl fetchgit;
  system = pkgs.stdenv.hostPlatform.system;
  # Build backends and hooks come from the interpreter's own set, never from the
  # lock, so a lock that pins setuptools or packaging cannot make them depend on themselves.
  pythonPackages = checkedPython.pkgs;
  inherit (pythonPackages) buildPythonPackage;

  checkedPython =
    if python.pythonVersion == "@PYTHON_VERSION@" then
      python
    else
      throw "lock2nix: this file was generated for python @PYTHON_VERSION@ but was given python ${python.pythonVersion}; generate it again with --python ${python.pythonVersion}";

  # Where systems need different files or dependencies, lock2nix writes one variant each.
  forSystem =
    name: variants:
    variants.${system} or (throw "lock2nix: ${name} is not in this lock for ${system}; generate with --system ${system}");
  onSystems = systems: lib.elem system systems;

  lockPackages = final: @PACKAGES@;

  packages = lib.fix (lib.extends overrides lockPackages);

  withPackages = names: checkedPython.withPackages (_: map (name: packages.${name}) names);

  envs = @ENVS@;@LOCAL_SOURCE@@PROJECT_BINDINGS@
in
{
  inherit packages envs;
  python = checkedPython;
  env = envs.main;@PROJECT_OUTPUTS@
}
