/**
 * The project itself in the generated file: its own package (when the lock
 * does not already hold it), `app` (its scripts, run with the locked
 * environment), `devShell`/`devShells.<group>` (the working tree on the
 * import path, read where the shell starts) and, opted into, `checks`
 * (pytest in the sandbox).
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { ParseError } from "../errors.js";
import { parseToml, type TomlTable } from "../formats/toml.js";
import { mapBuildRequires } from "../inspect/build-requires.js";
import { readLocalTree } from "../inspect/local-tree.js";
import { DEFAULT_GROUP, type Lock } from "../model.js";
import type { Resolution } from "../resolve/index.js";
import { apply, attrs, bool, list, raw, render, select, str, type NixExpr } from "./nix.js";

export interface ProjectOptions {
  /** Folder the generated file lives in. */
  outputDir: string;
  /** The generated file's name, kept out of the project's source. */
  outputName: string;
  /** Emit `checks` (pytest of the test group in the sandbox). */
  checks: boolean;
}

/** The root project as its pyproject.toml describes it. */
export interface ProjectTree {
  name: string;
  version: string;
  dir: string;
  buildRequires: string[];
  /** Script name -> `module:attr`, console and GUI alike. */
  scripts: Map<string, string>;
  /** Import root relative to `dir`: `src` for a src layout, else "". */
  importRoot: string;
}

