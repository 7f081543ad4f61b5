"""Stand-in for nixpkgs' python-runtime-deps-check-hook.py: every Requires-Dist of the wheel whose
marker holds (extras evaluate as "", so `extra == ...` requirements are skipped) must be installed,
at a version its specifier allows (prereleases allowed), as nixpkgs checks.
Simplification: METADATA is read with email.parser (Debian's packaging 23.0 lacks
packaging.metadata, which nixpkgs uses)."""

import email.parser
import importlib.metadata
import re
import sys
from zipfile import ZipFile

from packaging.requirements import Requirement


def error(msg: str) -> None:
    print(f"  - {msg}", file=sys.stderr)


def normalize_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requires_dist(wheel: str) -> list:
    with ZipFile(wheel) as zipfile:
        for info in zipfile.infolist():
            if info.filename.endswith(".dist-info/METADATA"):
                text = zipfile.read(info).decode("utf-8")
                return email.parser.HeaderParser().parsestr(text).get_all("Requires-Dist") or []
    raise RuntimeError("No METADATA file found in wheel")


def test_requirement(requirement: Requirement) -> bool:
    if requirement.marker and not requirement.marker.evaluate():
        return True
    package_name = normalize_name(requirement.name)
    try:
        package = importlib.metadata.distribution(requirement.name)
    except importlib.metadata.PackageNotFoundError:
        error(f"{package_name} not installed")
        return False
    requirement.specifier.prereleases = True
    if requirement.specifier and package.version not in requirement.specifier:
        error(f"{package_name}{requirement.specifier} not satisfied by version {package.version}")
        return False
    return True


if __name__ == "__main__":
    tests = [test_requirement(Requirement(r)) for r in requires_dist(sys.argv[1])]
    if not all(tests):
        sys.exit(1)
