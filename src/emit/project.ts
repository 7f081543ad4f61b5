/**
 * The project's part of the generated file (templates/project.nix): `app`
 * (its scripts, run with the locked environment), `devShell` and
 * `devShells.<group>` (the group's environment, the project's trees
 * imported from the working tree) and, opted into, `checks` (pytest in the
 * sandbox). The data comes from src/resolve/project.ts; the Nix logic is
 * the template's, so nothing from a pyproject.toml becomes code.
 */
import { basename, relative } from "node:path";
import { ENTRY_POINT } from "../inspect/local-tree.js";
import type { Resolution } from "../resolve/index.js";
import type { Project } from "../resolve/project.js";
import type { NixSystem } from "../resolve/target.js";
import { apply, attrs, list, raw, render, select, str, type NixExpr } from "./nix.js";

export interface ProjectEmitOptions {
  /** Folder the generated file lives in: the trees' paths are relative to it. */
  outputDir: string;
  /** The generated file's name: the dev shell finds the project's folder by it. */
  generatedFile: string;
  /** `withPackages` of per-system name lists (the emitter's, so markers per system are kept). */
  withPackages: (bySystem: Map<NixSystem, string[]>) => NixExpr;
}

/** What the project adds: `let` bindings and result attributes, each text starting with a newline. */
export interface ProjectText {
  bindings: string;
  outputs: string;
}

function entryPoints(scripts: Map<string, string>): NixExpr {
  return list(
    [...scripts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, target]) => {
      const m = ENTRY_POINT.exec(target) as RegExpExecArray;
      const call = m[2] as string;
      return attrs([
        ["name", str(name)],
        ["module", str(m[1] as string)],
        ["object", str(call.split(".")[0] as string)],
        ["call", str(call)],
      ]);
    }),
  );
}

/** `/rel/path` from the generated file's folder ("" for the folder itself). */
function fromOutputDir(dir: string, outputDir: string, sub = ""): string {
  const rel = relative(outputDir, dir).split("\\").join("/");
  return [rel, sub].filter((p) => p !== "").map((p) => `/${p}`).join("");
}

/** The program `nix run` starts: the script named like the project, else the first. */
function mainProgram(project: Project): string | undefined {
  const names = [...project.scripts.keys()].sort();
  return names.find((n) => n === project.root) ?? names[0];
}

export function projectText(project: Project, resolution: Resolution, template: string, options: ProjectEmitOptions): ProjectText {
  const name = project.root ?? "workspace";
  const editableNames = new Set(project.editable.map((t) => t.name));
  const editableScripts = new Map(project.editable.flatMap((t) => [...t.scripts]));
  const groups = [...resolution.groups.keys()].sort();
  const without = (bySystem: Map<NixSystem, string[]>, drop: ReadonlySet<string>, add: string[] = []) =>
    new Map([...bySystem].map(([system, names]) => [system, [...new Set([...names.filter((n) => !drop.has(n)), ...add])].sort()] as const));
  const data = attrs([
    ["name", str(name)],
    ["generatedFile", str(options.generatedFile)],
    ["scripts", entryPoints(project.scripts)],
    ["editableScripts", entryPoints(editableScripts)],
    ["editable", list(project.editable.map((t) => str(fromOutputDir(t.dir, options.outputDir, t.importRoot))))],
  ]);
  const devEnvs = attrs(groups.map((g) => [g, options.withPackages(without(resolution.groups.get(g) as Map<NixSystem, string[]>, editableNames))]));
  const appEnv = project.root !== undefined ? apply("withPackages", list([str(project.root)])) : raw("envs.main");
  const bindings = template
    .replace("@PROJECT_DATA@", () => render(data, 2))
    .replace("@DEV_ENVS@", () => render(devEnvs, 2))
    .replace("@APP_ENV@", () => render(appEnv, 2));

  const program = mainProgram(project);
  const appName = project.root !== undefined
    ? `"\${${render(select("packages", project.root))}.pname}-\${${render(select("packages", project.root))}.version}"`
    : render(str("workspace-app"));
  const app = program === undefined
    ? ["  # The project has no scripts: its package with the locked environment.", "  app = appEnv;"]
    : [
        "  # The project's own scripts, each running with the locked environment.",
        `  app = pkgs.runCommand ${appName} { meta.mainProgram = ${render(str(program))}; } ''`,
        '    mkdir -p "$out/bin"',
        "    ${lib.concatMapStrings (s: ''",
        '      test -x ${appEnv}/bin/${s.name} || { echo "lock2nix: the project installs no script ${s.name}" >&2; exit 1; }',
        '      ln -s ${appEnv}/bin/${s.name} "$out/bin/${s.name}"',
        "    '') project.scripts}",
        "  '';",
      ];
  const devGroup = groups.includes("dev") ? "dev" : "main";
  const checks = project.testGroup === undefined
    ? []
    : [
        `  # The project's tests (pytest, from the ${project.testGroup} group) run in the sandbox.`,
        `  checks = pkgs.runCommand "\${project.name}-checks" {`,
        `    nativeBuildInputs = [ (${render(options.withPackages(without(resolution.groups.get(project.testGroup) as Map<NixSystem, string[]>, new Set(), project.root !== undefined ? [project.root] : [])), 4)}) ];`,
        `    src = localSource project.name (./. + ${render(str(fromOutputDir(project.dir, options.outputDir) || "/"))});`,
        "  } ''",
        '    cp -r "$src" source',
        "    chmod -R u+w source",
        "    cd source",
        "    python -m pytest -p no:cacheprovider",
        '    touch "$out"',
        "  '';",
      ];
  const outputs = [
    "",
    ...app,
    `  devShells = lib.genAttrs [ ${groups.map((g) => render(str(g))).join(" ")} ] devShellFor;`,
    `  devShell = devShellFor ${render(str(devGroup))};`,
    ...checks,
  ].join("\n");
  return { bindings, outputs };
}

/** The generated file's name, for the dev shell and the source filter. */
export const generatedFileOf = (output: string | undefined): string => basename(output ?? "lock.nix");
