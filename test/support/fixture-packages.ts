// Small real Python packages, built at test time with Debian's python3 and
// setuptools (`python -m build --no-isolation`), once per process, so the
// index server and the Nix builds get genuine sdists and wheels.

import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { IndexFile } from "./index-formats.js";

export const PYTHON = "/usr/bin/python3";
/** 1980-01-01, the earliest time a zip entry can carry. */
export const SOURCE_DATE_EPOCH = "315532800";
export const REQUIRES_PYTHON = ">=3.8";
export const NEEDS_NATIVE_MESSAGE =
  "needs-native: libxml-2.0.pc not found on PKG_CONFIG_PATH; add pkgs.libxml2 to buildInputs";

export interface FixtureDependency {
  name: string;
  /** PEP 440 specifier, e.g. ">=1"; absent means any version. */
  specifier?: string;
  extras?: string[];
  /** PEP 508 marker, double-quoted strings as Poetry writes them. */
  marker?: string;
}

export interface FixtureSpec {
  name: string;
  version: string;
  dependencies: FixtureDependency[];
  extras: Record<string, FixtureDependency[]>;
  /** Only an sdist is published: these must be built from source. */
  sdistOnly?: boolean;
}

export interface FixtureFile {
  name: string;
  version: string;
  filename: string;
  sha256: string;
  kind: "sdist" | "wheel";
  size: number;
  path: string;
}

export interface FixturePackage extends FixtureSpec {
  /** Import name, also the package folder. */
  module: string;
  description: string;
  requiresPython: string;
  files: FixtureFile[];
}

export interface FixtureSet {
  dir: string;
  packages: FixturePackage[];
  files: FixtureFile[];
  /** Ready for startIndexServer. */
  indexFiles: IndexFile[];
  get(name: string): FixturePackage;
}

export const FIXTURE_SPECS: readonly FixtureSpec[] = [
  {
    name: "alpha",
    version: "1.0.0",
    dependencies: [
      { name: "beta", specifier: ">=1" },
      { name: "gamma", extras: ["fast"] },
      // False on the Linux and macOS targets: epsilon is locked but never installed.
      { name: "epsilon", marker: 'sys_platform == "win32"' },
    ],
    extras: {},
  },
  { name: "beta", version: "1.2.0", dependencies: [], extras: {} },
  { name: "gamma", version: "0.3.0", dependencies: [], extras: { fast: [{ name: "delta" }] } },
  { name: "delta", version: "2.0.0", dependencies: [], extras: {} },
  { name: "epsilon", version: "0.1.0", dependencies: [], extras: {} },
  // PyPI has real cycles (e.g. sphinx and its contrib packages).
  { name: "cycle-a", version: "1.0.0", dependencies: [{ name: "cycle-b", specifier: ">=1.0" }], extras: {} },
  { name: "cycle-b", version: "1.0.0", dependencies: [{ name: "cycle-a", specifier: ">=1.0" }], extras: {} },
  { name: "needs-native", version: "0.5.0", dependencies: [], extras: {}, sdistOnly: true },
  { name: "phones-home", version: "0.1.0", dependencies: [], extras: {}, sdistOnly: true },
];

/** The name as it appears in current dist file names: PEP 503-normalized, `_` for `-`. */
export function distName(name: string): string {
  return name.replace(/[-_.]+/g, "_").toLowerCase();
}

/** PEP 508 requirement line, as written into setup.cfg. */
export function requirementString(dep: FixtureDependency): string {
  const extras = dep.extras?.length ? `[${dep.extras.join(",")}]` : "";
  return `${dep.name}${extras}${dep.specifier ?? ""}${dep.marker ? `; ${dep.marker}` : ""}`;
}

const PYPROJECT = `[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"
`;

function setupCfg(spec: FixtureSpec, module: string): string {
  const lines = [
    "[metadata]",
    `name = ${spec.name}`,
    `version = ${spec.version}`,
    `description = lock2nix test fixture ${spec.name}`,
    "license = MIT",
    "",
    "[options]",
    `packages = ${module}`,
    `python_requires = ${REQUIRES_PYTHON}`,
  ];
  if (spec.dependencies.length) lines.push("install_requires =", ...spec.dependencies.map((d) => `    ${requirementString(d)}`));
  const extras = Object.entries(spec.extras);
  if (extras.length) {
    lines.push("", "[options.extras_require]");
    for (const [extra, deps] of extras) lines.push(`${extra} =`, ...deps.map((d) => `    ${requirementString(d)}`));
  }
  return `${lines.join("\n")}\n`;
}

const PLAIN_SETUP_PY = `from setuptools import setup

setup()
`;

