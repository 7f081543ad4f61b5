# Stand-in for nixpkgs' stdenv (pkgs/stdenv/generic/make-derivation.nix) and a few trivial
# builders. Builds are real: /bin/sh and Debian's tools reach the sandbox through sandbox-paths.
{ lib, system }:
let
  hostPlatform = {
    inherit system;
    isLinux = lib.elem system lib.platforms.linux;
    isDarwin = lib.elem system lib.platforms.darwin;
    isx86_64 = lib.elem system lib.platforms.x86_64;
    isAarch64 = lib.elem system lib.platforms.aarch64;
  };

  # $stdenv/setup, as nixpkgs' stdenv derivation holds it (builds run setup.sh directly).
  setup = derivation {
    name = "stdenv-setup";
    inherit system;
    builder = "/bin/sh";
    args = [ "-c" "/bin/mkdir \"$out\" && /bin/cp ${./setup.sh} \"$out/setup\"" ];
  };

  # mkDerivation accepts attributes or `finalAttrs: { ... }`.
  # Simplification: `finalAttrs` is the function's own result plus `finalPackage`; nixpkgs also
  # folds in defaults and overrideAttrs layers.
  mkDerivation = fnOrAttrs:
    let
      attrs = if builtins.isFunction fnOrAttrs then fnOrAttrs (attrs // { finalPackage = result; }) else fnOrAttrs;
      name = attrs.name or "${attrs.pname}-${attrs.version}";
      env = attrs.env or { };
      overlapping = builtins.filter (n: attrs ? ${n}) (builtins.attrNames env);
      # nixpkgs' chooseDevOutputs: a dependency given as a package means its `dev` output.
      deps = n: map lib.getDev (attrs.${n} or [ ]);
      drvAttrs = removeAttrs attrs [ "passthru" "meta" "env" "pos" "finalPackage" ] // {
        inherit name system;
        outputs = attrs.outputs or [ "out" ];
        builder = "/bin/sh";
        args = [ ./setup.sh ];
        # What nix-shell sources (`$stdenv/setup`), as in nixpkgs.
        stdenv = setup;
        nativeBuildInputs = deps "nativeBuildInputs";
        buildInputs = deps "buildInputs";
        propagatedBuildInputs = deps "propagatedBuildInputs";
        propagatedNativeBuildInputs = deps "propagatedNativeBuildInputs";
      } // env;
      drv = derivation drvAttrs;
      passthru = attrs.passthru or { };
      result = assert lib.assertMsg (overlapping == [ ])
        "${name}: The `env` attribute set cannot contain any attributes passed to derivation. The following attributes are overlapping: ${builtins.concatStringsSep ", " overlapping}";
        drv // passthru // {
          meta = attrs.meta or { };
          inherit passthru;
          # overrideAttrs accepts `prev: { ... }` or `final: prev: { ... }` (`final` simplified
          # to the attributes before the override).
          overrideAttrs = f:
            let g = f attrs; g' = if builtins.isFunction g then g attrs else g;
            in mkDerivation (attrs // g');
        };
    in
    result;

  stdenv = {
    inherit hostPlatform mkDerivation system;
    buildPlatform = hostPlatform;
    targetPlatform = hostPlatform;
    isLinux = hostPlatform.isLinux;
    isDarwin = hostPlatform.isDarwin;
    shell = "/bin/sh";
  };

  # nixpkgs' runCommand, writeText, makeSetupHook, mkShell, reduced.
  runCommand = name: env: buildCommand:
    mkDerivation ({ inherit name buildCommand; } // env);
  writeText = name: text:
    runCommand name { inherit text; } ''printf '%s' "$text" > "$out"'';
  # makeSetupHook { name; propagatedBuildInputs; substitutions; } script: a package whose
  # nix-support/setup-hook is `script` with @name@ replaced by substitutions.name.
  # `script` may also be the hook's text itself (a string).
  makeSetupHook = { name, propagatedBuildInputs ? [ ], substitutions ? { }, passthru ? { } }: script:
    let
      names = builtins.attrNames substitutions;
      text = builtins.replaceStrings (map (n: "@${n}@") names) (map (n: toString substitutions.${n}) names)
        (if builtins.isPath script then builtins.readFile script else script);
    in
    mkDerivation {
      inherit name propagatedBuildInputs passthru;
      hookText = text;
      buildCommand = ''
        mkdir -p "$out/nix-support"
        printf '%s\n' "$hookText" > "$out/nix-support/setup-hook"
        echo $propagatedBuildInputs > "$out/nix-support/propagated-build-inputs"
      '';
    };
  # Simplification: `nix-shell` on it gives the inputs; building it writes nothing useful.
  mkShell = { name ? "nix-shell", packages ? [ ], inputsFrom ? [ ], nativeBuildInputs ? [ ], ... }@args:
    mkDerivation (removeAttrs args [ "packages" "inputsFrom" ] // {
      inherit name;
      nativeBuildInputs = packages ++ nativeBuildInputs
        ++ builtins.concatMap (d: d.nativeBuildInputs or [ ]) inputsFrom;
      buildInputs = (args.buildInputs or [ ]) ++ builtins.concatMap (d: d.buildInputs or [ ]) inputsFrom;
      buildCommand = ''echo "$name: this derivation is for nix-shell" > "$out"'';
    });
in
{
  inherit stdenv runCommand writeText makeSetupHook mkShell;
}
