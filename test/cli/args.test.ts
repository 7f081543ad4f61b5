import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { closest, editDistance } from "../../src/cli/args.js";
import { useColor } from "../../src/cli/common.js";
import { main } from "../../src/cli/main.js";
import { tempDir } from "../helpers.js";

const ROOT = join(import.meta.dirname, "..", "..");
const EXAMPLE = join(ROOT, "examples", "poetry-app");

async function run(argv: string[], tty = false, extraEnv: Record<string, string> = {}) {
  let stdout = "";
  let stderr = "";
  const env = process.env;
  const { NO_COLOR: _n, FORCE_COLOR: _f, ...rest } = env;
  process.env = { ...rest, XDG_CACHE_HOME: tempDir(), ...extraEnv };
  try {
    const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), stderrIsTty: tty, stdoutIsTty: false });
    return { code, stdout, stderr };
  } finally {
    process.env = env;
  }
}

describe("did you mean", () => {
  it("counts a swap of neighbours as one edit, and suggests only within two", () => {
    expect(editDistance("genreate", "generate")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(closest("--ofline", ["--output", "--offline"])).toBe("--offline");
    expect(closest("--xyzzy", ["--offline", "--output"])).toBeUndefined();
  });

  it("names a mistyped option's command, a missing value, and a mistyped help topic", async () => {
    expect((await run(["sbom", "--ofline"])).stderr).toBe("lock2nix: error: unknown option `--ofline` for `lock2nix sbom` (did you mean `--offline`?)\nRun `lock2nix help sbom` for usage.\n");
    expect(await run(["generate", "-o"])).toMatchObject({ code: 2, stderr: "lock2nix: error: --output needs a value (lock2nix generate)\nRun `lock2nix help generate` for usage.\n" });
    expect(await run(["help", "sbmo"])).toMatchObject({ code: 2, stderr: expect.stringContaining("help: unknown command `sbmo` (did you mean `sbom`?)") });
  });
});

describe("help <command>", () => {
  it("prints the command's own help, as --help does", async () => {
    for (const command of ["generate", "audit", "sbom"]) {
      const viaHelp = await run(["help", command]);
      expect(viaHelp.code).toBe(0);
      expect(viaHelp.stdout).toBe((await run([command, "--help"])).stdout);
      expect(viaHelp.stdout).toContain(`Usage: lock2nix ${command}`);
    }
  });
});

describe("- for standard output", () => {
  it("generate -o - prints the Nix, sbom -o - the SBOM, audit -o - the report; no file named -", async () => {
    const cwd = process.cwd();
    // In the example's folder, so the printed file's relative paths are the committed one's.
    process.chdir(EXAMPLE);
    try {
      const nix = await run(["generate", EXAMPLE, "-o", "-", "--offline", "--no-audit"]);
      expect(nix.code, nix.stderr).toBe(0);
      expect(nix.stdout).toBe(readFileSync(join(EXAMPLE, "lock.nix"), "utf8"));
      const bom = await run(["sbom", EXAMPLE, "-o", "-", "--offline", "-q"]);
      expect(bom.code).toBe(0);
      expect(JSON.parse(bom.stdout)).toMatchObject({ bomFormat: "CycloneDX" });
      const report = await run(["audit", EXAMPLE, "-o", "-", "--offline", "--output-format", "json", "-q"]);
      expect(JSON.parse(report.stdout)).toHaveProperty("findings");
      expect(report.stderr).toBe("");
      expect(readFileSync("/dev/null", "utf8")).toBe("");
      expect(() => readFileSync("-")).toThrow();
    } finally {
      process.chdir(cwd);
    }
  });
});

describe("-q and -v", () => {
  it("every command takes both", async () => {
    for (const command of ["generate", "audit", "sbom"]) {
      const { stdout } = await run([command, "--help"]);
      expect(stdout, command).toMatch(/-q, --quiet/);
      expect(stdout, command).toMatch(/-v, --verbose/);
    }
    const bom = await run(["sbom", EXAMPLE, "--offline", "-v"]);
    expect(bom.stderr).toMatch(/^lock2nix: sbom: \d+ components$/m);
  });
});

describe("audit's options", () => {
  it("--output-format names the report; --format json still works, with a deprecation warning; -q hides the skipped checks", async () => {
    const renamed = await run(["audit", EXAMPLE, "--offline", "--output-format", "json"]);
    expect(JSON.parse(renamed.stdout)).toHaveProperty("findings");
    expect(renamed.stderr).toContain("lock2nix: audit: skipped");
    const old = await run(["audit", EXAMPLE, "--offline", "--format", "json"]);
    expect(old.stdout).toBe(renamed.stdout);
    expect(old.stderr).toContain("lock2nix: warning: `--format json` is deprecated in audit: use `--output-format json`\n");
    expect((await run(["audit", EXAMPLE, "--offline", "--format", "poetry", "-q", "--output-format", "json"])).stderr).toBe("");
    expect(await run(["audit", EXAMPLE, "--output-format", "poetry"])).toMatchObject({ code: 2, stderr: expect.stringContaining("--output-format poetry: expected one of text, json, sarif") });
  });
});

describe("completion", () => {
  it.each(["bash", "zsh", "fish"])("%s completes the commands and each command's options", async (shell) => {
    const { code, stdout } = await run(["completion", shell]);
    expect(code).toBe(0);
    for (const word of ["generate", "audit", "sbom", "offline", "output-format", "prefer-wheels"]) expect(stdout).toContain(word);
  });

  it("writes a script bash accepts", async () => {
    const { stdout } = await run(["completion", "bash"]);
    const { spawnSync } = await import("node:child_process");
    const checked = spawnSync("bash", ["-n"], { input: stdout, encoding: "utf8" });
    expect(checked.status, checked.stderr).toBe(0);
    const used = spawnSync("bash", ["-c", `${stdout}\nCOMP_WORDS=(lock2nix generate --of); COMP_CWORD=2; _lock2nix; echo "\${COMPREPLY[@]}"`], { encoding: "utf8" });
    expect(used.stdout.trim()).toBe("--offline");
  });

  it("refuses an unknown shell, suggesting the near one", async () => {
    expect(await run(["completion", "bsh"])).toMatchObject({ code: 2, stderr: expect.stringContaining("completion bsh: expected one of bash, zsh, fish (did you mean `bash`?)") });
  });
});

describe("colour", () => {
  it("follows FORCE_COLOR, then NO_COLOR, then the terminal", () => {
    expect(useColor(true, {})).toBe(true);
    expect(useColor(false, {})).toBe(false);
    expect(useColor(true, { NO_COLOR: "1" })).toBe(false);
    expect(useColor(false, { FORCE_COLOR: "1" })).toBe(true);
    expect(useColor(true, { FORCE_COLOR: "0" })).toBe(false);
  });

  it("paints errors red on a terminal, and nothing otherwise", async () => {
    expect((await run(["frobnicate"], true)).stderr).toMatch(/^lock2nix: \x1b\[31merror:\x1b\[0m unknown command/);
    expect((await run(["frobnicate"], true, { NO_COLOR: "1" })).stderr).toMatch(/^lock2nix: error: unknown command/);
    expect((await run(["frobnicate"], false, { FORCE_COLOR: "1" })).stderr).toMatch(/^lock2nix: \x1b\[31merror:/);
  });
});