// The check sits in build_py so the sdist still builds (sdist does not run it);
// it stands in for a C extension that needs libxml2 through pkg-config.
const NEEDS_NATIVE_SETUP_PY = `import os
import sys

from setuptools import setup
from setuptools.command.build_py import build_py

MESSAGE = ${JSON.stringify(NEEDS_NATIVE_MESSAGE)}


def find_pc():
    for folder in os.environ.get("PKG_CONFIG_PATH", "").split(os.pathsep):
        candidate = os.path.join(folder, "libxml-2.0.pc")
        if folder and os.path.isfile(candidate):
            return candidate
    return None


class checked_build_py(build_py):
    def run(self):
        pc = find_pc()
        if pc is None:
            sys.exit(MESSAGE)
        print("needs-native: using " + pc, flush=True)
        super().run()


setup(cmdclass={"build_py": checked_build_py})
`;

// Reaches for the network while building, as some real packages do; the
// sandbox must make this fail. Proxies are ignored on purpose: the question is
// whether this process itself can reach the host.
function phonesHomeSetupPy(url: string): string {
  return `import os
import urllib.request

from setuptools import setup
from setuptools.command.build_py import build_py

URL = ${JSON.stringify(url)}


class fetching_build_py(build_py):
    def run(self):
        print("phones-home: fetching " + URL, flush=True)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(URL, timeout=10) as response:
                body = response.read()
        except Exception as error:
            print("phones-home: could not fetch " + URL + ": " + repr(error), flush=True)
            raise
        super().run()
        with open(os.path.join(self.build_lib, "phones_home", "fetched.txt"), "wb") as out:
            out.write(body)


setup(cmdclass={"build_py": fetching_build_py})
`;
}

// setuptools 66 (Debian) names the sdist and its top folder \`cycle-a-1.0.0\`;
// setuptools >= 69.3 (PEP 625) writes \`cycle_a-1.0.0\`, as PyPI now requires.
// So the sdist is repacked under the current name, with fixed mtimes, owners
// and gzip header, making its hash stable. Wheels are already named right and
// reproducible under SOURCE_DATE_EPOCH. Also saves each file's core metadata.
const REPACK_PY = `
import gzip, io, os, shutil, sys, tarfile, zipfile
raw, out, dist, version, epoch = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
top = dist + "-" + version
for fn in sorted(os.listdir(raw)):
    src = os.path.join(raw, fn)
    if fn.endswith(".tar.gz"):
        target, meta, buf = top + ".tar.gz", None, io.BytesIO()
        with tarfile.open(src, "r:gz") as tin, tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tout:
            for m in sorted(tin.getmembers(), key=lambda m: m.name):
                data = tin.extractfile(m).read() if m.isfile() else None
                rest = m.name.split("/", 1)[1] if "/" in m.name else ""
                m.name = top + "/" + rest if rest else top
                m.mtime, m.uid, m.gid, m.uname, m.gname, m.pax_headers = epoch, 0, 0, "", "", {}
                m.mode = 0o755 if m.isdir() else 0o644
                tout.addfile(m, io.BytesIO(data) if data is not None else None)
                if rest == "PKG-INFO":
                    meta = data
        with open(os.path.join(out, target), "wb") as f, gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0) as gz:
            gz.write(buf.getvalue())
    elif fn.endswith(".whl"):
        target = fn
        shutil.copyfile(src, os.path.join(out, fn))
        with zipfile.ZipFile(src) as z:
            meta = z.read(next(n for n in z.namelist() if n.endswith(".dist-info/METADATA")))
    else:
        continue
    with open(os.path.join(out, target + ".core-metadata"), "wb") as f:
        f.write(meta)
`;

export interface RunResult {
  ok: boolean;
  code: number | null;
  /** stdout and stderr, interleaved as far as pipes allow. */
  log: string;
}

export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { env, cwd, timeout: 180_000, maxBuffer: 64 << 20 }, (err) => {
      resolve({ ok: !err, code: child.exitCode, log });
    });
    let log = "";
    child.stdout?.on("data", (d: Buffer) => (log += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (log += d.toString()));
  });
}

/** A clean environment: nothing from the caller leaks into the builds. */
export function buildEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: "/usr/bin:/bin",
    HOME: tmpdir(),
    LC_ALL: "C.UTF-8",
    SOURCE_DATE_EPOCH,
    PYTHONDONTWRITEBYTECODE: "1",
    PYTHONNOUSERSITE: "1",
    ...extra,
  };
}

let root: string | undefined;
function workDir(): string {
  if (!root) {
    root = mkdtempSync(join(tmpdir(), "lock2nix-fixtures-"));
    const dir = root;
    // Plain node runs; vitest kills its workers, hence removeFixtures().
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  }
  return root;
}

/** Deletes this process's fixture folder (call from afterAll); a later build starts afresh. */
export function removeFixtures(): void {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
  base = undefined;
  phonesHome.clear();
}

function writeSources(dir: string, spec: FixtureSpec, setupPy: string): string {
  const module = distName(spec.name);
  mkdirSync(join(dir, module), { recursive: true });
  writeFileSync(join(dir, "pyproject.toml"), PYPROJECT);
  writeFileSync(join(dir, "setup.cfg"), setupCfg(spec, module));
  writeFileSync(join(dir, "setup.py"), setupPy);
  writeFileSync(
    join(dir, module, "__init__.py"),
    `"""lock2nix test fixture ${spec.name}."""\n\nNAME = ${JSON.stringify(spec.name)}\nVERSION = ${JSON.stringify(spec.version)}\n`,
  );
  return module;
}

