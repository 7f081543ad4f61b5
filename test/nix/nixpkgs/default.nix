# lock2nix's test stand-in for nixpkgs: `import ./test/nix/nixpkgs { }` gives a small `pkgs` with
# the interface lock2nix's generated Nix calls (see ../README.md). Builds are real and run in
# Nix's sandbox on Debian's /bin/sh and python3 3.11, reached through sandbox-paths:
#   nix-build FILE --option sandbox true \
#     --option sandbox-paths "/bin /usr /lib /lib64 /etc/alternatives" --option substituters ""
{ system ? builtins.currentSystem, overlays ? [ ], config ? { } }:
let
  lib = import ./lib.nix;

  # Overlays are applied as nixpkgs applies them: each is `final: prev: { ... }`, composed in order
  # on top of the base set, with `final` the finished package set.
  base = final:
    let
      inherit (import ./stdenv.nix { inherit lib system; }) stdenv runCommand writeText makeSetupHook mkShell;
      stubs = import ./stubs.nix { inherit lib stdenv; };
      native = import ./native.nix { inherit lib stdenv makeSetupHook; };
      pythons = import ./python { inherit lib stdenv makeSetupHook; pkgs = final; };
    in
    stubs // removeAttrs native [ "ccLib" ] // pythons // {
      inherit lib config system runCommand writeText makeSetupHook mkShell;
      # stdenv.cc.cc.lib: the compiler's runtime libraries (libstdc++, libgcc_s).
      stdenv = stdenv // { cc = { cc = { lib = native.ccLib; }; }; };

      # pkgs/development/interpreters/python/manylinux/default.nix: the libraries each manylinux
      # policy lets a wheel link against (getLib of each), for autoPatchelfHook. Real here: the
      # C++ runtime; glibc counts as found by the stand-in's autoPatchelfHook; the rest are stubs.
      pythonManylinuxPackages = rec {
        manylinux2014 = [
          final.glibc native.ccLib final.xorg.libX11 final.xorg.libXext final.xorg.libXrender
          final.xorg.libICE final.xorg.libSM final.libGL final.glib
        ];
        manylinux2010 = manylinux2014;
        manylinux1 = manylinux2014 ++ [ final.ncurses5 final.libxcrypt ];
      };
      # pkgs/build-support/docker/default.nix: buildLayeredImage's interface (name, tag, contents,
      # config) and result name (`<name>.tar.gz`); the stand-in writes the image's config, no layers.
      dockerTools.buildLayeredImage = { name, tag ? "latest", contents ? [ ], config ? { }, ... }:
        runCommand "${builtins.replaceStrings [ "/" ] [ "-" ] name}.tar.gz" {
          imageConfig = builtins.toJSON { inherit name tag config; contents = map toString contents; };
        } ''printf '%s' "$imageConfig" > "$out"'';
      pkgs = final;
      # The stand-in's own overlays can be extended like nixpkgs' (pkgs.extend / appendOverlays).
      extend = f: import ./. { inherit system config; overlays = overlays ++ [ f ]; };
      appendOverlays = fs: import ./. { inherit system config; overlays = overlays ++ fs; };

      # callPackage, reduced: automatic arguments from `final`, `.override` on the result.
      callPackage = fn: args:
        let f = if builtins.isFunction fn then fn else import fn;
        in lib.makeOverridable (a: f (builtins.intersectAttrs (builtins.functionArgs f) final // a)) args;

      # nixpkgs' fetchurl, backed by Nix's builtin fetcher (<nix/fetchurl.nix>), so Nix checks the
      # hash. SRI `hash` or base16/base32 `sha256`; with neither, the empty hash, so the build
      # fails and Nix prints the hash it got (as nixpkgs). Simplifications: only `mirror://pypi/`
      # of nixpkgs' mirror list, and only the first of `urls` (no fallback to the others).
      fetchurl = { url ? builtins.head urls, urls ? [ ], hash ? "", sha256 ? "", name ? null, ... }@args:
        let
          pypi = "mirror://pypi/";
          url' = if lib.hasPrefix pypi url
            then "https://files.pythonhosted.org/packages/source/" + lib.removePrefix pypi url
            else url;
          hashArgs =
            if hash != "" then { inherit hash; }
            else { inherit sha256; };
        in
        import <nix/fetchurl.nix> ({ url = url'; name = if name != null then name else baseNameOf url'; } // hashArgs);

      fetchgit = args: throw "fetchgit (${args.url or "?"}): not in the stand-in";
      fetchFromGitHub = args: throw "fetchFromGitHub (${args.owner or "?"}/${args.repo or "?"}): not in the stand-in";

      # nixpkgs' top-level hook into every Python package set (see python/default.nix).
      pythonPackagesExtensions = [ ];
    };
in
lib.fix (lib.extends (lib.composeManyExtensions overlays) base)
