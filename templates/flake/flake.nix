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
      inherit (nixpkgs) lib;
      # The systems lock.nix was generated for (lock2nix's default: all four).
      systems = [
        "x86_64-linux"
        "aarch64-linux"
        "x86_64-darwin"
        "aarch64-darwin"
      ];
      forAllSystems = f: lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});

      # lock.nix is written by `lock2nix generate . -o lock.nix` (add --checks for `checks`); run it
      # again when the lock changes (`lock2nix generate . -o lock.nix --check` in CI says when that
      # was forgotten).
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
      # A lock with no project beside it (a requirements file) has no app: its environment stands in.
      appOf = set: set.app or set.env;
    in
    {
      # `nix build`: the project's scripts, each running with the locked environment (./result/bin).
      # A container image of it on Linux: `nix build .#image && docker load < result`.
      packages = forAllSystems (
        pkgs:
        let
          app = appOf (pythonSet pkgs);
        in
        {
          default = app;
        }
        // lib.optionalAttrs (pkgs.stdenv.hostPlatform.isLinux && app ? meta.mainProgram) {
          image = pkgs.dockerTools.buildLayeredImage {
            name = app.meta.mainProgram;
            contents = [ app ];
            config.Cmd = [ "${app}/bin/${app.meta.mainProgram}" ];
          };
        }
      );

      # `nix run`: the project's main script.
      apps = forAllSystems (
        pkgs:
        let
          app = appOf (pythonSet pkgs);
        in
        lib.optionalAttrs (app ? meta.mainProgram) {
          default = {
            type = "app";
            program = "${app}/bin/${app.meta.mainProgram}";
          };
        }
      );

      # `nix develop`: the dev group's environment with the project imported editable from the
      # working tree (start it inside the project); other groups: (pythonSet pkgs).devShells.<group>.
      devShells = forAllSystems (
        pkgs:
        let
          set = pythonSet pkgs;
        in
        {
          default = set.devShell or (set.env.env or (pkgs.mkShell { packages = [ set.env ]; }));
        }
      );

      # `nix flake check`: the project's tests in the sandbox, when lock.nix was generated with --checks.
      checks = forAllSystems (pkgs: lib.optionalAttrs ((pythonSet pkgs) ? checks) { default = (pythonSet pkgs).checks; });
    };
}
