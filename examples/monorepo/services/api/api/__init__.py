"""The example service: a console script that checks a version string."""

import sys

from packaging.version import InvalidVersion, Version


def main() -> None:
    for text in sys.argv[1:] or ["1.0"]:
        try:
            print(f"{text}: {Version(text)}")
        except InvalidVersion:
            print(f"{text}: not a version")
