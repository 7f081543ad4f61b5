// Sdists (and one binary wheel) for each build backend the stand-in nixpkgs has for real, written
// at test time: an sdist is a tarball of sources with PKG-INFO, so each is packed here and only
// built later, by Nix, with the backend it names. The wheel is compiled here with g++ and tagged
// manylinux2014, so that it needs libstdc++ at run time.

import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { IndexFile } from "./index-formats.js";
import { buildEnv, PYTHON, run } from "./fixture-packages.js";

export interface BackendFixture {
  name: string;
  version: string;
  /** Import name; importing it prints nothing and must succeed after the build. */
  module: string;
  /** Files of the source tree, relative to its top folder; PKG-INFO is added. */
  files: Record<string, string>;
  archive: "tar.gz" | "zip" | "wheel";
}

const project = (name: string, version: string) => `[project]\nname = "${name}"\nversion = "${version}"\ndescription = "lock2nix backend fixture"\n`;
const init = (value: string) => `VALUE = ${JSON.stringify(value)}\n`;

export const BACKEND_FIXTURES: readonly BackendFixture[] = [
  {
    name: "flit-fx", version: "1.0.0", module: "flit_fx", archive: "tar.gz",
    files: {
      "pyproject.toml": `[build-system]\nrequires = ["flit_core>=3.2,<4"]\nbuild-backend = "flit_core.buildapi"\n\n${project("flit-fx", "1.0.0")}`,
      "flit_fx/__init__.py": `"""flit fixture."""\n${init("flit")}`,
    },
  },
  {
    name: "hatch-fx", version: "1.0.0", module: "hatch_fx", archive: "tar.gz",
    files: {
      "pyproject.toml": `[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n${project("hatch-fx", "1.0.0")}`,
      "hatch_fx/__init__.py": init("hatch"),
    },
  },
  {
    name: "poetry-fx", version: "1.0.0", module: "poetry_fx", archive: "tar.gz",
    files: {
      "pyproject.toml": `[build-system]\nrequires = ["poetry-core>=1.0.0"]\nbuild-backend = "poetry.core.masonry.api"\n\n[tool.poetry]\nname = "poetry-fx"\nversion = "1.0.0"\ndescription = "lock2nix backend fixture"\nauthors = ["lock2nix <lock2nix@example.invalid>"]\n\n[tool.poetry.dependencies]\npython = ">=3.8"\n`,
      "poetry_fx/__init__.py": init("poetry"),
    },
  },
  {
    // setuptools-scm reads the version from PKG-INFO: an sdist has no git history.
    name: "scm-fx", version: "1.0.0", module: "scm_fx", archive: "tar.gz",
    files: {
      "pyproject.toml": `[build-system]\nrequires = ["setuptools>=61", "setuptools-scm>=7"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "scm-fx"\ndynamic = ["version"]\n\n[tool.setuptools]\npackages = ["scm_fx"]\n\n[tool.setuptools_scm]\n`,
      "scm_fx/__init__.py": init("scm"),
    },
  },
  {
    name: "vcs-fx", version: "1.0.0", module: "vcs_fx", archive: "tar.gz",
    files: {
      "pyproject.toml": `[build-system]\nrequires = ["hatchling", "hatch-vcs"]\nbuild-backend = "hatchling.build"\n\n[project]\nname = "vcs-fx"\ndynamic = ["version"]\n\n[tool.hatch.version]\nsource = "vcs"\n`,
      "vcs_fx/__init__.py": init("vcs"),
    },
  },
  {
    // meson-python runs meson and ninja; the C extension needs a compiler and Python.h.
    name: "meson-fx", version: "1.0.0", module: "meson_fx", archive: "tar.gz",
    files: {
      "pyproject.toml": `[build-system]\nrequires = ["meson-python"]\nbuild-backend = "mesonpy"\n\n${project("meson-fx", "1.0.0")}`,
      "meson.build": "project('meson-fx', 'c', version: '1.0.0')\npy = import('python').find_installation()\npy.install_sources('meson_fx/__init__.py', subdir: 'meson_fx')\npy.extension_module('_answer', 'meson_fx/_answer.c', install: true, subdir: 'meson_fx')\n",
      "meson_fx/__init__.py": "from meson_fx._answer import answer\nVALUE = 'meson' if answer() == 42 else 'wrong'\n",
      "meson_fx/_answer.c": '#include <Python.h>\nstatic PyObject *answer(PyObject *s, PyObject *a) { return PyLong_FromLong(42); }\nstatic PyMethodDef m[] = {{"answer", answer, METH_NOARGS, ""}, {0}};\nstatic struct PyModuleDef d = {PyModuleDef_HEAD_INIT, "_answer", 0, -1, m};\nPyMODINIT_FUNC PyInit__answer(void) { return PyModule_Create(&d); }\n',
    },
  },
  {
    name: "cython-fx", version: "1.0.0", module: "cython_fx", archive: "tar.gz",
    files: {
      "pyproject.toml": `[build-system]\nrequires = ["setuptools>=61", "cython"]\nbuild-backend = "setuptools.build_meta"\n\n${project("cython-fx", "1.0.0")}\n[tool.setuptools]\npackages = ["cython_fx"]\n`,
      "setup.py": "from Cython.Build import cythonize\nfrom setuptools import setup\nsetup(ext_modules=cythonize('cython_fx/_square.pyx'))\n",
      "cython_fx/__init__.py": "from cython_fx._square import square\nVALUE = 'cython' if square(7) == 49 else 'wrong'\n",
      "cython_fx/_square.pyx": "def square(int x):\n    return x * x\n",
    },
  },
  {
    // A pin nixpkgs (and Debian) does not meet: lock2nix reads it from the sdist and skips pypa build's check.
    name: "pinned-fx", version: "1.0.0", module: "pinned_fx", archive: "tar.gz",
    files: {
      "pyproject.toml": `[build-system]\nrequires = ["hatchling==1.5.0"]\nbuild-backend = "hatchling.build"\n\n${project("pinned-fx", "1.0.0")}`,
      "pinned_fx/__init__.py": init("pinned"),
    },
  },
  {
    name: "zip-fx", version: "1.0.0", module: "zip_fx", archive: "zip",
    files: {
      "pyproject.toml": `[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n${project("zip-fx", "1.0.0")}\n[tool.setuptools]\npackages = ["zip_fx"]\n`,
      "zip_fx/__init__.py": init("zip"),
    },
  },
  {
    // A C extension against libxml2, found with pkg-config: only an override gives it both.
    name: "xml-fx", version: "1.0.0", module: "xml_fx", archive: "tar.gz",
    files: {
      "pyproject.toml": `[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n${project("xml-fx", "1.0.0")}\n[tool.setuptools]\npackages = ["xml_fx"]\n`,
      "setup.py": "import subprocess\nfrom setuptools import Extension, setup\nflags = subprocess.check_output(['pkg-config', '--cflags', '--libs', 'libxml-2.0'], text=True).split()\nsetup(ext_modules=[Extension('xml_fx._version', ['xml_fx/_version.c'], extra_compile_args=[f for f in flags if f.startswith('-I')], extra_link_args=[f for f in flags if not f.startswith('-I')])])\n",
      "xml_fx/__init__.py": "from xml_fx._version import version\nVALUE = 'xml ' + version()\n",
      "xml_fx/_version.c": '#include <Python.h>\n#include <libxml/xmlversion.h>\nstatic PyObject *version(PyObject *s, PyObject *a) { return PyUnicode_FromString(LIBXML_DOTTED_VERSION); }\nstatic PyMethodDef m[] = {{"version", version, METH_NOARGS, ""}, {0}};\nstatic struct PyModuleDef d = {PyModuleDef_HEAD_INIT, "_version", 0, -1, m};\nPyMODINIT_FUNC PyInit__version(void) { return PyModule_Create(&d); }\n',
    },
  },
  {
    // Loads libxml2 with ctypes from a path its sources leave to the packager, as psycopg 3 does libpq.
    name: "ctypes-fx", version: "1.0.0", module: "ctypes_fx", archive: "tar.gz",
    files: {
      "pyproject.toml": `[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n${project("ctypes-fx", "1.0.0")}\n[tool.setuptools]\npackages = ["ctypes_fx"]\n`,
      "ctypes_fx/__init__.py": "import ctypes\n_lib = ctypes.CDLL('@libxml2@')\n_lib.xmlCheckVersion(20000)\nVALUE = 'ctypes'\n",
    },
  },
  {
    name: "cxx-fx", version: "1.0.0", module: "cxx_fx", archive: "wheel",
    files: {
      "pyproject.toml": `[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n${project("cxx-fx", "1.0.0")}\n[tool.setuptools]\npackages = ["cxx_fx"]\n`,
      "setup.py": "from setuptools import Extension, setup\nsetup(ext_modules=[Extension('cxx_fx._greet', ['cxx_fx/_greet.cpp'], language='c++')])\n",
      "cxx_fx/__init__.py": "from cxx_fx._greet import greet\nVALUE = greet()\n",
      "cxx_fx/_greet.cpp": '#include <Python.h>\n#include <string>\nstatic PyObject *greet(PyObject *s, PyObject *a) { std::string r = std::string("c") + "xx"; return PyUnicode_FromString(r.c_str()); }\nstatic PyMethodDef m[] = {{"greet", greet, METH_NOARGS, ""}, {0}};\nstatic struct PyModuleDef d = {PyModuleDef_HEAD_INIT, "_greet", 0, -1, m};\nPyMODINIT_FUNC PyInit__greet(void) { return PyModule_Create(&d); }\n',
    },
  },
];

