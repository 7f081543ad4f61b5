import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { VERSION } from "../../src/version.js";
import { CORPUS, SHARED_SKIP_REASON, tempDir } from "../helpers.js";

const ROOT = join(import.meta.dirname, "..", "..");

/** Runs the CLI in-process, offline and with a cache of its own. */
async function run(...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const env = process.env;
  process.env = { ...env, XDG_CACHE_HOME: tempDir() };
  try {
    const args = argv[0] === "generate" && !argv.includes("--no-offline") ? [...argv, "--offline"] : argv.filter((a) => a !== "--no-offline");
    const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    return { code, stdout, stderr };
  } finally {
    process.env = env;
  }
}

describe("lock2nix CLI", () => {
  it("prints help and version with exit 0", async () => {
    expect(await run("--help")).toMatchObject({ code: 0, stdout: expect.stringContaining("generate  write Nix for a lockfile") });
    expect(await run("--version")).toEqual({ code: 0, stdout: `lock2nix ${VERSION}\n`, stderr: "" });
  });

  it("prints each command's own help", async () => {
    const result = await run("generate", "--help");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Usage: lock2nix generate [PATH] [options]");
    expect(result.stdout).toContain("--prefer-wheels");
  });

  it("is described in the README exactly as it prints its help", async () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(readme).toContain(`$ lock2nix --help\n${(await run("--help")).stdout}`);
    expect(readme).toContain(`$ lock2nix generate --help\n${(await run("generate", "--help")).stdout}`);
  });

  it("keeps the version in step with package.json", async () => {
    expect(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version).toBe(VERSION);
  });

  it.each([
    [["frobnicate"], "unknown command `frobnicate` (expected one of `generate`, `audit`, `sbom`)"],
    [["genrate"], "unknown command `genrate` (did you mean `generate`?)"],
    [[], "no command given (expected one of `generate`, `audit`, `sbom`)"],
    [["generate", "--bogus"], "unknown option `--bogus` for `lock2nix generate`\nRun `lock2nix help generate` for usage."],
    [["generate", "--ofline"], "unknown option `--ofline` for `lock2nix generate` (did you mean `--offline`?)"],
    [["generate", "--system", "riscv64-linux"], "--system riscv64-linux: expected one of x86_64-linux, aarch64-linux, x86_64-darwin, aarch64-darwin"],
    [["generate", "--python", "three"], "--python three: expected a CPython minor version such as 3.12"],
    [["generate", "--format", "npm"], "--format npm: expected one of poetry, uv, pdm, pylock, pipenv, requirements"],
  ])("exits 2 on wrong usage: %j", async (argv, message) => {
    const dir = join(ROOT, "examples", "poetry-app");
    const args = argv[0] === "generate" ? [...argv, dir] : argv;
    const result = await run(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe("");
  });

  it.skipIf(SHARED_SKIP_REASON)("writes the Nix file with -o and prints to stdout without it", async () => {
    const out = join(tempDir(), "lock.nix");
    const path = join(CORPUS, "poetry-p2n-legacy");
    // Without the project, whose tree is written relative to the file's folder, which differs here.
    expect(await run("generate", path, "-o", out, "--python", "3.11", "--no-project")).toMatchObject({ code: 0, stdout: "" });
    const toStdout = await run("generate", path, "--python", "3.11", "--no-project");
    expect(toStdout.code).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(toStdout.stdout);
    expect(toStdout.stdout).toContain('url = "https://files.pythonhosted.org/packages/source/u/urllib3/urllib3-1.26.2.tar.gz";');
  });

  it("exits 1 with the file named and leaves no output file on a failure", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "poetry.lock"), '[metadata]\nlock-version = "7.0"\n');
    const out = join(dir, "out.nix");
    const result = await run("generate", dir, "-o", out);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`lock2nix: error: ${join(dir, "poetry.lock")}: unsupported lock-version "7.0": lock2nix reads poetry.lock versions 1.1, 2.0 and 2.1 (and older files without one)\n`);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir)).toEqual(["poetry.lock"]);
  });

  it("keeps an existing output file intact when generation fails", async () => {
    const dir = tempDir();
    const out = join(dir, "out.nix");
    writeFileSync(out, "previous");
    expect((await run("generate", join(dir, "missing"), "-o", out)).code).toBe(1);
    expect(readFileSync(out, "utf8")).toBe("previous");
  });

  it("says what it looked for in a folder without a lockfile", async () => {
    const dir = tempDir();
    expect((await run("generate", dir)).stderr).toBe(`lock2nix: error: ${dir}: no lockfile found in this folder (looked for poetry.lock, uv.lock, pdm.lock, pylock.toml, Pipfile.lock, requirements.txt)\n`);
  });

  it.skipIf(SHARED_SKIP_REASON)("runs as the built `lock2nix` binary", async () => {
    execFileSync("npm", ["run", "--silent", "build"], { cwd: ROOT, stdio: "pipe" });
    const result = spawnSync(process.execPath, [join(ROOT, "bin", "lock2nix.js"), "generate", join(CORPUS, "poetry-p2n-legacy"), "--python", "3.11", "--offline"], {
      encoding: "utf8",
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("urllib3 = buildPythonPackage {");
    const bad = spawnSync(process.execPath, [join(ROOT, "bin", "lock2nix.js"), "nonsense"], { encoding: "utf8" });
    expect(bad.status).toBe(2);
  }, 60_000);
});
