# Stand-in for nixpkgs' pkgs/development/interpreters/python/mk-python-derivation.nix
# (buildPythonPackage). Same arguments, assertions and error messages; the hooks it adds are the
# stand-ins in hooks.nix. Unlike nixpkgs, an argument that is neither one of nixpkgs' named
# arguments nor in `passThroughArgs` throws, so a typo in generated code shows up.
{ lib, python, stdenv, hooks, namePrefix, unzip }:
let
  inherit (lib) elem optional optionals;

  # The arguments current nixpkgs' mk-python-derivation.nix names (extendDrvArgs and cleanAttrs).
  pythonArgs = [
    "nativeBuildInputs" "buildInputs" "checkInputs" "nativeCheckInputs" "propagatedBuildInputs"
    "dependencies" "optional-dependencies" "build-system" "pythonPath" "strictDeps" "outputs"
    "testPaths" "disabled" "catchConflicts" "makeWrapperArgs" "dontWrapPythonPrograms"
    "dontUsePipInstall" "permitUserSite" "removeBinBytecode" "pyproject" "format" "meta" "doCheck"
    "passthru" "env" "stdenv" "checkPhase" "installCheckPhase" "doInstallCheck"
    "nativeInstallCheckInputs" "installCheckInputs" "postFixup"
  ];

  # The mkDerivation attributes and hook variables it passes through that the stand-in accepts.
  # nixpkgs passes anything on; add a name here when generated code needs a new one.
  passThroughArgs = [
    "pname" "version" "name" "src" "sourceRoot" "patches" "patchFlags"
    "preUnpack" "unpackPhase" "postUnpack" "prePatch" "postPatch" "dontUnpack" "dontPatch"
    "preConfigure" "configurePhase" "postConfigure" "dontConfigure"
    "preBuild" "buildPhase" "postBuild" "dontBuild"
    "preInstall" "installPhase" "postInstall" "dontInstall" "preFixup" "dontFixup"
    "preCheck" "postCheck" "preInstallCheck" "postInstallCheck"
    "propagatedNativeBuildInputs" "setupHook" "preferLocalBuild" "allowSubstitutes"
    # Python hooks' variables
    "pythonImportsCheck" "pythonRelaxDeps" "pythonRemoveDeps" "dontCheckRuntimeDeps" "dontCheckPythonMetadata"
    "autoPatchelfIgnoreMissingDeps" "runtimeDependencies" "appendRunpaths"
    "pythonNamespaces" "pypaBuildFlags" "setupPyBuildFlags" "setupPyGlobalFlags"
    "dontUsePypaBuild" "dontUsePypaInstall" "dontUseWheelUnpack" "dontUseSetuptoolsBuild"
    "dontUsePythonImportsCheck" "dontUsePythonCatchConflicts"
    "disabledTests" "disabledTestPaths" "enabledTests" "enabledTestPaths" "enabledTestMarks"
    "pytestFlags" "pytestFlagsArray" "unittestFlagsArray"
    # Rust, CMake, Meson hooks' variables
    "cargoDeps" "cargoRoot" "cargoBuildType" "maturinBuildFlags" "dontUseCmakeConfigure"
    "cmakeFlags" "dontUseMesonConfigure" "mesonFlags"
  ];
  allowedArgs = pythonArgs ++ passThroughArgs;

  # As nixpkgs' cleanAttrs: these never reach mkDerivation under their own name.
  cleanAttrs = attrs: removeAttrs attrs [
    "disabled" "checkPhase" "checkInputs" "nativeCheckInputs" "doCheck" "doInstallCheck"
    "pyproject" "format" "stdenv" "dependencies" "optional-dependencies" "build-system"
    "nativeInstallCheckInputs" "installCheckInputs" "makeWrapperArgs" "pythonPath" "testPaths"
    "catchConflicts" "permitUserSite" "removeBinBytecode" "dontUsePipInstall"
  ];

  leftPadName = name: against:
    let len = lib.foldr (a: b: if a > b then a else b) 0 [ (builtins.stringLength name) (builtins.stringLength against) ];
    in lib.fixedWidthString len " " name;
  isPythonModule = drv: (drv ? pythonModule) && !builtins.isBool drv.pythonModule;
  isMismatchedPython = drv: drv.pythonModule != python;

  # All Python modules a list of packages brings at run time (nixpkgs' requiredPythonModules).
  requiredPythonModules = drvs: map (x: x.drv) (builtins.genericClosure {
    startSet = map (d: { key = d.outPath; drv = d; }) (builtins.filter isPythonModule drvs);
    operator = x: map (d: { key = d.outPath; drv = d; })
      (builtins.filter isPythonModule (x.drv.propagatedBuildInputs or [ ]));
  });

  buildPythonPackage = fnOrAttrs:
    let
      # Simplification: `finalAttrs` is the function's own result (nixpkgs: the fixed point of
      # the finished derivation's attributes).
      attrs = if builtins.isFunction fnOrAttrs then lib.fix fnOrAttrs else fnOrAttrs;
      name = namePrefix + attrs.name or "${attrs.pname}-${attrs.version}";
      unknown = builtins.filter (n: !elem n allowedArgs) (builtins.attrNames attrs);

      pyproject = attrs.pyproject or null;
      format = attrs.format or null;
      format' =
        assert (pyproject != null) -> (format == null);
        if pyproject != null then
          if pyproject then "pyproject" else "other"
        else if format != null then
          format
        else
          throw "${name} does not configure a `format`. To build with setuptools as before, set `pyproject = true` and `build-system = [ setuptools ]`.`";
      knownFormat = elem format' [ "pyproject" "setuptools" "wheel" "other" ]
        || throw "${name}: format \"${format'}\" is not in the stand-in (pyproject, setuptools, wheel, other)";
      withDistOutput = elem format' [ "pyproject" "setuptools" "wheel" ];

      disabled = attrs.disabled or false;
      doCheck = attrs.doCheck or false;
      # As nixpkgs: the bootstrap packages (the hooks' own tools) are not checked for conflicts.
      bootstrapNames = [ "flit-core" "installer" "build" "packaging" "pyproject-hooks" "wheel" "setuptools" ]
        ++ optional (python.pythonOlder "3.11") "tomli";
      catchConflicts = attrs.catchConflicts or (!(elem (attrs.pname or "") bootstrapNames));
      dependencies = attrs.dependencies or [ ];
      optional-dependencies = attrs.optional-dependencies or { };
      build-system = attrs.build-system or [ ];
      relaxOrRemove = (attrs.pythonRelaxDeps or [ ]) != [ ] || (attrs.pythonRemoveDeps or [ ]) != [ ];

      validatePythonMatches = attrName:
        let
          throwMismatch = drv:
            let
              myName = "'${name}'";
              theirName = "'${drv.name}'";
              pos = builtins.unsafeGetAttrPos (if attrs ? pname then "pname" else "name") attrs;
              optionalLocation = lib.optionalString (pos != null) " at ${pos.file}:${toString pos.line}:${toString pos.column}";
            in
            throw ''
              Python version mismatch in ${myName}:

              The Python derivation ${myName} depends on a Python derivation
              named ${theirName}, but the two derivations use different versions
              of Python:

                  ${leftPadName myName theirName} uses ${python}
                  ${leftPadName theirName myName} uses ${toString drv.pythonModule}

              Possible solutions:

                * If ${theirName} is a Python library, change the reference to ${theirName}
                  in the ${attrName} of ${myName} to use a ${theirName} built from the same
                  version of Python

                * If ${theirName} is used as a tool during the build, move the reference to
                  ${theirName} in ${myName} from ${attrName} to nativeBuildInputs

                * If ${theirName} provides executables that are called at run time, pass its
                  bin path to makeWrapperArgs:

                      makeWrapperArgs = [ "--prefix PATH : ''${lib.makeBinPath [ ${drv.pname or drv.name} ] }" ];

              ${optionalLocation}
            '';
          checkDrv = drv: if isPythonModule drv && isMismatchedPython drv then throwMismatch drv else drv;
        in
        map checkDrv;

      propagated = validatePythonMatches "propagatedBuildInputs"
        ((attrs.propagatedBuildInputs or [ ]) ++ dependencies ++ [ python ]);

      drv = (attrs.stdenv or stdenv).mkDerivation (cleanAttrs attrs // {
        inherit name catchConflicts;
        nativeBuildInputs = assert knownFormat; [ python hooks.wrapPythonProgramsHook ]
          ++ optional catchConflicts hooks.pythonCatchConflictsHook
          ++ optional relaxOrRemove hooks.pythonRelaxDepsHook
          ++ optional (format' == "setuptools") hooks.setuptoolsBuildHook
          ++ optionals (format' == "pyproject") [ hooks.pypaBuildHook hooks.pythonRuntimeDepsCheckHook ]
          ++ optional (format' == "wheel") hooks.wheelUnpackHook
          ++ optional (format' != "other") hooks.pypaInstallHook
          ++ [ hooks.pythonImportsCheckHook ]
          ++ optional (format' != "other" && attrs ? pname) hooks.pythonMetadataCheckHook
          ++ optional withDistOutput hooks.pythonOutputDistHook
          # as nixpkgs: a source whose name ends in "zip" brings unzip
          ++ optional (lib.hasSuffix "zip" (attrs.src.name or "")) unzip
          ++ attrs.nativeBuildInputs or [ ]
          ++ build-system
          # nixpkgs' stdenv adds nativeInstallCheckInputs only when doInstallCheck is set.
          ++ optionals doCheck ((attrs.nativeCheckInputs or [ ]) ++ (attrs.nativeInstallCheckInputs or [ ]));
        buildInputs = validatePythonMatches "buildInputs" ((attrs.buildInputs or [ ]) ++ (attrs.pythonPath or [ ]))
          ++ optionals doCheck ((attrs.checkInputs or [ ]) ++ (attrs.installCheckInputs or [ ]));
        propagatedBuildInputs = propagated;
        pythonWrapClosure = requiredPythonModules propagated;
        LANG = "C.UTF-8";
        # Python packages have no checkPhase, only an installCheckPhase (as nixpkgs).
        doCheck = false;
        doInstallCheck = doCheck;
        outputs = (attrs.outputs or [ "out" ]) ++ optional withDistOutput "dist";
        passthru = {
          inherit disabled pyproject build-system dependencies optional-dependencies;
        } // attrs.passthru or { };
        meta = { platforms = python.meta.platforms; isBuildPythonPackage = python.meta.platforms; } // attrs.meta or { };
      } // lib.optionalAttrs (attrs ? checkPhase) { installCheckPhase = attrs.checkPhase; });

      # As nixpkgs (transformDrv): `disabled` throws once the package is built or used as a
      # dependency, not when its other attributes are read.
      guard = x:
        if disabled then throw "${lib.removePrefix namePrefix drv.name} not supported for interpreter ${python.executable}" else x;
    in
    if unknown != [ ] then
      throw "buildPythonPackage (lock2nix stand-in for nixpkgs): ${name}: unknown argument `${builtins.head unknown}`. nixpkgs would pass it to mkDerivation; if generated code really needs it, add it to passThroughArgs in test/nix/nixpkgs/python/mk-python-derivation.nix."
    else
      toPythonModule drv // {
        outPath = guard drv.outPath;
        drvPath = guard drv.drvPath;
        # nixpkgs' makeOverridablePythonPackage: re-call with the merged arguments.
        overridePythonAttrs = f: buildPythonPackage (attrs // (if builtins.isFunction f then f attrs else f));
      };

  # nixpkgs' toPythonModule: mark a package as a module of this interpreter.
  toPythonModule = drv: drv // {
    pythonModule = python;
    pythonPath = [ ];
    requiredPythonModules = requiredPythonModules (drv.propagatedBuildInputs or [ ]);
    overrideAttrs = f: toPythonModule (drv.overrideAttrs f);
  };
in
{
  inherit buildPythonPackage requiredPythonModules isPythonModule toPythonModule;
}