interface Built {
  pkg: FixturePackage;
  indexFiles: IndexFile[];
}

async function buildOne(spec: FixtureSpec, setupPy: string, dir: string): Promise<Built> {
  rmSync(dir, { recursive: true, force: true });
  const src = join(dir, "src");
  const raw = join(dir, "raw");
  const out = join(dir, "dist");
  mkdirSync(out, { recursive: true });
  const module = writeSources(src, spec, setupPy);
  const args = ["-m", "build", "--no-isolation", "--outdir", raw, ...(spec.sdistOnly ? ["--sdist"] : []), src];
  const built = await run(PYTHON, args, buildEnv());
  if (!built.ok) throw new Error(`building fixture ${spec.name} failed:\n${built.log}`);
  const repack = await run(PYTHON, ["-c", REPACK_PY, raw, out, distName(spec.name), spec.version, SOURCE_DATE_EPOCH], buildEnv());
  if (!repack.ok) throw new Error(`repacking fixture ${spec.name} failed:\n${repack.log}`);

  const files: FixtureFile[] = [];
  const indexFiles: IndexFile[] = [];
  for (const filename of readdirSync(out).filter((f) => !f.endsWith(".core-metadata")).sort()) {
    const path = join(out, filename);
    const content = readFileSync(path);
    const kind = filename.endsWith(".whl") ? "wheel" : "sdist";
    files.push({
      name: spec.name,
      version: spec.version,
      filename,
      sha256: createHash("sha256").update(content).digest("hex"),
      kind,
      size: content.length,
      path,
    });
    indexFiles.push({
      name: spec.name,
      version: spec.version,
      filename,
      content,
      requiresPython: REQUIRES_PYTHON,
      metadata: readFileSync(`${path}.core-metadata`),
    });
  }
  const pkg: FixturePackage = {
    ...spec,
    module,
    description: `lock2nix test fixture ${spec.name}`,
    requiresPython: REQUIRES_PYTHON,
    files,
  };
  return { pkg, indexFiles };
}

function specOf(name: string): FixtureSpec {
  const spec = FIXTURE_SPECS.find((s) => s.name === name);
  if (!spec) throw new Error(`no fixture ${name}`);
  return spec;
}

let base: Promise<Built[]> | undefined;
const phonesHome = new Map<string, Promise<Built>>();

export interface FixtureOptions {
  /** Where phones-home's build reaches out to; default 127.0.0.1:9 (discard, closed). */
  phonesHomeHost?: string;
  phonesHomePort?: number;
}

/** Builds (once per process; phones-home once per address) and returns all fixtures. */
export async function buildFixturePackages(options: FixtureOptions = {}): Promise<FixtureSet> {
  const dir = workDir();
  base ??= Promise.all(
    FIXTURE_SPECS.filter((s) => s.name !== "phones-home").map((spec) =>
      buildOne(spec, spec.name === "needs-native" ? NEEDS_NATIVE_SETUP_PY : PLAIN_SETUP_PY, join(dir, spec.name)),
    ),
  );
  const host = options.phonesHomeHost ?? "127.0.0.1";
  const port = options.phonesHomePort ?? 9;
  const url = `http://${host}:${port}/simple/`;
  let home = phonesHome.get(url);
  if (!home) {
    home = buildOne(specOf("phones-home"), phonesHomeSetupPy(url), join(dir, `phones-home-${host}-${port}`));
    phonesHome.set(url, home);
  }
  const built = [...(await base), await home];
  const packages = built.map((b) => b.pkg);
  return {
    dir,
    packages,
    files: packages.flatMap((p) => p.files),
    indexFiles: built.flatMap((b) => b.indexFiles),
    get(name) {
      const found = packages.find((p) => p.name === name);
      if (!found) throw new Error(`no fixture ${name}`);
      return found;
    },
  };
}

/**
 * Builds a wheel from an sdist the way a Nix builder would (unpack, then
 * `python -m build --wheel --no-isolation`), with `env` added to a clean
 * environment. For checking fixtures' build-time behaviour outside Nix.
 */
export async function buildWheelFromSdist(
  sdist: string,
  env: Record<string, string> = {},
): Promise<RunResult & { wheel?: string }> {
  const work = mkdtempSync(join(workDir(), "wheel-"));
  const unpack = `import sys, tarfile\ntarfile.open(sys.argv[1]).extractall(sys.argv[2])`;
  const unpacked = await run(PYTHON, ["-c", unpack, sdist, join(work, "src")], buildEnv());
  if (!unpacked.ok) return unpacked;
  const [top] = readdirSync(join(work, "src"));
  const out = join(work, "dist");
  const result = await run(PYTHON, ["-m", "build", "--no-isolation", "--wheel", "--outdir", out, join(work, "src", top!)], buildEnv(env));
  const wheel = result.ok ? readdirSync(out).find((f) => f.endsWith(".whl")) : undefined;
  return { ...result, wheel: wheel && join(out, wheel) };
}
