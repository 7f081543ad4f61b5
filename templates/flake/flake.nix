{
  description = "A Python project built from its lockfile with lock2nix";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    lock2nix = {
      url = "github:lock2nix/lock2nix";
      inputs.nixpkgs.follows = "nixpkgs";
    };
  };

  outputs =
    {
      self,
      nixpkgs,
      lock2nix,
    }:
    let
      # The systems lock.nix was generated for (lock2nix's default: all four).
      systems = [
        "x86_64-linux"
        "aarch64-linux"
        "x86_64-darwin"
        "aarch64-darwin"
      ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});

      # lock.nix is written by `lock2nix generate . -o lock.nix`; run it again when the lock changes
      # (`lock2nix generate . -o lock.nix --check` in CI says when that was forgotten).
      pythonSet =
        pkgs:
        lock2nix.lib.mkPythonSet {
          inherit pkgs;
          generated = ./lock.nix;
          # What the lockfile cannot say, as a `final: prev:` extension of the package set:
          # overrides = final: prev: {
          #   lxml = prev.lxml.overridePythonAttrs (old: { buildInputs = [ pkgs.libxml2 pkgs.libxslt ]; });
          # };
        };
    in
    {
      # `nix build`: an interpreter with every locked package of the main group (./result/bin/python).
      packages = forAllSystems (pkgs: {
        default = (pythonSet pkgs).env;
      });

      # `nix develop`: a shell with that environment. Other groups: (pythonSet pkgs).envs.dev, ...
      devShells = forAllSystems (
        pkgs:
        let
          env = (pythonSet pkgs).env;
        in
        {
          default = env.env or (pkgs.mkShell { packages = [ env ]; });
        }
      );
    };
}
