# Self-check of the nixpkgs stand-in, without generated code: selfcheck.sh builds `ok.*` (which
# must build), `buildFails.*` (which must fail to build, with a given message) and `evalFails.*`
# (which must fail to evaluate). `port` and `betaSri` come from selfcheck.sh, which serves
# fixtures/ on 127.0.0.1:port for the fetchurl checks.
{ pkgs ? import ./nixpkgs { }, port ? "0", betaSri ? "" }:
let
  inherit (pkgs) lib;
  python = pkgs.python3;
  ps = python.pkgs;

  # A pure wheel, installed as it is.
  beta = ps.buildPythonPackage {
    pname = "beta";
    version = "1.0.0";
    format = "wheel";
    src = ./fixtures/beta-1.0.0-py3-none-any.whl;
    pythonImportsCheck = [ "beta" ];
  };

  # An sdist built with setuptools; it needs beta at run time (Requires-Dist: beta>=1.0).
  alpha = ps.buildPythonPackage {
    pname = "alpha";
    version = "1.0.0";
    pyproject = true;
    src = ./fixtures/alpha-1.0.0.tar.gz;
    build-system = [ ps.setuptools ];
    dependencies = [ beta ];
    optional-dependencies.extra = [ ];
    pythonImportsCheck = [ "alpha" ];
  };

  env = python.withPackages (p: [ alpha ]);

  # alpha's requirement raised to beta>=2.0, which beta 1.0.0 does not satisfy.
  alphaNeedsBeta2 = alpha.overridePythonAttrs {
    postPatch = ''sed -i 's/beta>=1.0/beta>=2.0/' pyproject.toml'';
  };

  # The same beta again, in another store path: a second beta in a closure.
  betaAgain = beta.overridePythonAttrs { postInstall = "true"; };
  # A package with no build of its own that only brings alpha (and its beta) and betaAgain.
  bundle = extra: ps.buildPythonPackage ({
    pname = "bundle";
    version = "1.0.0";
    format = "other";
    dontUnpack = true;
    installPhase = ''mkdir -p "$out"'';
    dependencies = [ alpha betaAgain ];
  } // extra);

  beta312 = pkgs.python312.pkgs.buildPythonPackage {
    pname = "beta";
    version = "1.0.0";
    format = "wheel";
    src = ./fixtures/beta-1.0.0-py3-none-any.whl;
  };

  fetchedWheel = hash: pkgs.fetchurl {
    url = "http://127.0.0.1:${port}/beta-1.0.0-py3-none-any.whl";
    inherit hash;
  };

  minimal = {
    pname = "x";
    version = "1.0";
    src = ./fixtures/alpha-1.0.0.tar.gz;
  };
in
{
  inherit pkgs;

  ok = {
    inherit beta alpha env;
    # The built closure is what nix-build proves; these check attributes are right too.
    attrs = assert alpha.pname == "alpha" && alpha.version == "1.0.0";
      assert alpha.pythonModule == python && python.pkgs.python == python;
      assert alpha.dependencies == [ beta ] && alpha.passthru.optional-dependencies == { extra = [ ]; };
      assert (alpha.overridePythonAttrs (old: { version = "1.0.1"; })).name == "python3.11-alpha-1.0.1";
      assert pkgs.python312.pythonVersion == "3.12" && pkgs.python314.pkgs.python.pythonVersion == "3.14";
      assert lib.versions.majorMinor "3.11.2" == "3.11";
      assert (python.override { packageOverrides = self: super: { gamma = beta; }; }).pkgs.gamma == beta;
      assert (ps.override { overrides = self: super: { gamma = beta; }; }).gamma == beta;
      assert (import ./nixpkgs { system = "aarch64-darwin"; }).python3.pkgs.setuptools.drvPath != "";
      assert pkgs.stdenv.hostPlatform.isLinux && !pkgs.stdenv.hostPlatform.isDarwin;
      # `disabled` throws only when the package is built or used, as in nixpkgs
      assert (alpha.overridePythonAttrs { disabled = true; }).pname == "alpha";
      # buildPythonPackage (finalAttrs: { ... })
      assert (ps.buildPythonPackage (finalAttrs: {
        pname = "beta"; version = "1.0.0"; format = "wheel";
        src = ./fixtures/beta-1.0.0-py3-none-any.whl;
        passthru.seen = finalAttrs.version;
      })).seen == "1.0.0";
      # the built wheel lands in the `dist` output, as with nixpkgs' pythonOutputDistHook
      pkgs.runCommand "attrs-ok" { } ''
        test -f ${alpha.dist}/alpha-1.0.0-py3-none-any.whl
        echo ok > "$out"
      '';
    # the native stubs record their names; library stubs carry their pkg-config files
    stubs = pkgs.runCommand "stubs-ok" { } ''
      grep -qx libxslt ${pkgs.libxslt}/nix-support/lock2nix-stub
      test -f ${pkgs.libxslt.dev}/lib/pkgconfig/libxslt.pc
      test -f ${pkgs.zlib.dev}/lib/pkgconfig/zlib.pc
      test -f ${pkgs.openssl.dev}/lib/pkgconfig/openssl.pc
      test -f ${pkgs.libffi.dev}/lib/pkgconfig/libffi.pc
      test -f ${pkgs.libyaml}/lib/pkgconfig/yaml-0.1.pc
      ${pkgs.libpq.pg_config}/bin/pg_config --version | grep -q 'lock2nix stand-in stub'
      for s in ${pkgs.postgresql} ${pkgs.cargo} ${pkgs.rustc} \
          ${pkgs.rustPlatform.cargoSetupHook} ${pkgs.rustPlatform.maturinBuildHook} \
          ${pkgs.rustPlatform.importCargoLock { lockFile = ./fixtures/make-fixtures.sh; }} \
          ${pkgs.rustPlatform.fetchCargoVendor { pname = "x"; version = "1"; src = ./fixtures; hash = lib.fakeHash; }} \
          ${ps.pdm-backend} ${ps.maturin}; do
        test -s "$s/nix-support/lock2nix-stub"
      done
      echo ok > "$out"
    '';
    # removing the requirement (pythonRemoveDeps) makes the runtime deps check pass without beta
    alphaRemoveBeta = alpha.overridePythonAttrs {
      dependencies = [ ];
      pythonRemoveDeps = [ "beta" ];
      pythonImportsCheck = [ ];
    };
    # relaxing it (pythonRelaxDeps) lets beta 1.0.0 satisfy beta>=2.0
    alphaRelaxBeta = alphaNeedsBeta2.overridePythonAttrs { pythonRelaxDeps = [ "beta" ]; };
    alphaRelaxAll = alphaNeedsBeta2.overridePythonAttrs { pythonRelaxDeps = true; };
    # catchConflicts = false lets two betas through
    bundleNoCatch = bundle { catchConflicts = false; };
    # the stand-in stdenv puts the stubs' lib/pkgconfig on PKG_CONFIG_PATH
    alphaWithLibxml2 = alpha.overridePythonAttrs {
      nativeBuildInputs = [ pkgs.pkg-config ];
      buildInputs = [ pkgs.libxml2 pkgs.zlib ];
      preBuild = ''
        echo "PKG_CONFIG_PATH=$PKG_CONFIG_PATH"
        test "$(pkg-config --modversion libxml-2.0)" = 2.9.14
        pkg-config --exists zlib
      '';
    };
    # the metadata check's opt-out
    metadataOptOut = alpha.overridePythonAttrs { version = "9.9.9"; dontCheckPythonMetadata = true; };
    # Debian's hatchling is real: the same sdist, built with it
    alphaHatchling = alpha.overridePythonAttrs {
      build-system = [ ps.hatchling ];
      postPatch = ''sed -i 's/"setuptools>=61"/"hatchling"/; s/setuptools.build_meta/hatchling.build/' pyproject.toml'';
    };
    # an overlay, as nixpkgs applies overlays, and pythonPackagesExtensions through it
    overlay = let
      pkgs' = pkgs.extend (final: prev: {
        pythonPackagesExtensions = prev.pythonPackagesExtensions ++ [ (pfinal: pprev: { inherit beta; }) ];
        marker = prev.writeText "overlay-marker" "from the overlay";
      });
    in assert pkgs'.python3.pkgs.beta == beta; pkgs'.marker;
  };

  buildFails = {
    # Requires-Dist beta>=1.0 with no beta among the dependencies
    runtimeDepsMissing = alpha.overridePythonAttrs { dependencies = [ ]; };
    runtimeDepsVersion = alphaNeedsBeta2;
    # without the runtime deps check, pythonImportsCheck still fails
    importsCheck = alpha.overridePythonAttrs { dependencies = [ ]; dontCheckRuntimeDeps = true; };
    # two betas in the runtime closure
    conflicts = bundle { };
    # a build backend that is only a stub
    stubBackend = alpha.overridePythonAttrs {
      build-system = [ ps.pdm-backend ];
      postPatch = ''sed -i 's/"setuptools>=61"/"pdm-backend"/; s/setuptools.build_meta/pdm.backend/' pyproject.toml'';
    };
    # the sdist asks for hatchling, the derivation gives setuptools: pypa build's check stops it
    wrongBackend = alpha.overridePythonAttrs {
      postPatch = ''sed -i 's/"setuptools>=61"/"hatchling"/; s/setuptools.build_meta/hatchling.build/' pyproject.toml'';
    };
    # the derivation's version is not the built metadata's
    metadataVersion = alpha.overridePythonAttrs { version = "9.9.9"; };
    python312 = pkgs.python312;
    python312Package = beta312;
    fetchWrongHash = fetchedWheel lib.fakeHash;
  };

  # fetchurl checks the hash, and a fetched wheel installs (its store name keeps the file name)
  fetched = beta.overridePythonAttrs { src = fetchedWheel betaSri; };

  evalFails = {
    unknownArgument = ps.buildPythonPackage (minimal // { pyproject = true; frobnicate = true; });
    pyprojectAndFormat = ps.buildPythonPackage (minimal // { pyproject = true; format = "wheel"; });
    noFormat = ps.buildPythonPackage minimal;
    disabled = ps.buildPythonPackage (minimal // { pyproject = true; disabled = true; });
    versionMismatch = alpha.overridePythonAttrs { dependencies = [ beta312 ]; };
    envOverlap = ps.buildPythonPackage (minimal // { pyproject = true; preBuild = "x"; env.preBuild = "y"; });
    fetchgit = pkgs.fetchgit { url = "https://example.invalid/x.git"; rev = "0"; hash = ""; };
  };
}
