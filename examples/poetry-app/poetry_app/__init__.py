"""The example's own code: a console script that reports the requests it runs with."""

import requests


def main() -> None:
    print(f"poetry-app runs with requests {requests.__version__}")
