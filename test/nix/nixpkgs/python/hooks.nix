# Stand-ins for nixpkgs' Python setup hooks (pkgs/development/interpreters/python/hooks/), each a
# real package whose nix-support/setup-hook the stand-in stdenv sources, as nixpkgs' makeSetupHook.
# They are POSIX sh here (nixpkgs: bash), so `appendToVar phases x` reads `phases="$phases x"`.
# `bootstrap` holds build, installer, packaging and wheel, taken from Debian's python and kept
# out of the overridable package set, so overriding those names cannot make a hook depend on
# itself (nixpkgs takes them from the build platform's package set).
# Not stood in for: pythonNamespacesHook, pythonRemoveBinBytecodeHook, pythonRemoveTestsDirHook,
# eggUnpackHook/eggBuildHook/eggInstallHook, makeWrapperArgs (see wrapPythonProgramsHook).
{ makeSetupHook, python, bootstrap }:
let
  py = python.interpreter;
  sp = python.sitePackages;
in
{
  # pypa-build-hook.sh
  pypaBuildHook = makeSetupHook {
    name = "pypa-build-hook";
    propagatedBuildInputs = [ bootstrap.build bootstrap.wheel ];
  } ''
    pypaBuildPhase() {
        echo "Executing pypaBuildPhase"
        runHook preBuild
        echo "Creating a wheel..."
        ${py} -m build --no-isolation --outdir dist/ --wheel ''${pypaBuildFlags-}
        echo "Finished creating a wheel..."
        runHook postBuild
        echo "Finished executing pypaBuildPhase"
    }
    if [ -z "''${dontUsePypaBuild-}" ] && [ -z "''${buildPhase-}" ]; then
        echo "Using pypaBuildPhase"
        buildPhase=pypaBuildPhase
    fi
  '';

  # setuptools-build-hook.sh (legacy `format = "setuptools"`), simplified: `setup.py bdist_wheel`
  # without nixpkgs' nix_run_setup wrapper; a missing setup.py is replaced by a minimal one.
  setuptoolsBuildHook = makeSetupHook {
    name = "setuptools-build-hook";
    propagatedBuildInputs = [ bootstrap.setuptools bootstrap.wheel ];
  } ''
    setuptoolsBuildPhase() {
        echo "Executing setuptoolsBuildPhase"
        runHook preBuild
        [ -f setup.py ] || echo 'import setuptools; setuptools.setup()' > setup.py
        ${py} setup.py ''${setupPyGlobalFlags-} bdist_wheel --dist-dir dist ''${setupPyBuildFlags-}
        runHook postBuild
        echo "Finished executing setuptoolsBuildPhase"
    }
    if [ -z "''${dontUseSetuptoolsBuild-}" ] && [ -z "''${buildPhase-}" ]; then
        buildPhase=setuptoolsBuildPhase
    fi
  '';

  # pypa-install-hook.sh. Debian's python lays an install under local/lib/python3.11/dist-packages;
  # the stand-in interpreter is a venv, which installs to lib/python3.11/site-packages as nixpkgs'
  # python does, and the layout is normalised in case Debian's layout shows up anyway.
  pypaInstallHook = makeSetupHook {
    name = "pypa-install-hook";
    propagatedBuildInputs = [ bootstrap.installer ];
  } ''
    pypaInstallPhase() {
        echo "Executing pypaInstallPhase"
        runHook preInstall
        (
            cd dist
            for wheel in *.whl; do
                ${py} -m installer --prefix "$out" "$wheel"
                echo "Successfully installed $wheel"
            done
        )
        if [ -d "$out/local/lib/${python.libPrefix}/dist-packages" ]; then
            mkdir -p "$out/${sp}"
            mv "$out/local/lib/${python.libPrefix}/dist-packages"/* "$out/${sp}/"
            rm -rf "$out/local"
        fi
        export PYTHONPATH="$out/${sp}''${PYTHONPATH:+:$PYTHONPATH}"
        runHook postInstall
        echo "Finished executing pypaInstallPhase"
    }
    if [ -z "''${dontUsePypaInstall-}" ] && [ -z "''${installPhase-}" ]; then
        echo "Using pypaInstallPhase"
        installPhase=pypaInstallPhase
    fi
  '';

  # wheel-unpack-hook.sh: the wheel goes to dist/ under its own file name (store hash stripped).
  wheelUnpackHook = makeSetupHook { name = "wheel-unpack-hook"; } ''
    wheelUnpackPhase() {
        echo "Executing wheelUnpackPhase"
        runHook preUnpack
        mkdir -p dist
        cp "$src" "dist/$(stripHash "$src")"
        echo "Finished executing wheelUnpackPhase"
    }
    if [ -z "''${dontUseWheelUnpack-}" ] && [ -z "''${unpackPhase-}" ]; then
        echo "Using wheelUnpackPhase"
        unpackPhase=wheelUnpackPhase
    fi
  '';

  # python-runtime-deps-check-hook.sh (+ .py: see runtime-deps-check.py)
  pythonRuntimeDepsCheckHook = makeSetupHook {
    name = "python-runtime-deps-check-hook";
    propagatedBuildInputs = [ bootstrap.packaging ];
  } ''
    pythonRuntimeDepsCheckHook() {
        echo "Executing pythonRuntimeDepsCheck"
        export PYTHONPATH="$out/${sp}''${PYTHONPATH:+:$PYTHONPATH}"
        for wheel in dist/*.whl; do
            echo "Checking runtime dependencies for $(basename "$wheel")"
            ${py} ${./runtime-deps-check.py} "$wheel"
        done
        echo "Finished executing pythonRuntimeDepsCheck"
    }
    if [ -z "''${dontCheckRuntimeDeps-}" ]; then
        echo "Using pythonRuntimeDepsCheckHook"
        preInstallPhases="''${preInstallPhases-} pythonRuntimeDepsCheckHook"
    fi
  '';

  # python-relax-deps-hook.sh: rewrites Requires-Dist in the built wheel (after the build, before
  # the runtime deps check). Simplification: every wheel in dist/, not only "$pname"*.whl.
  pythonRelaxDepsHook = makeSetupHook {
    name = "python-relax-deps-hook";
    propagatedBuildInputs = [ bootstrap.wheel ];
  } ''
    _pythonRelaxDeps() {
        if [ -z "''${pythonRelaxDeps-}" ] || [ "$pythonRelaxDeps" = 0 ]; then return 0
        elif [ "$pythonRelaxDeps" = 1 ]; then
            sed -i "$1" -r -e 's/(Requires-Dist: [a-zA-Z0-9_.-]+\s*(\[[^]]+\])?)[^;]*(;.*)?/\1\3/'
        else
            for dep in $pythonRelaxDeps; do
                sed -i "$1" -r -e "s/(Requires-Dist: $dep\s*(\[[^]]+\])?)[^;]*(;.*)?/\1\3/"
            done
        fi
    }
    _pythonRemoveDeps() {
        if [ -z "''${pythonRemoveDeps-}" ] || [ "$pythonRemoveDeps" = 0 ]; then return 0
        elif [ "$pythonRemoveDeps" = 1 ]; then
            sed -i "$1" -e '/Requires-Dist:.*/d'
        else
            for dep in $pythonRemoveDeps; do sed -i "$1" -e "/Requires-Dist: $dep/d"; done
        fi
    }
    pythonRelaxDepsHook() {
        (
            cd dist
            for wheel in *.whl; do
                ${py} -m wheel unpack --dest unpacked "$wheel"
                rm -f "$wheel"
                for metadata_file in unpacked/*/*.dist-info/METADATA; do
                    _pythonRelaxDeps "$metadata_file"
                    _pythonRemoveDeps "$metadata_file"
                done
                ${py} -m wheel pack unpacked/*
                rm -rf unpacked
            done
        )
    }
    postBuildHooks="''${postBuildHooks-} pythonRelaxDepsHook"
  '';

  # python-imports-check-hook.sh: runs with the build's PYTHONPATH plus $out, as in nixpkgs.
  pythonImportsCheckHook = makeSetupHook { name = "python-imports-check-hook"; } ''
    pythonImportsCheckPhase() {
        echo "Executing pythonImportsCheckPhase"
        if [ -n "''${pythonImportsCheck-}" ]; then
            echo "Check whether the following modules can be imported: $pythonImportsCheck"
            export PYTHON_IMPORTS_CHECK="$pythonImportsCheck"
            (cd "$out" && ${py} -c 'import os; import importlib; list(map(lambda mod: importlib.import_module(mod), os.environ["PYTHON_IMPORTS_CHECK"].split()))')
        fi
    }
    if [ -z "''${dontUsePythonImportsCheck-}" ]; then
        echo "Using pythonImportsCheckPhase"
        preDistPhases="''${preDistPhases-} pythonImportsCheckPhase"
    fi
  '';

  # pythonMetadataCheckHook (nixpkgs PR #532778; seen in use as pythonMetadataCheckPhase with the
  # opt-out dontCheckPythonMetadata): the installed distribution named `pname` must have the
  # derivation's `version`. Simplification: the stand-in compares PEP 440-normalized versions.
  pythonMetadataCheckHook = makeSetupHook {
    name = "python-metadata-check-hook";
    propagatedBuildInputs = [ bootstrap.packaging ];
  } ''
    pythonMetadataCheckPhase() {
        echo "Executing pythonMetadataCheckPhase"
        PYTHONPATH="$out/${sp}''${PYTHONPATH:+:$PYTHONPATH}" ${py} -c '
    import importlib.metadata, os, sys
    from packaging.version import Version
    name, want = os.environ["pname"], os.environ["version"]
    try:
        got = importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        sys.exit("pythonMetadataCheckPhase: no distribution named %s is installed in $out (set dontCheckPythonMetadata = true if it is named otherwise)" % name)
    if Version(got) != Version(want):
        sys.exit("pythonMetadataCheckPhase: %s: the derivation says version %s, the built metadata says %s" % (name, want, got))
    '
    }
    if [ -z "''${dontCheckPythonMetadata-}" ]; then
        preDistPhases="''${preDistPhases-} pythonMetadataCheckPhase"
    fi
  '';

  # catch-conflicts-hook.sh (+ .py: see catch-conflicts.py)
  pythonCatchConflictsHook = makeSetupHook { name = "python-catch-conflicts-hook"; } ''
    pythonCatchConflictsPhase() {
        ${py} ${./catch-conflicts.py}
    }
    if [ -z "''${dontUsePythonCatchConflicts-}" ]; then
        preDistPhases="''${preDistPhases-} pythonCatchConflictsPhase"
    fi
  '';

  # wrap.sh's wrapPythonPrograms, reduced: nixpkgs patches each Python script in $out/bin with a
  # line that puts the package and its propagated Python closure on sys.path, then wraps it with
  # makeWrapper (makeWrapperArgs); the stand-in does the patching only. The closure comes from
  # mk-python-derivation.nix in $pythonWrapClosure.
  wrapPythonProgramsHook = makeSetupHook { name = "wrap-python-programs-hook"; } ''
    wrapPythonPrograms() {
        [ -d "$out/bin" ] || return 0
        _wp_paths=""
        for _wp in "$out" ''${pythonWrapClosure-}; do _wp_paths="$_wp_paths'$_wp/${sp}', "; done
        for _wp in "$out"/bin/*; do
            if [ -f "$_wp" ] && [ ! -L "$_wp" ] && head -n1 "$_wp" | grep -q '^#!.*python'; then
                sed -i "1a import sys;import site;import functools;sys.argv[0] = '$(basename "$_wp")';functools.reduce(lambda k, p: site.addsitedir(p, k), [$_wp_paths], site._init_pathinfo());" "$_wp"
            fi
        done
    }
    if [ -z "''${dontWrapPythonPrograms-}" ]; then
        postFixupHooks="''${postFixupHooks-} wrapPythonPrograms"
    fi
  '';

  # python-output-dist-hook.sh: the wheel(s) go to the `dist` output.
  pythonOutputDistHook = makeSetupHook { name = "python-output-dist-hook"; } ''
    pythonOutputDistPhase() {
        echo "Executing pythonOutputDistPhase"
        if [ -d dist ]; then
            mv dist "$dist"
        else
            echo 'The build contains no ./dist directory. If this project is not setuptools-based, pass format = "other";' >&2
            false
        fi
        echo "Finished executing pythonOutputDistPhase"
    }
    preFixupPhases="''${preFixupPhases-} pythonOutputDistPhase"
  '';
}
