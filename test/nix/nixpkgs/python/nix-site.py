"""Stand-in for nixpkgs' sitecustomize.py, loaded through a .pth file in the interpreter's
site-packages (Debian's /usr/lib/python3.11/sitecustomize.py would shadow a sitecustomize.py).
Adds each directory in NIX_PYTHONPATH with site.addsitedir (so .pth files there work), and takes
sys.executable and sys.prefix from NIX_PYTHONEXECUTABLE and NIX_PYTHONPREFIX; all three are removed
from the environment so they do not leak into child processes."""

import functools
import os
import site
import sys

paths = os.environ.pop("NIX_PYTHONPATH", None)
if paths:
    functools.reduce(lambda k, p: site.addsitedir(p, k), paths.split(":"), site._init_pathinfo())

executable = os.environ.pop("NIX_PYTHONEXECUTABLE", None)
prefix = os.environ.pop("NIX_PYTHONPREFIX", None)
if "PYTHONEXECUTABLE" not in os.environ and executable is not None:
    sys.executable = executable
    sys._base_executable = executable
if prefix is not None:
    sys.prefix = sys.exec_prefix = prefix
    site.PREFIXES.insert(0, prefix)
