"""Answers lock2nix's differential tests with Debian's python3-packaging and pip.

Reads one JSON request on stdin: {"kind": ..., "cases": [...]}; writes one JSON
list of answers, one per case, each {"ok": value} or {"error": "ExceptionName"}.
"""
import json
import sys

from packaging.markers import Marker
from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet
from packaging.tags import parse_tag
from packaging.utils import parse_wheel_filename
from packaging.version import InvalidVersion, Version


def version(case):
    v = Version(case)
    return {"normalized": str(v), "pre": v.is_prerelease, "post": v.is_postrelease}


def compare(case):
    a, b = Version(case[0]), Version(case[1])
    return (a > b) - (a < b)


def contains(case):
    spec = SpecifierSet(case["spec"])
    pre = case.get("prereleases")
    return spec.contains(case["version"], prereleases=pre)


def specifier(case):
    SpecifierSet(case)  # refuses what the set refuses
    # Each clause as written: the set itself folds equivalent clauses together.
    return [str(Specifier(s.strip())) for s in case.split(",") if s.strip()]


def marker(case):
    return Marker(case["marker"]).evaluate(case["env"])


def wheel(case):
    name, ver, build, tags = parse_wheel_filename(case)
    return {"name": name, "version": str(ver), "build": list(build) if build else None,
            "tags": sorted(str(t) for t in tags)}


_session = []


def requirements(case):
    # pip's own parser, as `pip install -r FILE` runs it (nothing is resolved or fetched).
    from pip._internal.network.session import PipSession
    from pip._internal.req.req_file import parse_requirements
    if not _session:
        _session.append(PipSession())
    out = []
    for parsed in parse_requirements(case, session=_session[0]):
        hashes = (parsed.options or {}).get("hashes", {})
        out.append({"requirement": " ".join(parsed.requirement.split()), "editable": parsed.is_editable,
                    "constraint": parsed.constraint,
                    "hashes": sorted(f"{algo}:{h}" for algo, hs in hashes.items() for h in hs)})
    return sorted(out, key=lambda e: json.dumps(e, sort_keys=True))


def netrc_hosts(case):
    # Python's netrc is what pip (through requests) reads ~/.netrc with.
    import netrc, os, tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".netrc", delete=False) as f:
        f.write(case)
    try:
        os.chmod(f.name, 0o600)
        hosts = netrc.netrc(f.name).hosts
    finally:
        os.unlink(f.name)
    named = {("" if h == "default" else h): {"username": v[0], "password": v[2]} for h, v in hosts.items()}
    return dict(sorted(named.items()))


def supported_tags(case):
    """packaging's sys_tags for CPython X.Y on a Nix system, glibc and macOS fixed as lock2nix assumes them."""
    from packaging import _manylinux, tags
    major, minor = (int(x) for x in case["python"].split("."))
    system = case["system"]
    if system.endswith("-linux"):
        arch = "x86_64" if system.startswith("x86_64") else "aarch64"
        glibc = tuple(int(x) for x in case["glibc"].split("."))
        # Not this machine's interpreter and C library: the target's.
        _manylinux._have_compatible_abi = lambda executable, a: True
        _manylinux._get_glibc_version = lambda: glibc
        platforms = list(_manylinux.platform_tags(f"linux_{arch}", arch))
    else:
        arch = "x86_64" if system.startswith("x86_64") else "arm64"
        version = tuple(int(x) for x in case["macos"].split("."))
        platforms = list(tags.mac_platforms(version, arch))
    abi = f"cp{major}{minor}"
    found = list(tags.cpython_tags((major, minor), [abi], platforms))
    found += list(tags.compatible_tags((major, minor), abi, platforms))
    return [str(t) for t in found]


KINDS = {"tags": supported_tags, "netrc": netrc_hosts, "version": version, "compare": compare, "contains": contains, "specifier": specifier,
         "marker": marker, "wheel": wheel, "requirements": requirements}


def main():
    request = json.load(sys.stdin)
    run = KINDS[request["kind"]]
    answers = []
    for case in request["cases"]:
        try:
            answers.append({"ok": run(case)})
        except Exception as e:  # the kind of failure is the answer
            answers.append({"error": type(e).__name__})
    json.dump(answers, sys.stdout)


main()
