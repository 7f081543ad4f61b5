{
  description = "lock2nix: turn Python lockfiles (poetry.lock, uv.lock, requirements.txt, ...) into Nix";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs =
    { self, nixpkgs }:
    let
      inherit (nixpkgs) lib;
      systems = [
        "x86_64-linux"
        "aarch64-linux"
        "x86_64-darwin"
        "aarch64-darwin"
      ];
      forAllSystems = f: lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});

      # The CLI (nix/cli.nix); `.override { npmRegistry = "…"; }` names the npm registry to fetch from.
      lock2nixPackage = import ./nix/cli.nix;

      # buildNpmPackage and importNpmLock are in nixpkgs from 24.05 on. The package and app
      # exist only where the nixpkgs given has them, so the library outputs (lib, overlays,
      # templates, checks) stay usable with any package set that can build Python.
      canBuildCli = pkgs: pkgs ? buildNpmPackage && pkgs ? importNpmLock;

      # The generated files committed in examples/, checked by `nix flake check` on the systems
      # each was generated for (`# option systems:` in its header).
      examples = {
        poetry-app = ./examples/poetry-app/lock.nix;
        pip-app = ./examples/pip-app/lock.nix;
        monorepo-api = ./examples/monorepo/services/api/lock.nix;
        monorepo-report = ./examples/monorepo/tools/report/lock.nix;
      };
      linuxExamples = {
        monorepo-worker = ./examples/monorepo/services/worker/lock.nix;
      };
      examplesFor = system: examples // lib.optionalAttrs (lib.hasSuffix "-linux" system) linuxExamples;
    in
    {
      lib = {
        /**
          Imports a file lock2nix generated and returns its set: `{ packages; env; envs; python; }`.

            lock2nix.lib.mkPythonSet {
              pkgs = nixpkgs.legacyPackages.x86_64-linux;
              generated = ./lock.nix;            # a path, or the file already imported
              python = pkgs.python312;           # optional: the file's own default otherwise
              overrides = final: prev: { };      # optional: a `final: prev:` extension of `packages`
            }
        */
        mkPythonSet =
          {
            pkgs,
            generated,
            python ? null,
            overrides ? (final: prev: { }),
          }:
          let
            fn = if builtins.isFunction generated then generated else import generated;
          in
          fn ({ inherit pkgs overrides; } // lib.optionalAttrs (python != null) { inherit python; });
      };

      overlays.default = final: prev: { lock2nix = final.callPackage lock2nixPackage { }; };

      packages = forAllSystems (
        pkgs:
        lib.optionalAttrs (canBuildCli pkgs) rec {
          lock2nix = pkgs.callPackage lock2nixPackage { };
          default = lock2nix;
        }
      );

      apps = forAllSystems (
        pkgs:
        lib.optionalAttrs (canBuildCli pkgs) {
          default = {
            type = "app";
            program = "${self.packages.${pkgs.stdenv.hostPlatform.system}.default}/bin/lock2nix";
          };
        }
      );

      templates.default = {
        path = ./templates/flake;
        description = "A Python project built from its lockfile with lock2nix";
        welcomeText = ''
          # A Python project built with lock2nix

          Generate `lock.nix` from your lockfile, then build, run or enter the project:

          ```sh
          nix run github:lock2nix/lock2nix -- generate . -o lock.nix --checks
          git add flake.nix lock.nix
          nix build        # the project's scripts: ./result/bin
          nix develop      # the dev group, the project editable
          nix flake check  # its tests in the sandbox
          ```
        '';
      };

      # Each example's environment, and the app of each that is a project: evaluated by
      # `nix flake check --no-build`, built by `nix flake check`.
      checks = forAllSystems (
        pkgs:
        lib.foldr (a: b: a // b) { } (
          lib.mapAttrsToList (
            name: generated:
            let
              set = self.lib.mkPythonSet { inherit pkgs generated; };
            in
            { ${name} = set.env; } // lib.optionalAttrs (set ? app) { "${name}-app" = set.app; }
          ) (examplesFor pkgs.stdenv.hostPlatform.system)
        )
        // lib.optionalAttrs (canBuildCli pkgs) { lock2nix = self.packages.${pkgs.stdenv.hostPlatform.system}.default; }
      );
    };
}
