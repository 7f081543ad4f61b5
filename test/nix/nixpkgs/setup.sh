# Stand-in for nixpkgs' pkgs/stdenv/generic/setup.sh plus default-builder.sh.
# nixpkgs runs bash with its own coreutils; this runs Debian's /bin/sh (dash) with Debian's tools,
# reached through the sandbox-paths option, so it is POSIX sh (no arrays: lists are space-separated).
set -e

# Simplification: nixpkgs' initial PATH is stdenv's own coreutils, findutils, gnused, ...
# Here it is Debian's /usr/bin, after the bin/ of every build input (added below).
export PATH=/usr/bin:/bin
export SOURCE_DATE_EPOCH=315532800 # as nixpkgs (1980-01-01: zip files cannot go earlier)
# nixpkgs' pkg-config looks in PKG_CONFIG_PATH only (the inputs'), never in /usr: so does Debian's here.
export PKG_CONFIG_LIBDIR=/var/empty

# runHook NAME: evaluate the string attribute NAME, then call each function in NAMEHooks
# (nixpkgs keeps NAMEHooks as a bash array; here a space-separated list of function names).
runHook() {
    eval "_rh_code=\${$1-}; _rh_fns=\${${1}Hooks-}"
    if [ -n "$_rh_code" ]; then eval "$_rh_code"; fi
    for _rh_f in $_rh_fns; do "$_rh_f"; done
}

# addToSearchPath VAR DIR: append DIR to the colon-separated VAR when DIR exists (as nixpkgs).
addToSearchPath() {
    [ -d "$2" ] || return 0
    eval "_as_v=\${$1-}"
    eval "export $1=\"\${_as_v:+\$_as_v:}\$2\""
}

# substituteInPlace FILE --replace-fail OLD NEW ... (nixpkgs' substitute, reduced to --replace-fail and
# --replace-warn): each OLD must occur, or the build fails, as nixpkgs' --replace-fail does.
substituteInPlace() {
    _si_file=$1
    shift
    /usr/bin/python3 -c '
import sys
path, args = sys.argv[1], sys.argv[2:]
text = open(path, encoding="utf-8", errors="surrogateescape").read()
while args:
    mode, old, new, args = args[0], args[1], args[2], args[3:]
    if mode not in ("--replace-fail", "--replace-warn"):
        sys.exit("substituteInPlace: unsupported option " + mode + " (the stand-in has --replace-fail and --replace-warn)")
    if old not in text:
        msg = "substituteInPlace: pattern %r doesn\x27t match anything in file %r" % (old, path)
        if mode == "--replace-fail":
            sys.exit("Error: " + msg)
        print("Warning: " + msg, file=sys.stderr)
    text = text.replace(old, new)
open(path, "w", encoding="utf-8", errors="surrogateescape").write(text)
' "$_si_file" "$@"
}

# stripHash PATH: the file name of a store path without its hash (as nixpkgs).
stripHash() {
    basename "$1" | sed 's/^[0-9a-df-np-sv-z]\{32\}-//'
}

# --- Build inputs --------------------------------------------------------------------------------
# The closure of the inputs through nix-support/propagated-build-inputs, as nixpkgs' findInputs.
# Simplification: no cross-compilation offsets, so native and host inputs are treated alike.
_closure=""
findInputs() {
    case " $_closure " in *" $1 "*) return 0 ;; esac
    _closure="$_closure $1"
    if [ -f "$1/nix-support/propagated-build-inputs" ]; then
        for _fi in $(cat "$1/nix-support/propagated-build-inputs"); do findInputs "$_fi"; done
    fi
}
for _i in ${nativeBuildInputs-} ${buildInputs-} ${propagatedNativeBuildInputs-} ${propagatedBuildInputs-}; do
    findInputs "$_i"
done

# Every input's bin/ goes on PATH, its setup hook is sourced, and env hooks (registered by setup
# hooks with `envHooks="$envHooks fn"`, nixpkgs' addEnvHooks) run on every input.
# Simplification: nixpkgs' pkg-config setup hook fills PKG_CONFIG_PATH only when pkg-config is a
# nativeBuildInput; here stdenv does it for every build input.
_addPkgConfigPath() {
    addToSearchPath PKG_CONFIG_PATH "$1/lib/pkgconfig"
    addToSearchPath PKG_CONFIG_PATH "$1/share/pkgconfig"
}
envHooks="_addPkgConfigPath"
_depPath=""
for _p in $_closure; do
    if [ -d "$_p/bin" ]; then _depPath="$_depPath$_p/bin:"; fi
    if [ -f "$_p/nix-support/lock2nix-stub" ]; then
        echo "lock2nix stand-in: build input '$(cat "$_p/nix-support/lock2nix-stub")' is a stub ($_p)"
    fi
    if [ -f "$_p/nix-support/setup-hook" ]; then . "$_p/nix-support/setup-hook"; fi
done
export PATH="$_depPath$PATH"
for _h in $envHooks; do
    for _p in $_closure; do "$_h" "$_p"; done
