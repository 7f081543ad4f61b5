# package-lock.json with a `resolved` URL for each package, for nixpkgs' importNpmLock, which
# fetches only entries that have one (pkgs/build-support/node/import-npm-lock/default.nix).
# lock2nix's lock records none, so no registry host is written in the repository: whoever builds
# names the registry, and each tarball is still checked against the lock's `integrity`.
# The URL is npm's tarball path, `<registry>/<name>/-/<name without scope>-<version>.tgz`.
# Builtins only, so it evaluates with any nixpkgs (and Nix 2.8).
registry: packageLock:
let
  base = builtins.head (builtins.match "(.*[^/])/*" registry);
  # `node_modules/a/node_modules/@s/b` is `@s/b`; an aliased entry says its real name.
  nameOf =
    path: module: module.name or (builtins.head (builtins.match ".*node_modules/((@[^/]+/)?[^/]+)" path));
  unscoped = name: builtins.elemAt (builtins.match "(@[^/]+/)?([^/]+)" name) 1;
  fromRegistry =
    path: module:
    path != "" && !(module ? resolved) && !(module.link or false) && module ? integrity && module ? version;
in
packageLock
// {
  packages = builtins.mapAttrs (
    path: module:
    if fromRegistry path module then
      let
        name = nameOf path module;
      in
      module // { resolved = "${base}/${name}/-/${unscoped name}-${module.version}.tgz"; }
    else
      module
  ) packageLock.packages;
}
