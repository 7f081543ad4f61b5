# Native packages of the stand-in that are real: Debian 12's own programs and libraries, reached
# through sandbox-paths, laid out as nixpkgs lays them out (bin/, lib/, a `dev` output with
# include/ and lib/pkgconfig/). They replace the stubs of the same name (stubs.nix). `.ci/run`
# installs the apt package named beside each.
{ lib, stdenv, makeSetupHook }:
let
  # A program from /usr/bin under its nixpkgs name, with its setup hook when it has one.
  debianTool = { pname, version, programs, setupHook ? null }: stdenv.mkDerivation {
    inherit pname version programs;
    hookText = if setupHook == null then "" else setupHook;
    buildCommand = ''
      mkdir -p "$out/bin"
      for p in $programs; do ln -s "/usr/bin/$p" "$out/bin/$p"; done
      if [ -n "$hookText" ]; then
        mkdir -p "$out/nix-support"
        printf '%s\n' "$hookText" > "$out/nix-support/setup-hook"
      fi
    '';
  };

  debianLibDir = "/usr/lib/${if stdenv.hostPlatform.isAarch64 then "aarch64" else "x86_64"}-linux-gnu";

  # A library from Debian: `out` links its shared objects, `dev` its headers and a .pc file whose
  # paths point into the store paths (so only a build that has it as an input finds it).
  debianLibrary = { pname, version, sonames, includes ? [ ], pcName ? pname, pc ? null }: stdenv.mkDerivation {
    inherit pname version sonames includes pcName;
    outputs = [ "out" "dev" ];
    pcText = if pc == null then "" else pc;
    buildCommand = ''
      mkdir -p "$out/lib" "$dev/include" "$dev/nix-support"
      for s in $sonames; do
        for f in ${debianLibDir}/$s*; do ln -s "$f" "$out/lib/"; done
      done
      for i in $includes; do ln -s "/usr/include/$i" "$dev/include/"; done
      echo "$out" > "$dev/nix-support/propagated-build-inputs"
      if [ -n "$pcText" ]; then
        mkdir -p "$dev/lib/pkgconfig"
        printf '%s\n' "out=$out" "dev=$dev" "$pcText" > "$dev/lib/pkgconfig/$pcName.pc"
      fi
    '';
  };
in
rec {
  # pkgs/by-name/pk/pkg-config (pkg-config-wrapper): nixpkgs' pkg-config searches only
  # PKG_CONFIG_PATH, never /usr; setup.sh sets PKG_CONFIG_LIBDIR so Debian's does the same.
  pkg-config = debianTool { pname = "pkg-config"; version = "1.8.1"; programs = [ "pkg-config" ]; };
  # pkgs/by-name/un/unzip: its setup hook (setup-hook.sh) teaches unpackPhase to unpack .zip.
  unzip = debianTool { pname = "unzip"; version = "6.0"; programs = [ "unzip" ];
    setupHook = "_lock2nixCanUnzip=1"; };
  # pkgs/by-name/pa/patchelf
  patchelf = debianTool { pname = "patchelf"; version = "0.14.3"; programs = [ "patchelf" ]; };
  # pkgs/by-name/me/meson, pkgs/by-name/ni/ninja. Simplification: nixpkgs' meson setup hook
  # (mesonConfigurePhase) is not stood in for; meson-python runs meson itself.
  meson = debianTool { pname = "meson"; version = "1.0.1"; programs = [ "meson" ]; };
  ninja = debianTool { pname = "ninja"; version = "1.11.1"; programs = [ "ninja" ]; };

  # pkgs/development/libraries/libxml2 (apt: libxml2-dev)
  libxml2 = debianLibrary {
    pname = "libxml2"; version = "2.9.14"; sonames = [ "libxml2.so" ]; includes = [ "libxml2" ]; pcName = "libxml-2.0";
    pc = ''
      Name: libXML
      Description: libXML library version2 (Debian's, in the lock2nix stand-in)
      Version: 2.9.14
      Libs: -L''${out}/lib -lxml2
      Cflags: -I''${dev}/include/libxml2'';
  };

  # stdenv.cc.cc.lib: the C++ runtime (libstdc++, libgcc_s), which manylinux wheels link against.
  ccLib = stdenv.mkDerivation {
    pname = "gcc-lib";
    version = "12.2.0";
    buildCommand = ''
      mkdir -p "$out/lib"
      for f in ${debianLibDir}/libstdc++.so.6 /lib/${if stdenv.hostPlatform.isAarch64 then "aarch64" else "x86_64"}-linux-gnu/libgcc_s.so.1; do
        ln -s "$f" "$out/lib/"
      done
    '';
  };

  # pkgs/build-support/setup-hooks/auto-patchelf.sh + auto-patchelf.py: after the fixup, every ELF
  # file in the outputs gets a RUNPATH with the folders that hold its DT_NEEDED libraries, found
  # in the outputs, runtimeDependencies and every input's lib/; a library found nowhere fails the
  # build unless autoPatchelfIgnoreMissingDeps names it (or is "*"). glibc's libraries count as
  # found (nixpkgs: the libc of stdenv's compiler).
  autoPatchelfHook = makeSetupHook {
    name = "auto-patchelf-hook";
    propagatedBuildInputs = [ patchelf ];
  } ''
    _lock2nixAutoPatchelfLibs=""
    _lock2nixAddAutoPatchelfLibs() {
        if [ -d "$1/lib" ]; then _lock2nixAutoPatchelfLibs="$_lock2nixAutoPatchelfLibs $1/lib"; fi
    }
    envHooks="$envHooks _lock2nixAddAutoPatchelfLibs"
    autoPatchelfPostFixup() {
        [ -z "''${dontAutoPatchelf-}" ] || return 0
        _apl_outs=""
        for _apl_o in ''${outputs:-out}; do eval "_apl_outs=\"\$_apl_outs \$$_apl_o\""; done
        _apl_rt=""
        for _apl_d in ''${runtimeDependencies-}; do _apl_rt="$_apl_rt $_apl_d/lib"; done
        /usr/bin/python3 ${./auto-patchelf.py} \
            --ignore-missing "''${autoPatchelfIgnoreMissingDeps-}" \
            --paths $_apl_outs \
            --libs $_lock2nixAutoPatchelfLibs \
            --runtime-dependencies $_apl_rt
    }
    postFixupHooks="''${postFixupHooks-} autoPatchelfPostFixup"
  '';
}