const table = (v: unknown): TomlTable | undefined => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as TomlTable) : undefined);
// Names that reach a shell and a file name unquoted: checked, never escaped.
const SCRIPT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const ENTRY_POINT = /^([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*)\s*:\s*([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)$/;

const normalize = (name: string) => name.toLowerCase().replace(/[-_.]+/g, "-");

/** Reads the pyproject.toml beside the lock; undefined where none describes a package. */
export function readProjectTree(lock: Lock): ProjectTree | undefined {
  const dir = dirname(lock.file);
  const file = join(dir, "pyproject.toml");
  if (!existsSync(file)) return undefined;
  const doc = parseToml(readFileSync(file, "utf8"), file);
  const project = table(doc["project"]);
  const poetry = table(table(doc["tool"])?.["poetry"]);
  const rawName = project?.["name"] ?? poetry?.["name"];
  // uv's virtual roots and requirements folders with a tool-only pyproject.toml: no package.
  if (typeof rawName !== "string" || table(doc["build-system"]) === undefined) return undefined;
  const tree = readLocalTree(dir);
  // A version computed from git is not known here (issue 16, left to do): no project outputs rather than a guessed "0".
  if (tree.version === undefined) return undefined;
  const scripts = new Map<string, string>();
  for (const source of [table(project?.["scripts"]), table(project?.["gui-scripts"]), table(poetry?.["scripts"])]) {
    for (const [script, target] of Object.entries(source ?? {})) {
      // Poetry also allows `{ reference, type = "file" }`: not an entry point.
      if (typeof target !== "string") continue;
      if (!SCRIPT_NAME.test(script)) throw new ParseError(`script name ${JSON.stringify(script)}: not a plain file name`, { file });
      if (!ENTRY_POINT.test(target)) throw new ParseError(`script ${script}: ${JSON.stringify(target)} is not an entry point (module:attr)`, { file });
      scripts.set(script, target);
    }
  }
  const name = normalize(rawName);
  const importRoot = existsSync(join(dir, "src")) && !existsSync(join(dir, name.replace(/-/g, "_"))) ? "src" : "";
  return { name, version: tree.version, dir, buildRequires: tree.buildRequires ?? ["setuptools"], scripts, importRoot };
}

/** `python -c` text running an entry point as pip's console-script wrappers do. */
function runEntryPoint(target: string): string {
  const m = ENTRY_POINT.exec(target) as RegExpExecArray;
  const [mod, attr] = [m[1] as string, m[2] as string];
  const head = attr.split(".")[0] as string;
  return `import sys; from ${mod} import ${head}; sys.exit(${attr}())`;
}

function relPath(dir: string, outputDir: string): string {
  const rel = relative(outputDir, dir).split("\\").join("/");
  return rel === "" ? "" : `/${rel}`;
}

/** The package of the root project, for the package set (under its own name). */
export function projectPackage(tree: ProjectTree, lock: Lock, resolution: Resolution, outputDir: string): NixExpr {
  const mapped = mapBuildRequires(tree.buildRequires);
  const deps = [...new Set((lock.root.groups[DEFAULT_GROUP] ?? []).map((d) => d.name))].filter((n) => resolution.packages.has(n)).sort();
  return apply(
    "buildPythonPackage",
    attrs([
      ["pname", str(tree.name)],
      ["version", str(tree.version)],
      ["pyproject", bool(true)],
      ["src", apply("projectSource", str(tree.name), raw(`./. + ${render(str(relPath(tree.dir, outputDir) || "/"))}`))],
      ["build-system", list(mapped.attrs.map((a) => select("pythonPackages", a)))],
      ["dependencies", deps.length > 0 ? list(deps.map((n) => select("final", n))) : undefined],
    ]),
  );
}

function wrapperText(target: string, python: string): string {
  return `#!/bin/sh\nexec ${python} -c '${runEntryPoint(target)}' "$@"\n`;
}

/** The `let` bindings and the result attributes the project adds (each starting with a newline). */
export function projectNix(tree: ProjectTree, resolution: Resolution, options: ProjectOptions): { bindings: string; outputs: string } {
  const groups = [...resolution.groups.keys()].sort();
  const testGroup = ["test", "tests", "dev"].find((g) => groups.includes(g));
  const src = relPath(tree.dir, options.outputDir);
  const scripts = [...tree.scripts.keys()].sort();
  // The script text with the env's store path spliced in by Nix, not by lock2nix.
  const appScripts = scripts.map((s, i): [string, NixExpr] => {
    const [before, after] = wrapperText(tree.scripts.get(s) as string, "@PY@").split("@PY@") as [string, string];
    return [`script${i}`, raw(`${render(str(before))} + "\${appEnv}/bin/python" + ${render(str(after))}`)];
  });
  const install = scripts.map((s, i) => `printf '%s' "$script${i}" > "$out/bin/${s}"; chmod +x "$out/bin/${s}"`).join("\n");
  const importPath = `$LOCK2NIX_PROJECT_ROOT${src}${tree.importRoot ? `/${tree.importRoot}` : ""}`;
  const hook = [
    // Read when the shell starts, so no absolute path of this checkout enters the store.
    'export LOCK2NIX_PROJECT_ROOT="${LOCK2NIX_PROJECT_ROOT:-$PWD}"',
    `export PYTHONPATH="${importPath}\${PYTHONPATH:+:$PYTHONPATH}"`,
    'lock2nix_bin="$(mktemp -d)"',
    ...scripts.map((s) => `printf '%s' ${shellQuote(wrapperText(tree.scripts.get(s) as string, "python"))} > "$lock2nix_bin/${s}"; chmod +x "$lock2nix_bin/${s}"`),
    'export PATH="$lock2nix_bin:$PATH"',
  ].join("\n");
  const bindings = [
    "",
    "",
    "  # The project's tree without what is not source: VCS data, build results, caches, this file.",
    "  projectSource =",
    "    name: path:",
    "    builtins.path {",
    '      name = "${name}-source";',
    "      inherit path;",
    "      filter =",
    "        p: type:",
    "        let",
    "          b = baseNameOf p;",
    "        in",
    `        !(builtins.elem b [ ".git" ".venv" "__pycache__" ".pytest_cache" ".mypy_cache" ".ruff_cache" ".tox" ${render(str(options.outputName))} ] || lib.hasPrefix "result" b);`,
    "    };",
    "",
    `  appEnv = withPackages [ ${render(str(tree.name))} ];`,
    "",
    `  devShellFor = group: pkgs.mkShell { packages = [ envs.\${group} ]; shellHook = ${render(str(hook), 2)}; };`,
  ].join("\n");
  const app = scripts.length === 0
    ? "  app = appEnv;"
    : `  app = pkgs.runCommand ${render(str(`${tree.name}-${tree.version}`))} ${render(attrs(appScripts), 2)} ''\n    mkdir -p "$out/bin"\n${install.split("\n").map((l) => `    ${l}`).join("\n")}\n  '';`;
  const outputs = [
    "",
    app,
    `  devShells = lib.genAttrs [ ${groups.map((g) => render(str(g))).join(" ")} ] devShellFor;`,
    `  devShell = devShellFor ${render(str(groups.includes("dev") ? "dev" : DEFAULT_GROUP))};`,
    ...(options.checks
      ? testGroup
        ? [
            `  checks = pkgs.runCommand ${render(str(`${tree.name}-checks`))} { src = projectSource ${render(str(tree.name))} (./. + ${render(str(src || "/"))}); } ''`,
            '    cp -r "$src" tree; chmod -R u+w tree; cd tree',
            `    PYTHONPATH="$PWD${tree.importRoot ? `/${tree.importRoot}` : ""}" \${envs.${testGroup}}/bin/python -m pytest -p no:cacheprovider`,
            '    touch "$out"',
            "  '';",
          ]
        : [`  checks = throw ${render(str(`lock2nix: ${tree.name} has no test, tests or dev group to run pytest from`))};`]
      : []),
  ].join("\n");
  return { bindings, outputs };
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'"'"'`)}'`;
}

/** The generated file's name, for the source filter. */
export const outputNameOf = (output: string | undefined): string => basename(output ?? "lock.nix");
