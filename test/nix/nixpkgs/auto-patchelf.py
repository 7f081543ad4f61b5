"""Stand-in for nixpkgs' pkgs/build-support/setup-hooks/auto-patchelf.py, reduced: for every
dynamically linked ELF file under the given paths, find each DT_NEEDED library in the outputs, the
runtime dependencies and the inputs' lib/ folders, set the RUNPATH to the folders found, and fail on
a library found nowhere (nixpkgs: "auto-patchelf could not satisfy dependency ...")."""
import argparse, fnmatch, os, subprocess, sys

# glibc's libraries: nixpkgs finds them in the libc of stdenv's compiler.
GLIBC = {"libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1", "libutil.so.1",
         "libresolv.so.2", "libmvec.so.1", "libanl.so.1", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1"}


def elf_files(root):
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            with open(path, "rb") as handle:
                if handle.read(4) == b"\x7fELF":
                    yield path


def patchelf(*args):
    return subprocess.run(["patchelf", *args], check=True, capture_output=True, text=True).stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ignore-missing", default="")
    parser.add_argument("--paths", nargs="*", default=[])
    parser.add_argument("--libs", nargs="*", default=[])
    parser.add_argument("--runtime-dependencies", nargs="*", default=[])
    args = parser.parse_args()
    ignored = args.ignore_missing.split()
    files = [f for p in args.paths if os.path.isdir(p) for f in elf_files(p)]
    own = sorted({os.path.dirname(f) for f in files})
    search = own + args.runtime_dependencies + args.libs
    missing = False
    for path in files:
        try:
            needed = patchelf("--print-needed", path).split()
        except subprocess.CalledProcessError:
            continue  # static, or not an executable or shared object
        runpath = list(args.runtime_dependencies)
        print(f"searching for dependencies of {path}")
        for lib in needed:
            if lib in GLIBC:
                continue
            found = next((d for d in search if os.path.exists(os.path.join(d, lib))), None)
            if found:
                print(f"    {lib} -> found: {os.path.join(found, lib)}")
                if found not in runpath:
                    runpath.append(found)
            elif any(fnmatch.fnmatch(lib, pattern) for pattern in ignored):
                print(f"warn: auto-patchelf ignoring missing {lib} wanted by {path}")
            else:
                print(f"error: auto-patchelf could not satisfy dependency {lib} wanted by {path}", file=sys.stderr)
                missing = True
        if runpath:
            patchelf("--set-rpath", ":".join(runpath), path)
    if missing:
        print("auto-patchelf failed to find all the required dependencies.\n"
              "Add the missing dependencies to --libs or use `--ignore-missing=\"foo.so.1 bar.so etc.so\"`.", file=sys.stderr)
        sys.exit(1)


main()
