# Stand-in for nixpkgs' Python interpreters and package sets
# (pkgs/development/interpreters/python/{default,passthrufun,wrapper,with-packages}.nix).
# python311 is real: a venv over Debian's /usr/bin/python3 (3.11), so it sees none of Debian's
# dist-packages and installs to lib/python3.11/site-packages as nixpkgs' python does.
# python312..python315 evaluate (pythonVersion etc.) but their builds fail: Debian has only 3.11.
{ lib, stdenv, makeSetupHook, pkgs }:
let
  debianPythonVersion = "3.11.2"; # Debian 12's python3; the interpreter build checks 3.11
  debianDist = "/usr/lib/python3/dist-packages";

  # python.override { packageOverrides; self; }: `self` is accepted and ignored (the stand-in's
  # interpreter already refers to itself).
  mkPython = { pythonVersion, packageOverrides ? (self: super: { }), self ? null }:
    let
      real = pythonVersion == "3.11";
      libPrefix = "python${pythonVersion}";
      sitePackages = "lib/${libPrefix}/site-packages";
      executable = libPrefix;

      drv = stdenv.mkDerivation {
        pname = "python3";
        version = if real then debianPythonVersion else "${pythonVersion}.0";
        inherit libPrefix sitePackages;
        nixSite = ./nix-site.py;
        # nixpkgs' python setup-hook.sh: every input's site-packages goes on PYTHONPATH.
        setupHookText = ''
          addPythonPath() { addToSearchPath PYTHONPATH "$1/${sitePackages}"; }
          envHooks="$envHooks addPythonPath"
          export DETERMINISTIC_BUILD=1 PYTHONHASHSEED=0
        '';
        buildCommand =
          if real then ''
            /usr/bin/python3 -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version'
            /usr/bin/python3 -m venv --without-pip "$out"
            rm -f "$out"/bin/activate* "$out"/bin/Activate.ps1
            cp "$nixSite" "$out/$sitePackages/_lock2nix_nix_site.py"
            echo "import _lock2nix_nix_site" > "$out/$sitePackages/_lock2nix_nix_site.pth"
            mkdir -p "$out/nix-support"
            printf '%s' "$setupHookText" > "$out/nix-support/setup-hook"
          '' else ''
            echo "${libPrefix}: the stand-in only has Debian's python 3.11 (use python311 or python3)" >&2
            exit 1
          '';
      };

      python = drv // {
        inherit pythonVersion sitePackages executable libPrefix;
        interpreter = "${drv}/bin/${executable}";
        implementation = "cpython";
        isPy3k = true;
        pythonAtLeast = v: builtins.compareVersions pythonVersion v >= 0;
        pythonOlder = v: builtins.compareVersions pythonVersion v < 0;
        inherit stdenv;
        meta = { platforms = lib.platforms.all; };
        pythonOnBuildForHost = python;
        pkgs = pythonPackages;
        withPackages = f: mkEnv { extraLibs = f pythonPackages; };
        # Simplification: buildEnv is a default env plus `.override { extraLibs; ... }`.
        buildEnv = mkEnv { } // { override = args: mkEnv args; };
        override = args: mkPython ({ inherit pythonVersion packageOverrides; } // args);
      };

      mk = import ./mk-python-derivation.nix {
        inherit lib python stdenv hooks;
        inherit (pkgs) unzip;
        namePrefix = "${libPrefix}-";
      };

      # build, installer, packaging, wheel, ... and the build backends, as Debian ships them: real
      # packages whose site-packages links to /usr/lib/python3/dist-packages (see debian-packages.nix).
      debian = import ./debian-packages.nix { inherit stdenv python sitePackages; inherit (mk) toPythonModule; name = libPrefix; };
      inherit (debian) bootstrap backends;

      # What nixpkgs has and Debian does not: stubs that record they were asked for, with no module,
      # so a build that needs one fails on the missing dependency. Add a name here when generated
      # code needs a new one. Every build attribute lock2nix's build-backend table can emit
      # (KNOWN_BUILD_ATTRS in src/inspect/build-requires.ts) is here or real: test/emit checks.
      stubNames = [
        "hatch-fancy-pypi-readme" "pdm-backend" "maturin" "setuptools-rust" "scikit-build-core"
        "numpy" "pkgconfig" "versioneer"
        "calver" "cmake" "cppy" "expandvars" "extension-helpers" "flit-scm" "hatch-jupyter-builder"
        "hatch-requirements-txt" "incremental" "jupyter-packaging" "mypy" "nanobind" "ninja" "pbr"
        "pip" "poetry-dynamic-versioning" "pyqt-builder" "pythran" "scikit-build"
        "setuptools-git-versioning" "sip" "uv-build"
        # named by the override library's build-system lists (overrides/nixpkgs-attributes.txt)
        "blis" "certifi" "cymem" "greenlet" "lxml" "murmurhash" "mypy-extensions" "preshed" "pycairo"
        "scipy" "thinc" "types-psutil" "types-setuptools"
      ];
      pythonStub = pname: mk.toPythonModule (stdenv.mkDerivation {
        inherit pname;
        version = "0";
        name = "${libPrefix}-${pname}-stub";
        propagatedBuildInputs = [ python ];
        buildCommand = ''
          mkdir -p "$out/nix-support"
          echo "${libPrefix}-${pname}" > "$out/nix-support/lock2nix-stub"
          echo $propagatedBuildInputs > "$out/nix-support/propagated-build-inputs"
        '';
      });

      hooks = import ./hooks.nix { inherit makeSetupHook python bootstrap; };

      # nixpkgs' fetchPypi (pkgs/build-support/fetchpypi), reduced to its URL scheme.
      fetchPypi = { pname, version, format ? "setuptools", sha256 ? "", hash ? "", extension ? "tar.gz"
                  , dist ? "py2.py3", python ? "py2.py3", abi ? "none", platform ? "any" }:
        let first = builtins.substring 0 1 pname;
        in pkgs.fetchurl {
          inherit sha256 hash;
          url = if format == "wheel"
            then "https://files.pythonhosted.org/packages/${dist}/${first}/${pname}/${pname}-${version}-${python}-${abi}-${platform}.whl"
            else "mirror://pypi/${first}/${pname}/${pname}-${version}.${extension}";
        };

      # The package set: base, then pkgs.pythonPackagesExtensions (overlays), then packageOverrides.
      base = pself: builtins.listToAttrs (map (n: { name = n; value = pythonStub n; }) stubNames)
        // backends // hooks // bootstrap // {
          inherit python fetchPypi;
          inherit (mk) buildPythonPackage toPythonModule requiredPythonModules;
          # Simplification: an application is built like a package.
          buildPythonApplication = mk.buildPythonPackage;
          toPythonApplication = drv: drv;
          pythonOlder = python.pythonOlder;
          pythonAtLeast = python.pythonAtLeast;
          callPackage = fn: args:
            let f = if builtins.isFunction fn then fn else import fn;
            in lib.makeOverridable (a: f (builtins.intersectAttrs (builtins.functionArgs f) (pkgs // pself) // a)) args;
        };
      mkSet = extraOverrides:
        let
          set = lib.fix (lib.extends
            (lib.composeManyExtensions (pkgs.pythonPackagesExtensions ++ [ packageOverrides ] ++ extraOverrides))
            base);
        in
        set // {
          # python3Packages.override { overrides = self: super: { ... }; }
          override = { overrides ? (self: super: { }) }: mkSet (extraOverrides ++ [ overrides ]);
          overrideScope = f: mkSet (extraOverrides ++ [ f ]);
        };
      pythonPackages = mkSet [ ];

      # python.withPackages / python.buildEnv (nixpkgs' wrapper.nix): a real env whose
      # site-packages links every listed package and its propagated closure, and whose
      # bin/python* are wrappers that run the interpreter with NIX_PYTHONPATH set (read by
      # nix-site.py, as nixpkgs' sitecustomize.py), as are the packages' programs in bin/.
      mkEnv = { extraLibs ? [ ], ignoreCollisions ? false, postBuild ? "", makeWrapperArgs ? [ ], ... }:
        let
          modules = mk.requiredPythonModules extraLibs;
          env = stdenv.mkDerivation {
            name = "${drv.name}-env";
            pythonPaths = modules;
            inherit ignoreCollisions postBuild;
            interpreter = python.interpreter;
            buildCommand = ''
              sp="$out/${sitePackages}"
              mkdir -p "$out/bin" "$sp"
              linkTree() {
                (cd "$1" && find . -mindepth 1 -type d) | while IFS= read -r d; do mkdir -p "$2/$d"; done
                (cd "$1" && find . -mindepth 1 ! -type d) | while IFS= read -r f; do
                  if [ -e "$2/$f" ] || [ -L "$2/$f" ]; then
                    if [ -z "$ignoreCollisions" ] && ! cmp -s "$1/$f" "$2/$f"; then
                      echo "collision between \`$1/$f' and \`$(readlink "$2/$f")'" >&2
                      exit 1
                    fi
                  else
                    ln -s "$1/$f" "$2/$f"
                  fi
                done
              }
              for p in $pythonPaths; do
                if [ -d "$p/${sitePackages}" ]; then linkTree "$p/${sitePackages}" "$sp"; fi
                if [ -d "$p/bin" ]; then linkTree "$p/bin" "$out/bin"; fi
              done
              # As wrapper.nix's postBuild: each program of the packages runs with this env's
              # NIX_PYTHONPATH, prefix and executable (a makeWrapper --set wrapper there).
              for prg in "$out"/bin/*; do
                if [ -L "$prg" ] && [ -f "$prg" ] && [ -x "$prg" ]; then
                  target="$(readlink "$prg")"
                  rm "$prg"
                  printf '%s\n' '#!/bin/sh' \
                    "export NIX_PYTHONPREFIX='$out' NIX_PYTHONEXECUTABLE='$out/bin/${executable}'" \
                    "export NIX_PYTHONPATH='$sp' PYTHONNOUSERSITE=true" \
                    "exec '$target' \"\$@\"" > "$prg"
                  chmod +x "$prg"
                fi
              done
              for prog in python python3 ${executable}; do
                rm -f "$out/bin/$prog"
                printf '%s\n' '#!/bin/sh' \
                  "export NIX_PYTHONPREFIX='$out' NIX_PYTHONEXECUTABLE='$out/bin/${executable}'" \
                  "export NIX_PYTHONPATH='$sp' PYTHONNOUSERSITE=true" \
                  "exec '$interpreter' \"\$@\"" > "$out/bin/$prog"
                chmod +x "$out/bin/$prog"
              done
              eval "$postBuild"
            '';
          };
        in
        env // {
          inherit python extraLibs;
          # For nix-shell only, as in nixpkgs.
          env = stdenv.mkDerivation {
            name = "interactive-${drv.name}-environment";
            nativeBuildInputs = [ env ];
            buildCommand = ''
              echo >&2 ""
              echo >&2 "*** Python 'env' attributes are intended for interactive nix-shell sessions, not for building! ***"
              echo >&2 ""
              exit 1
            '';
          };
        };
    in
    python;

  python311 = mkPython { pythonVersion = "3.11"; };
  python312 = mkPython { pythonVersion = "3.12"; };
  python313 = mkPython { pythonVersion = "3.13"; };
  python314 = mkPython { pythonVersion = "3.14"; };
  python315 = mkPython { pythonVersion = "3.15"; };
in
# As nixpkgs (pkgs/development/interpreters/python/default.nix): python311 to python315, no python310.
{
  inherit python311 python312 python313 python314 python315;
  python3 = python311;
  python3Packages = python311.pkgs;
  python311Packages = python311.pkgs;
  python312Packages = python312.pkgs;
  python313Packages = python313.pkgs;
  python314Packages = python314.pkgs;
  python315Packages = python315.pkgs;
  fetchPypi = python311.pkgs.fetchPypi;
}
