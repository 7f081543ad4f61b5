import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generate } from "../../src/generate.js";
import { runJobs } from "../../src/config/run.js";
import { tempDir } from "../helpers.js";

const HASH = "a".repeat(64);
const wheel = (tag: string, platform: string) => `    {file = "oldwheels-1.0-${tag}-${tag}-${platform}.whl", hash = "sha256:${HASH}"},`;

/** A poetry lock whose one package, like torch 2.1, has wheels for older CPythons only and no sdist. */
function lockDir(platformsFor312: string[]): string {
  const dir = tempDir();
  const all = ["manylinux_2_28_x86_64", "manylinux_2_28_aarch64", "macosx_10_9_x86_64", "macosx_11_0_arm64"];
  const files = [...all.map((p) => wheel("cp311", p)), ...platformsFor312.map((p) => wheel("cp312", p))];
  writeFileSync(
    join(dir, "poetry.lock"),
    `[[package]]\nname = "oldwheels"\nversion = "1.0"\ndescription = ""\noptional = false\npython-versions = ">=3.9"\nfiles = [\n${files.join("\n")}\n]\n\n[metadata]\nlock-version = "2.0"\npython-versions = ">=3.9"\ncontent-hash = "0"\n`,
  );
  writeFileSync(join(dir, "pyproject.toml"), `[tool.poetry]\nname = "app"\nversion = "0"\n[tool.poetry.dependencies]\npython = ">=3.9"\noldwheels = "*"\n`);
  return dir;
}

describe("the default interpreter", () => {
  it("is the newest for which every locked package has a file on every target system, and the header says why", async () => {
    const dir = lockDir(["manylinux_2_28_x86_64"]);
    const result = await generate({ path: dir, offline: true, cacheDir: tempDir() });
    expect(result.resolution.python).toBe("3.11");
    expect(result.nix).toContain("python ? pkgs.python311,");
    expect(result.nix).toMatch(/^# python 3\.11: the newest nixpkgs ships that the project allows and every locked package has a file for; passed over 3\.14 \(oldwheels has no file for it on aarch64-darwin\), 3\.13 .*, 3\.12 \(oldwheels has no file for it on aarch64-darwin\)$/m);
    // With only the system that has a cp312 wheel, 3.12 is the answer.
    const linux = await generate({ path: dir, offline: true, cacheDir: tempDir(), systems: ["x86_64-linux"] });
    expect(linux.resolution.python).toBe("3.12");
    // --python still decides, and the header then says nothing about the choice.
    const asked = await generate({ path: dir, offline: true, cacheDir: tempDir(), python: "3.13" });
    expect(asked.resolution.python).toBe("3.13");
    expect(asked.nix).not.toContain("passed over");
  });

  it("is what --check decides from the header, without generating", async () => {
    const dir = lockDir([]);
    const output = join(dir, "lock.nix");
    const cacheDir = tempDir();
    const first = await runJobs([{ options: { path: dir, output } }], { offline: true, cacheDir });
    expect(first.report.projects[0]?.status).toBe("written");
    const check = await runJobs([{ options: { path: dir, output } }], { offline: true, cacheDir, check: true });
    expect(check.report.projects[0]).toMatchObject({ status: "up-to-date", decidedBy: "header", python: "3.11" });
  });

  it("stays the newest allowed when every package has a file there", async () => {
    const dir = lockDir([]);
    writeFileSync(join(dir, "poetry.lock"), `[[package]]\nname = "oldwheels"\nversion = "1.0"\ndescription = ""\noptional = false\npython-versions = "*"\nfiles = [\n    {file = "oldwheels-1.0.tar.gz", hash = "sha256:${HASH}"},\n]\n\n[metadata]\nlock-version = "2.0"\npython-versions = ">=3.9"\ncontent-hash = "0"\n`);
    const result = await generate({ path: dir, offline: true, cacheDir: tempDir(), inspect: false });
    expect(result.resolution.python).toBe("3.14");
    expect(result.nix).not.toContain("passed over");
  });
});
