"""Stand-in for nixpkgs' catch_conflicts/catch_conflicts.py: fail when the runtime closure of $out
(followed through nix-support/propagated-build-inputs) holds one distribution name in two
different store paths, e.g. two versions of a package.
Simplification: the report is shorter (no dependency chains)."""

import collections
import os
import sys
from importlib.metadata import PathDistribution
from pathlib import Path

version = sys.version_info
site_packages_path = f"lib/python{version[0]}.{version[1]}/site-packages"
packages = collections.defaultdict(dict)  # name -> {store path: version}
seen = set()


def find_packages(store_path: Path) -> None:
    if store_path in seen:
        return
    seen.add(store_path)
    site_packages = store_path / site_packages_path
    if site_packages.exists():
        for dist_info in site_packages.glob("*.dist-info"):
            dist = PathDistribution(dist_info)
            packages[dist._normalized_name][str(store_path)] = dist.version
    propagated = store_path / "nix-support/propagated-build-inputs"
    if propagated.exists():
        for build_input in propagated.read_text().split():
            find_packages(Path(build_input))


find_packages(Path(os.environ["out"]))
do_abort = False
for name, store_paths in packages.items():
    if len(store_paths) > 1:
        do_abort = True
        print(f"Found duplicated packages in closure for dependency '{name}': ")
        for store_path, dist_version in store_paths.items():
            print(f"  {name} {dist_version} ({store_path})")
if do_abort:
    print("")
    print(
        "Package duplicates found in closure, see above. Usually this "
        "happens if two packages depend on different version "
        "of the same dependency."
    )
    sys.exit(1)
