import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generate } from "../../src/generate.js";
import { pdmProject, poetryProject, uvWorkspace } from "../support/project-fixtures.js";
import { NIX_SKIP_REASON, tempDir } from "../helpers.js";
import { NATIVE_SYSTEM, nixBuild, STAND_IN } from "./nix-build.js";

/**
 * The project itself, built in the sandbox with the stand-in's real backends: `app` holds the
 * project's scripts and they run; the dev shell imports the project from the working tree (an
 * edit shows without a rebuild); `checks` runs pytest and fails when a test fails.
 */

// The lock's pytest is a wheel the loopback machine cannot fetch: the stand-in's (Debian's) stands in.
const PYTEST = `final: prev: { pytest = (import ${STAND_IN} { }).python311.pkgs.pytest; }`;

async function generateProject(dir: string, options: { checks?: boolean } = {}): Promise<string> {
  const output = join(dir, "lock.nix");
  const { nix } = await generate({ path: dir, output, python: "3.11", systems: [NATIVE_SYSTEM], cacheDir: tempDir(), offline: true, ...options });
  writeFileSync(output, nix);
  return output;
}

function run(cmd: string, args: string[], cwd: string): Promise<{ ok: boolean; output: string }> {
  const child = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NIX_BUILD_SHELL: "/bin/bash" } });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ ok: code === 0, output })));
}

/** `nix-shell FILE -A ATTR --run SCRIPT` with the stand-in, in the sandbox, from `cwd`. */
function nixShell(file: string, attr: string, script: string, cwd: string, overrides?: string) {
  const args = [file, "-A", attr, "--arg", "pkgs", `import ${STAND_IN} { }`, "--option", "sandbox", "true", "--option", "sandbox-paths", "/bin /usr /lib /lib64 /etc/alternatives", "--option", "substituters", "", "--run", script];
  if (overrides) args.push("--arg", "overrides", overrides);
  return run("nix-shell", args, cwd);
}

describe.skipIf(NIX_SKIP_REASON)("the project itself, built with the stand-in nixpkgs", () => {
  const cases = [
    { tool: "poetry", make: poetryProject, script: "hello-poetry", prints: "hello poetry", overrides: PYTEST },
    { tool: "uv (a workspace: the root and two members)", make: uvWorkspace, script: "ws-app", prints: "ws-app 1 2" },
    { tool: "pdm", make: pdmProject, script: "hello-pdm", prints: "hello from pdm" },
  ];
  for (const c of cases) {
    it(`${c.tool}: -A app holds the project's script only, and it runs with the locked environment`, async () => {
      const dir = tempDir("lock2nix-e2e-project-");
      c.make(dir);
      const file = await generateProject(dir);
      const built = await nixBuild(file, "app", { outLink: join(dir, "result"), ...(c.overrides ? { overrides: c.overrides } : {}) });
      expect(built.ok, built.log).toBe(true);
      const ran = await run(join(dir, "result", "bin", c.script), [], tempDir());
      expect(ran.output.trim()).toBe(c.prints);
      expect(ran.ok).toBe(true);
      const bin = await run("ls", [join(dir, "result", "bin")], dir);
      expect(bin.output.trim().split("\n")).toEqual([c.script]);
    }, 300_000);
  }

  it("poetry: the dev shell imports the project and its path dependency from the working tree", async () => {
    const dir = tempDir("lock2nix-e2e-devshell-");
    poetryProject(dir);
    const file = await generateProject(dir);
    // No path of this checkout in the generated file: the shell finds it where it starts.
    expect(readFileSync(file, "utf8")).not.toContain(dir);
    const shell = await nixShell(
      file,
      "devShell",
      "hello-poetry && sed -i s/hello/howdy/ ../libs/greet/greet/__init__.py && hello-poetry && python -c 'import hello_poetry, pytest; print(hello_poetry.__file__)'",
      join(dir, "hello_poetry"),
      PYTEST,
    );
    expect(shell.ok, shell.output).toBe(true);
    const lines = shell.output.trim().split("\n").slice(-3);
    expect(lines).toEqual(["hello poetry", "howdy poetry", join(dir, "hello_poetry", "__init__.py")]);
  }, 300_000);

  it("uv: the dev shell of the workspace puts each member's tree (src layout too) on the import path", async () => {
    const dir = tempDir("lock2nix-e2e-devshell-uv-");
    uvWorkspace(dir);
    const file = await generateProject(dir);
    const shell = await nixShell(file, "devShells.main", "sed -i 's/return 1/return 11/' packages/lib-one/src/lib_one/__init__.py && ws-app", dir);
    expect(shell.ok, shell.output).toBe(true);
    expect(shell.output.trim().split("\n").at(-1)).toBe("ws-app 11 2");
  }, 300_000);

  it("pdm: the dev shell imports the src layout from the working tree", async () => {
    const dir = tempDir("lock2nix-e2e-devshell-pdm-");
    pdmProject(dir);
    const file = await generateProject(dir);
    const shell = await nixShell(file, "devShell", "hello-pdm && sed -i 's/hello from pdm/edited in place/' src/hello_pdm/__init__.py && hello-pdm", dir);
    expect(shell.ok, shell.output).toBe(true);
    expect(shell.output.trim().split("\n").slice(-2)).toEqual(["hello from pdm", "edited in place"]);
  }, 300_000);

  it("poetry: checks runs the tests in the sandbox, and fails when one fails", async () => {
    const passing = tempDir("lock2nix-e2e-checks-");
    poetryProject(passing);
    const ok = await nixBuild(await generateProject(passing, { checks: true }), "checks", { outLink: join(passing, "result"), overrides: PYTEST });
    expect(ok.ok, ok.log).toBe(true);

    const failing = tempDir("lock2nix-e2e-checks-");
    poetryProject(failing, { failingTest: true });
    const bad = await nixBuild(await generateProject(failing, { checks: true }), "checks", { outLink: join(failing, "result"), overrides: PYTEST });
    expect(bad.ok).toBe(false);
    expect(bad.log).toContain("1 failed");
  }, 300_000);
});