done

# --- Phases --------------------------------------------------------------------------------------
unpackPhase() {
    runHook preUnpack
    [ -n "${src-}" ] || { echo "unpackPhase: no src (set src, or dontUnpack = true)" >&2; exit 1; }
    _u="$NIX_BUILD_TOP/.unpack"
    mkdir "$_u"
    if [ -d "$src" ]; then
        cp -r --no-preserve=mode -- "$src" "$_u/$(stripHash "$src")"
    else
        case "$src" in
            *.tar | *.tar.gz | *.tgz | *.tar.bz2 | *.tbz2 | *.tar.xz | *.txz)
                tar -xf "$src" -C "$_u" --no-same-owner --mode=u+w --warning=no-timestamp ;;
            # as nixpkgs: .zip only with unzip among the inputs (its setup hook)
            *.zip) [ -n "${_lock2nixCanUnzip-}" ] || { echo "do not know how to unpack source archive $src" >&2; exit 1; }
                unzip -qo "$src" -d "$_u" ;;
            *) echo "do not know how to unpack source archive $src" >&2; exit 1 ;;
        esac
    fi
    chmod -R u+w "$_u"
    if [ -z "${sourceRoot-}" ]; then
        set -- "$_u"/*
        if [ $# -ne 1 ] || [ ! -d "$1" ]; then
            echo "unpackPhase: unpacker produced no directory or several; set sourceRoot" >&2; exit 1
        fi
        sourceRoot=$(basename "$1")
    fi
    mv "$_u"/* "$NIX_BUILD_TOP"/
    rmdir "$_u" 2>/dev/null || true
    runHook postUnpack
}

patchPhase() {
    runHook prePatch
    for _pt in ${patches-}; do
        echo "applying patch $_pt"
        case "$_pt" in
            *.gz) gzip -dc "$_pt" ;;
            *.xz) xz -dc "$_pt" ;;
            *) cat "$_pt" ;;
        esac | patch ${patchFlags:--p1}
    done
    runHook postPatch
}

# Simplification: no ./configure, make or cmake defaults; these phases only run their hooks.
configurePhase() { runHook preConfigure; runHook postConfigure; }
buildPhase() { runHook preBuild; runHook postBuild; }
checkPhase() { runHook preCheck; runHook postCheck; }
installPhase() { runHook preInstall; runHook postInstall; }
installCheckPhase() { runHook preInstallCheck; runHook postInstallCheck; }

# Simplification: no patchShebangs, strip or RPATH shrinking. Propagated inputs are recorded in
# $out (nixpkgs: in the dev output when there is one), native and host ones in the same file.
fixupPhase() {
    runHook preFixup
    _prop="${propagatedBuildInputs-} ${propagatedNativeBuildInputs-}"
    if [ -n "$(echo $_prop)" ]; then
        mkdir -p "$out/nix-support"
        echo $_prop >"$out/nix-support/propagated-build-inputs"
    fi
    if [ -n "${setupHook-}" ]; then
        mkdir -p "$out/nix-support"
        cp "$setupHook" "$out/nix-support/setup-hook"
    fi
    runHook postFixup
}

genericBuild() {
    if [ -n "${buildCommand-}" ]; then
        eval "$buildCommand"
        return 0
    fi
    if [ -z "${phases-}" ]; then
        phases="${prePhases-} unpackPhase patchPhase ${preConfigurePhases-} configurePhase
            ${preBuildPhases-} buildPhase checkPhase ${preInstallPhases-} installPhase
            ${preFixupPhases-} fixupPhase installCheckPhase ${preDistPhases-} ${postPhases-}"
    fi
    for curPhase in $phases; do
        case "$curPhase" in
            unpackPhase) [ -z "${dontUnpack-}" ] || continue ;;
            patchPhase) [ -z "${dontPatch-}" ] || continue ;;
            configurePhase) [ -z "${dontConfigure-}" ] || continue ;;
            buildPhase) [ -z "${dontBuild-}" ] || continue ;;
            checkPhase) [ -n "${doCheck-}" ] || continue ;;
            installPhase) [ -z "${dontInstall-}" ] || continue ;;
            fixupPhase) [ -z "${dontFixup-}" ] || continue ;;
            installCheckPhase) [ -n "${doInstallCheck-}" ] || continue ;;
        esac
        echo "Running phase: $curPhase"
        # As nixpkgs: a phase attribute (string) wins over the default function of that name.
        eval "_ph=\${$curPhase-}"
        if [ -n "$_ph" ]; then eval "$_ph"; else "$curPhase"; fi
        if [ "$curPhase" = unpackPhase ]; then cd "${sourceRoot:-.}"; fi
    done
}

# As nixpkgs: nix-shell sources $stdenv/setup for the inputs and hooks, and runs no phase.
if [ -z "${IN_NIX_SHELL-}" ]; then
    cd "$NIX_BUILD_TOP"
    genericBuild
fi
