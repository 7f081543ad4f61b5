// Projects with console scripts, laid out as each tool writes them: a Poetry project with a path
// dependency, a uv workspace (a root package and two members) and a PDM project. Only local trees,
// so the e2e tests build them with the stand-in's real backends and no index.

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

function write(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

const FLIT = '[build-system]\nrequires = ["flit_core>=3.2,<4"]\nbuild-backend = "flit_core.buildapi"\n';
const HATCH = '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n';
const POETRY = '[build-system]\nrequires = ["poetry-core>=1.0.0"]\nbuild-backend = "poetry.core.masonry.api"\n';
const SETUPTOOLS = '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n';

/**
 * A Poetry project `hello-poetry` 1.2.0 (script `hello-poetry`) with the path dependency `greet`
 * (develop = true) and a dev group holding pytest; its tests pass unless `failingTest`.
 */
export function poetryProject(dir: string, options: { failingTest?: boolean } = {}): void {
  write(dir, {
    // [tool.poetry] rather than [project]: the stand-in's poetry-core is Debian's 1.x.
    "pyproject.toml": `[tool.poetry]\nname = "hello-poetry"\nversion = "1.2.0"\ndescription = "hello"\nauthors = ["lock2nix <lock2nix@example.invalid>"]\n\n[tool.poetry.scripts]\nhello-poetry = "hello_poetry.cli:main"\n\n[tool.poetry.dependencies]\npython = ">=3.8"\ngreet = { path = "libs/greet", develop = true }\n\n[tool.poetry.group.dev.dependencies]\npytest = "^8"\n\n${POETRY}`,
    "hello_poetry/__init__.py": "",
    "hello_poetry/cli.py": "from greet import greeting\n\n\ndef main():\n    print(greeting('poetry'))\n",
    "tests/test_cli.py": `from greet import greeting\n\n\ndef test_greeting():\n    assert greeting("x") == ${options.failingTest ? '"nope"' : '"hello x"'}\n`,
    "libs/greet/pyproject.toml": `${FLIT}\n[project]\nname = "greet"\nversion = "0.3.0"\ndescription = "greets"\n`,
    "libs/greet/greet/__init__.py": '"""Greets."""\n\n\ndef greeting(who):\n    return "hello " + who\n',
    "poetry.lock": [
      '[[package]]\nname = "greet"\nversion = "0.3.0"\ndescription = "greets"\noptional = false\npython-versions = "*"\ngroups = ["main"]\nfiles = []\ndevelop = true\n\n[package.source]\ntype = "directory"\nurl = "libs/greet"\n',
      // Replaced in the e2e tests by the stand-in's pytest (Debian's), so its file is never fetched.
      `[[package]]\nname = "pytest"\nversion = "8.3.4"\ndescription = "pytest"\noptional = false\npython-versions = ">=3.8"\ngroups = ["dev"]\nfiles = [\n    {file = "pytest-8.3.4-py3-none-any.whl", hash = "sha256:${"5".repeat(64)}"},\n]\n`,
      '[metadata]\nlock-version = "2.1"\npython-versions = ">=3.8"\ncontent-hash = "0"\n',
    ].join("\n"),
  });
}

/** A uv workspace: the root package `ws-app` 0.1.0 (script `ws-app`) depending on its members lib-one (src layout) and lib-two. */
export function uvWorkspace(dir: string): void {
  write(dir, {
    "pyproject.toml": `[project]\nname = "ws-app"\nversion = "0.1.0"\nrequires-python = ">=3.8"\ndependencies = ["lib-one", "lib-two"]\n\n[project.scripts]\nws-app = "ws_app:main"\n\n[tool.uv.workspace]\nmembers = ["packages/*"]\n\n[tool.uv.sources]\nlib-one = { workspace = true }\nlib-two = { workspace = true }\n\n${HATCH}`,
    "ws_app/__init__.py": "from lib_one import one\nfrom lib_two import two\n\n\ndef main():\n    print('ws-app', one(), two())\n",
    "packages/lib-one/pyproject.toml": `${HATCH}\n[project]\nname = "lib-one"\nversion = "0.1.0"\n`,
    "packages/lib-one/src/lib_one/__init__.py": "def one():\n    return 1\n",
    "packages/lib-two/pyproject.toml": `${FLIT}\n[project]\nname = "lib-two"\nversion = "0.2.0"\ndescription = "two"\n`,
    "packages/lib-two/lib_two/__init__.py": '"""Two."""\n\n\ndef two():\n    return 2\n',
    "uv.lock": 'version = 1\nrevision = 3\nrequires-python = ">=3.8"\n\n[manifest]\nmembers = ["lib-one", "lib-two", "ws-app"]\n\n[[package]]\nname = "lib-one"\nversion = "0.1.0"\nsource = { editable = "packages/lib-one" }\n\n[[package]]\nname = "lib-two"\nversion = "0.2.0"\nsource = { editable = "packages/lib-two" }\n\n[[package]]\nname = "ws-app"\nversion = "0.1.0"\nsource = { editable = "." }\ndependencies = [\n    { name = "lib-one" },\n    { name = "lib-two" },\n]\n',
  });
}

/** A PDM project `hello-pdm` 0.5.0 (src layout, setuptools; script `hello-pdm`) with no dependencies. */
export function pdmProject(dir: string): void {
  write(dir, {
    "pyproject.toml": `[project]\nname = "hello-pdm"\nversion = "0.5.0"\nrequires-python = ">=3.8"\ndependencies = []\n\n[project.scripts]\nhello-pdm = "hello_pdm:main"\n\n${SETUPTOOLS}`,
    "src/hello_pdm/__init__.py": "def main():\n    print('hello from pdm')\n",
    "pdm.lock": '# This file is @generated by PDM.\n\n[metadata]\ngroups = ["default"]\nstrategy = ["inherit_metadata"]\nlock_version = "4.5.0"\ncontent_hash = "sha256:0000000000000000000000000000000000000000000000000000000000000000"\n\n[[metadata.targets]]\nrequires_python = ">=3.8"\n',
  });
}
