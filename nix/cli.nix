# The CLI, built from package-lock.json by nixpkgs' buildNpmPackage and importNpmLock: every npm
# package is fetched by the integrity hash the lock holds, so there is no npmDepsHash to keep.
# The lock names no registry (see npm-registry.nix): give one with
# `.override { npmRegistry = "https://…"; }`, or record `resolved` URLs in a clone's lock
# (README, Install).
{
  lib,
  buildNpmPackage,
  importNpmLock,
  npmRegistry ? null,
}:
let
  packageJson = builtins.fromJSON (builtins.readFile ../package.json);
  packageLock = builtins.fromJSON (builtins.readFile ../package-lock.json);
in
buildNpmPackage {
  pname = packageJson.name;
  inherit (packageJson) version;
  src = ./..;
  npmDeps = importNpmLock (
    { npmRoot = ./..; }
    // lib.optionalAttrs (npmRegistry != null) { packageLock = import ./npm-registry.nix npmRegistry packageLock; }
  );
  npmConfigHook = importNpmLock.npmConfigHook;
  # `npm run build` (tsc) writes dist/; npm's install step keeps package.json's `files`
  # (bin, dist, overrides, templates) and links bin/lock2nix.js as $out/bin/lock2nix.
  meta = {
    description = packageJson.description;
    license = lib.licenses.mit or "MIT";
    mainProgram = "lock2nix";
  };
}