// Packs each source tree (given as JSON) as an sdist: tar.gz or zip, fixed times, sorted members.
const PACK_PY = `
import gzip, io, json, sys, tarfile, zipfile
spec = json.load(open(sys.argv[1]))
top = spec["dist"] + "-" + spec["version"]
files = dict(spec["files"])
files["PKG-INFO"] = "Metadata-Version: 2.1\\nName: %s\\nVersion: %s\\n" % (spec["name"], spec["version"])
out = sys.argv[2]
if spec["archive"] == "zip":
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(files):
            info = zipfile.ZipInfo(top + "/" + name, (1980, 1, 1, 0, 0, 0))
            z.writestr(info, files[name])
else:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name in sorted(files):
            data = files[name].encode()
            info = tarfile.TarInfo(top + "/" + name)
            info.size, info.mode, info.mtime = len(data), 0o644, 315532800
            t.addfile(info, io.BytesIO(data))
    with open(out, "wb") as f, gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0) as gz:
        gz.write(buf.getvalue())
`;

const distName = (name: string) => name.replace(/[-_.]+/g, "_").toLowerCase();

export interface BuiltFixture extends BackendFixture {
  filename: string;
  sha256: string;
}

/** Packs every fixture (and compiles the wheel) into `dir`; returns them with the index's files. */
export async function buildBackendFixtures(dir: string): Promise<{ fixtures: BuiltFixture[]; indexFiles: IndexFile[] }> {
  const fixtures: BuiltFixture[] = [];
  const indexFiles: IndexFile[] = [];
  for (const f of BACKEND_FIXTURES) {
    const work = join(dir, f.name);
    mkdirSync(work, { recursive: true });
    let path: string;
    if (f.archive === "wheel") {
      path = await compileWheel(f, work);
    } else {
      path = join(work, `${distName(f.name)}-${f.version}.${f.archive}`);
      const spec = join(work, "spec.json");
      writeFileSync(spec, JSON.stringify({ ...f, dist: distName(f.name) }));
      const packed = await run(PYTHON, ["-c", PACK_PY, spec, path], buildEnv());
      if (!packed.ok) throw new Error(`packing ${f.name} failed:\n${packed.log}`);
    }
    const content = readFileSync(path);
    const filename = path.slice(dirname(path).length + 1);
    fixtures.push({ ...f, filename, sha256: createHash("sha256").update(content).digest("hex") });
    indexFiles.push({ name: f.name, version: f.version, filename, content, requiresPython: ">=3.8" });
  }
  return { fixtures, indexFiles };
}

async function compileWheel(f: BackendFixture, work: string): Promise<string> {
  const src = join(work, "src");
  for (const [name, text] of Object.entries(f.files)) {
    mkdirSync(dirname(join(src, name)), { recursive: true });
    writeFileSync(join(src, name), text);
  }
  // bdist_wheel's plat_name tags the wheel as manylinux2014 (what PyPI's binary wheels carry).
  const arch = process.arch === "arm64" ? "aarch64" : "x86_64";
  writeFileSync(join(src, "setup.cfg"), `[bdist_wheel]\nplat_name = manylinux2014_${arch}\n`);
  const out = join(work, "dist");
  const built = await run(PYTHON, ["-m", "build", "--no-isolation", "--wheel", "--outdir", out, src], buildEnv());
  if (!built.ok) throw new Error(`building ${f.name} failed:\n${built.log}`);
  const result = readdirSync(out).find((n) => n.endsWith(`manylinux2014_${arch}.whl`));
  if (!result) throw new Error(`building ${f.name} wrote no manylinux2014 wheel: ${readdirSync(out).join(", ")}`);
  return join(out, result);
}
