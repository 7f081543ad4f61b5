# The part of nixpkgs' `lib` that lock2nix's generated code and this stand-in use.
# Each function has the semantics of the nixpkgs function of the same name (lib/fixed-points.nix,
# lib/lists.nix, lib/attrsets.nix, lib/strings.nix, lib/trivial.nix, lib/versions.nix,
# lib/systems/doubles.nix); only the set of functions is reduced. Nothing here may use a builtin
# newer than Nix 2.8.
let
  inherit (builtins)
    attrNames concatStringsSep elemAt foldl' genList length listToAttrs stringLength substring;

  # lib/lists.nix
  foldr = op: nul: list:
    let len = length list;
        go = n: if n == len then nul else op (elemAt list n) (go (n + 1));
    in go 0;
  take = n: list: genList (elemAt list) (if n < length list then n else length list);
  optional = cond: elem: if cond then [ elem ] else [ ];
  optionals = cond: elems: if cond then elems else [ ];
  # nixpkgs' unique keeps the first occurrence of each element, in order.
  unique = foldl' (acc: e: if builtins.elem e acc then acc else acc ++ [ e ]) [ ];
  toList = x: if builtins.isList x then x else [ x ];

  # lib/attrsets.nix
  optionalAttrs = cond: as: if cond then as else { };
  filterAttrs = pred: set:
    listToAttrs (builtins.concatMap
      (name: let v = set.${name}; in if pred name v then [ { inherit name; value = v; } ] else [ ])
      (attrNames set));
  genAttrs = names: f: listToAttrs (map (n: { name = n; value = f n; }) names);
  isDerivation = x: builtins.isAttrs x && (x.type or null) == "derivation";
  # lib.getDev: the `dev` output when there is one and no output was picked explicitly.
  getDev = drv: if drv.outputSpecified or false then drv else drv.dev or drv;
  # lib/attrsets.nix getLib: the `lib` output, else `out`
  getLib = drv: if drv.outputSpecified or false then drv else drv.lib or drv.out or drv;
  # lib/strings.nix escapeShellArg(s), concatMapStrings
  escapeShellArg = arg:
    let string = toString arg;
    in if builtins.match "[[:alnum:],._+:@%/-]+" string == null
      then "'${builtins.replaceStrings [ "'" ] [ "'\\''" ] string}'"
      else string;
  escapeShellArgs = args: builtins.concatStringsSep " " (map escapeShellArg args);
  concatMapStrings = f: xs: builtins.concatStringsSep "" (map f xs);

  # lib/strings.nix
  optionalString = cond: s: if cond then s else "";
  hasPrefix = pref: str: substring 0 (stringLength pref) str == pref;
  hasSuffix = suffix: content:
    let lc = stringLength content; ls = stringLength suffix;
    in lc >= ls && substring (lc - ls) lc content == suffix;
  removePrefix = pref: str:
    if hasPrefix pref str then substring (stringLength pref) (stringLength str) str else str;
  fixedWidthString = width: filler: str:
    let strw = stringLength str;
    in if strw >= width then str else fixedWidthString width filler (filler + str);

  # lib/fixed-points.nix
  fix = f: let x = f x; in x;
  fix' = f: let x = f x // { __unfix__ = f; }; in x;
  extends = overlay: f: (final: let prev = f final; in prev // overlay final prev);
  composeExtensions = f: g: final: prev:
    let fApplied = f final prev;
        prev' = prev // fApplied;
    in fApplied // g final prev';
  composeManyExtensions = foldr (x: y: composeExtensions x y) (final: prev: { });
  makeExtensibleWithCustomName = extenderName: rattrs:
    fix' (self: (rattrs self) // {
      ${extenderName} = f: makeExtensibleWithCustomName extenderName (extends f rattrs);
    });
  makeExtensible = makeExtensibleWithCustomName "extend";

  # lib/customisation.nix, reduced: `.override` re-calls `f` with merged arguments (no
  # `overrideDerivation`, no function-valued override arguments beyond `old: { ... }`).
  makeOverridable = f: args:
    let result = f args;
        override = newArgs: makeOverridable f (args // (if builtins.isFunction newArgs then newArgs args else newArgs));
    in if builtins.isAttrs result then result // { inherit override; } else result;

  # lib/versions.nix
  versions = {
    major = v: elemAt (builtins.splitVersion v) 0;
    minor = v: elemAt (builtins.splitVersion v) 1;
    majorMinor = v: concatStringsSep "." (take 2 (builtins.splitVersion v));
  };

  # lib/systems/doubles.nix, simplified: only the four systems the stand-in knows.
  # lib/attrsets.nix
  mapAttrsToList = f: attrs: map (name: f name attrs.${name}) (builtins.attrNames attrs);

  platforms = rec {
    linux = [ "x86_64-linux" "aarch64-linux" ];
    darwin = [ "x86_64-darwin" "aarch64-darwin" ];
    unix = linux ++ darwin;
    all = unix;
    x86_64 = [ "x86_64-linux" "x86_64-darwin" ];
    aarch64 = [ "aarch64-linux" "aarch64-darwin" ];
  };
in
{
  inherit (builtins) elem attrValues mapAttrs concatLists concatMap concatStringsSep isFunction;
  inherit foldr take optional optionals unique toList optionalAttrs filterAttrs genAttrs
    isDerivation getDev getLib escapeShellArg escapeShellArgs concatMapStrings optionalString hasPrefix hasSuffix removePrefix fixedWidthString fix fix'
    extends composeExtensions composeManyExtensions makeExtensible makeExtensibleWithCustomName
    makeOverridable versions platforms mapAttrsToList;
  # nixpkgs' lib.fakeHash / lib.fakeSha256: hashes of 32 zero bytes, for "tell me the hash" builds.
  fakeHash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  fakeSha256 = "0000000000000000000000000000000000000000000000000000";
  # lib/asserts.nix
  assertMsg = pred: msg: pred || builtins.throw msg;
}
