# Python packages of the stand-in that are real: Debian 12's own (apt packages named beside each),
# linked from /usr/lib/python3/dist-packages, which builds reach through sandbox-paths. nixpkgs builds
# these from source (pkgs/development/python-modules/<name>/default.nix); the stand-in reuses
# Debian's build, so its versions are Debian's, older than nixpkgs': a package whose
# [build-system] requires more than Debian has fails pypa build's dependency check, as it would
# against an older nixpkgs. `.ci/run` installs every apt package named here.
{ stdenv, python, sitePackages, toPythonModule, name }:
let
  debianDist = "/usr/lib/python3/dist-packages";

  # pname, version, the top-level entries of dist-packages it owns, the Python packages it needs at
  # run time (propagated, as nixpkgs' `dependencies`). `dropRequires`: Requires-Dist lines removed
  # from a copy of its metadata, for a dependency Debian does not ship (said where used).
  debianPackage = { pname, version, paths, deps ? [ ], dropRequires ? [ ], metadataDir ? null }:
    toPythonModule (stdenv.mkDerivation {
      inherit pname version;
      name = "${name}-${pname}-${version}";
      links = map (p: "${debianDist}/${p}") paths;
      copyMetadata = if metadataDir == null then "" else "${debianDist}/${metadataDir}";
      inherit dropRequires;
      propagatedBuildInputs = deps ++ [ python ];
      buildCommand = ''
        mkdir -p "$out/${sitePackages}" "$out/nix-support"
        # unquoted on purpose: an entry may be a glob (an extension module named for the machine)
        for l in $links; do ln -s "$l" "$out/${sitePackages}/"; done
        if [ -n "$copyMetadata" ]; then
          cp -r "$copyMetadata" "$out/${sitePackages}/"
          for r in $dropRequires; do
            sed -i "/^Requires-Dist: $r\([ ;<>=!~(]\|$\)/d" "$out/${sitePackages}/$(basename "$copyMetadata")/METADATA"
          done
        fi
        echo $propagatedBuildInputs > "$out/nix-support/propagated-build-inputs"
      '';
    });

  # The hooks take these from a fixed set, not from the overridable package set (nixpkgs takes
  # them from the build platform's interpreter), so overriding the names cannot make a hook depend
  # on itself.
  bootstrap = rec {
    # python3-setuptools
    setuptools = debianPackage { pname = "setuptools"; version = "66.1.1";
      paths = [ "setuptools" "pkg_resources" "_distutils_hack" "distutils-precedence.pth" "setuptools-66.1.1.egg-info" ]; };
    # python3-wheel
    wheel = debianPackage { pname = "wheel"; version = "0.38.4"; paths = [ "wheel" "wheel-0.38.4.egg-info" ]; };
    # python3-packaging
    packaging = debianPackage { pname = "packaging"; version = "23.0"; paths = [ "packaging" "packaging-23.0.dist-info" ]; };
    # python3-pep517: Debian's build 0.9 uses pep517, the former name of pyproject-hooks.
    pyproject-hooks = debianPackage { pname = "pep517"; version = "0.13.0"; paths = [ "pep517" "pep517-0.13.0.dist-info" ]; };
    # python3-build
    build = debianPackage { pname = "build"; version = "0.9.0"; paths = [ "build" "build-0.9.0.egg-info" ]; deps = [ packaging pyproject-hooks ]; };
    # python3-installer
    installer = debianPackage { pname = "installer"; version = "0.6.0"; paths = [ "installer" "installer-0.6.0.dist-info" ]; };
    # python3-tomli
    tomli = debianPackage { pname = "tomli"; version = "2.0.1"; paths = [ "tomli" "tomli-2.0.1.dist-info" ]; };
  };

  backends = rec {
    inherit (bootstrap) setuptools wheel packaging tomli;
    # flit (holds flit_core)
    flit-core = debianPackage { pname = "flit-core"; version = "3.8.0"; paths = [ "flit_core" "flit_core-3.8.0.dist-info" ]; };
    # python3-pathspec, python3-pluggy, python3-typing-extensions, python3-pyproject-metadata
    pathspec = debianPackage { pname = "pathspec"; version = "0.11.0"; paths = [ "pathspec" "pathspec-0.11.0.dist-info" ]; };
    pluggy = debianPackage { pname = "pluggy"; version = "1.0.0"; paths = [ "pluggy" "pluggy-1.0.0+repack.egg-info" ]; };
    typing-extensions = debianPackage { pname = "typing-extensions"; version = "4.4.0";
      paths = [ "typing_extensions.py" "typing_extensions-4.4.0.dist-info" ]; };
    pyproject-metadata = debianPackage { pname = "pyproject-metadata"; version = "0.6.1";
      paths = [ "pyproject_metadata" "pyproject_metadata-0.6.1.dist-info" ]; deps = [ packaging ]; };
    # python3-hatchling. Its metadata asks for editables, which Debian 12 does not ship (hatchling
    # imports it only for editable wheels): the stand-in's copy of the metadata drops that line.
    hatchling = debianPackage { pname = "hatchling"; version = "1.12.2"; paths = [ "hatchling" ];
      metadataDir = "hatchling-1.12.2.dist-info"; dropRequires = [ "editables" ];
      deps = [ packaging pathspec pluggy ]; };
    # python3-poetry-core (Debian unvendors nothing it needs on 3.11)
    poetry-core = debianPackage { pname = "poetry-core"; version = "1.4.0"; paths = [ "poetry" "poetry_core-1.4.0.dist-info" ]; };
    # python3-setuptools-scm
    setuptools-scm = debianPackage { pname = "setuptools-scm"; version = "7.1.0";
      paths = [ "setuptools_scm" "setuptools_scm-7.1.0.dist-info" ]; deps = [ packaging setuptools typing-extensions ]; };
    # python3-hatch-vcs
    hatch-vcs = debianPackage { pname = "hatch-vcs"; version = "0.3.0"; paths = [ "hatch_vcs" "hatch_vcs-0.3.0.dist-info" ];
      deps = [ hatchling setuptools-scm ]; };
    # meson (its Python package; the `meson` program is pkgs.meson)
    meson = debianPackage { pname = "meson"; version = "1.0.1"; paths = [ "mesonbuild" "meson-1.0.1.egg-info" ]; };
    # python3-mesonpy
    meson-python = debianPackage { pname = "meson-python"; version = "0.12.0"; paths = [ "mesonpy" "meson_python-0.12.0.dist-info" ];
      deps = [ meson pyproject-metadata ]; };
    # cython3 (Cython 0.29; nixpkgs' `cython` is 3.x, so a `Cython>=3` pin fails here)
    cython = debianPackage { pname = "cython"; version = "0.29.32"; paths = [ "Cython" "Cython-0.29.32.egg-info" "cython.py" "pyximport" ]; };
    # python3-pycparser, python3-cffi
    pycparser = debianPackage { pname = "pycparser"; version = "2.21"; paths = [ "pycparser" "pycparser-2.21.egg-info" ]; };
    cffi = debianPackage { pname = "cffi"; version = "1.15.1"; deps = [ pycparser ];
      paths = [ "cffi" "cffi-1.15.1.egg-info" "_cffi_backend.cpython-311-*.so" ]; };
    # python3-pybind11
    pybind11 = debianPackage { pname = "pybind11"; version = "2.10.3"; paths = [ "pybind11" "pybind11-2.10.3.dist-info" ]; };
    # python3-attr, python3-iniconfig, python3-pytest
    attrs = debianPackage { pname = "attrs"; version = "22.2.0"; paths = [ "attr" "attrs" "attrs-22.2.0.dist-info" ]; };
    iniconfig = debianPackage { pname = "iniconfig"; version = "1.1.1"; paths = [ "iniconfig" "iniconfig-1.1.1.egg-info" ]; };
    pytest = debianPackage { pname = "pytest"; version = "7.2.1"; paths = [ "_pytest" "py.py" "pytest" "pytest-7.2.1.dist-info" ];
      deps = [ attrs iniconfig packaging pluggy ]; };
  };
in
{
  inherit bootstrap backends;
}
