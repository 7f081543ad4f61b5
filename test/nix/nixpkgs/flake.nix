{
  # lock2nix's test stand-in for nixpkgs (see ../README.md). No inputs, so a flake under test can
  # take it in place of nixpkgs:
  #   nix build --override-input nixpkgs path:./test/nix/nixpkgs ...
  # Packages build only for the machine's own system; the other systems evaluate.
  description = "lock2nix test stand-in for nixpkgs";

  outputs = { self }:
    let
      lib = import ./lib.nix;
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
    in
    {
      inherit lib;
      legacyPackages = lib.genAttrs systems (system: import ./. { inherit system; });
    };
}
