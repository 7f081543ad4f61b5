#!/bin/sh
# Self-check of the nixpkgs stand-in (test/nix/nixpkgs): real builds in Nix's sandbox, and the
# guard rails. Exits non-zero when a check fails. Needs nix-build/nix-instantiate (Nix >= 2.8) and
# Debian's python3 with python3-build, python3-installer, python3-setuptools, python3-wheel.
set -u
here=$(cd "$(dirname "$0")" && pwd)
file="$here/selfcheck.nix"
logs=$(mktemp -d)
failures=0
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null; fi
    rm -rf "$logs"
}
trap cleanup EXIT

pass() { echo "ok   $1"; }
fail() { echo "FAIL $1"; [ -z "${2-}" ] || sed 's/^/     | /' "$2" | tail -n 25; failures=$((failures + 1)); }

# nix-build with the sandbox on; Debian's /bin/sh, tools and python3 come in through sandbox-paths.
nb() {
    nix-build "$file" --no-out-link --option sandbox true \
        --option sandbox-paths "/bin /usr /lib /lib64 /etc/alternatives" \
        --option substituters "" "$@"
}

# Serve fixtures/ on 127.0.0.1 (a fixed-output fetch may reach it from the sandbox).
/usr/bin/python3 -c '
import functools, http.server, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
server = http.server.HTTPServer(("127.0.0.1", 0), handler)
open(sys.argv[2], "w").write(str(server.server_address[1]))
server.serve_forever()
' "$here/fixtures" "$logs/port" 2>/dev/null &
server_pid=$!
i=0
while [ ! -s "$logs/port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cat "$logs/port")
beta_sri=$(/usr/bin/python3 -c 'import base64, hashlib, sys; print("sha256-" + base64.b64encode(hashlib.sha256(open(sys.argv[1], "rb").read()).digest()).decode())' "$here/fixtures/beta-1.0.0-py3-none-any.whl")
args="--argstr port $port --argstr betaSri $beta_sri"

# --- builds that must succeed -----------------------------------------------------------------
for a in beta alpha env attrs stubs alphaRemoveBeta alphaRelaxBeta alphaRelaxAll bundleNoCatch alphaWithLibxml2 alphaHatchling metadataOptOut overlay; do
    if nb $args -A "ok.$a" >"$logs/$a.out" 2>"$logs/$a.log"; then pass "builds: $a"; else fail "builds: $a" "$logs/$a.log"; fi
done
if nb $args -A fetched >"$logs/fetched.out" 2>"$logs/fetched.log"; then pass "builds: fetched (fetchurl with SRI hash from 127.0.0.1)"; else fail "builds: fetched" "$logs/fetched.log"; fi

# --- what the results do ----------------------------------------------------------------------
env=$(cat "$logs/env.out")
alpha=$(cat "$logs/alpha.out")
check_output() { # name expected command...
    name=$1 expected=$2
    shift 2
    got=$("$@" 2>"$logs/run.log")
    if [ "$got" = "$expected" ]; then pass "$name"; else echo "     got: $got"; fail "$name" "$logs/run.log"; fi
}
check_output "env: bin/python imports alpha and its dependency beta" "alpha+beta" \
    "$env/bin/python" -c 'import alpha; print(alpha.greet())'
check_output "env: bin/alpha (a package's program) runs" "alpha+beta" "$env/bin/alpha"
check_output "alpha: bin/alpha finds beta without an env" "alpha+beta" "$alpha/bin/alpha"
check_output "env: Debian's dist-packages are not visible (no yaml)" "no yaml" \
    "$env/bin/python" -c 'import importlib.util as u; print("yaml" if u.find_spec("yaml") else "no yaml")'
check_output "alpha: installed under lib/python3.11/site-packages" "yes" \
    sh -c "test -f '$alpha/lib/python3.11/site-packages/alpha/__init__.py' && echo yes"
check_output "alpha: propagated-build-inputs records beta" "yes" \
    sh -c "grep -q -- '-python3.11-beta-1.0.0' '$alpha/nix-support/propagated-build-inputs' && echo yes"

# --- builds that must fail, with the reason in the log -----------------------------------------
expect_build_failure() { # attr pattern
    if nb $args -A "buildFails.$1" >/dev/null 2>"$logs/$1.log"; then
        fail "fails to build: $1 (it built)"
    elif grep -q -- "$2" "$logs/$1.log"; then
        pass "fails to build: $1 ($2)"
    else
        fail "fails to build: $1 (no '$2' in the log)" "$logs/$1.log"
    fi
}
expect_build_failure runtimeDepsMissing "beta not installed"
expect_build_failure runtimeDepsVersion "beta>=2.0 not satisfied by version 1.0.0"
expect_build_failure importsCheck "No module named 'beta'"
expect_build_failure conflicts "Found duplicated packages in closure for dependency 'beta'"
expect_build_failure stubBackend "build input 'python3.11-pdm-backend' is a stub"
expect_build_failure wrongBackend "Backend 'hatchling.build' is not available"
expect_build_failure metadataVersion "the derivation says version 9.9.9, the built metadata says 1.0.0"
expect_build_failure python312 "the stand-in only has Debian's python 3.11"
expect_build_failure python312Package "the stand-in only has Debian's python 3.11"
expect_build_failure fetchWrongHash "hash mismatch"

# --- evaluation errors (guard rails) -----------------------------------------------------------
expect_eval_failure() { # attr pattern
    if nix-instantiate "$file" $args -A "evalFails.$1" >/dev/null 2>"$logs/$1.log"; then
        fail "fails to evaluate: $1 (it evaluated)"
    elif grep -q -- "$2" "$logs/$1.log"; then
        pass "fails to evaluate: $1 ($2)"
    else
        fail "fails to evaluate: $1 (no '$2' in the error)" "$logs/$1.log"
    fi
}
expect_eval_failure unknownArgument 'unknown argument `frobnicate`'
expect_eval_failure pyprojectAndFormat "assertion '((pyproject != null) -> (format == null))' failed"
expect_eval_failure noFormat 'python3.11-x-1.0 does not configure a `format`'
expect_eval_failure disabled "x-1.0 not supported for interpreter python3.11"
expect_eval_failure versionMismatch "Python version mismatch in 'python3.11-alpha-1.0.0'"
expect_eval_failure envOverlap "The following attributes are overlapping: preBuild"
expect_eval_failure fetchgit "not in the stand-in"

# --- the flake: evaluation for every system, with no inputs ------------------------------------
flake_expr="path:$here/nixpkgs#legacyPackages.aarch64-darwin.python3.pkgs.setuptools.drvPath"
if nix --extra-experimental-features "nix-command flakes" eval --raw "$flake_expr" >"$logs/flake.out" 2>"$logs/flake.log"; then
    pass "flake: legacyPackages.aarch64-darwin evaluates"
else
    fail "flake: legacyPackages.aarch64-darwin evaluates" "$logs/flake.log"
fi

if [ "$failures" -ne 0 ]; then
    echo "selfcheck: $failures check(s) failed"
    exit 1
fi
echo "selfcheck: all checks passed"
