import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { generate } from "../src/generate.js";
import { startIndexServer, type IndexServer } from "./support/index-server.js";
import { tempDir } from "./helpers.js";

/** A real sdist: `<name>-<version>/` with a pyproject.toml naming `requires`, packed with tar. */
function sdist(name: string, version: string, pyproject: string | undefined, extra: Record<string, string> = {}): Buffer {
  const dir = tempDir();
  const top = join(dir, `${name}-${version}`);
  mkdirSync(top);
  if (pyproject !== undefined) writeFileSync(join(top, "pyproject.toml"), pyproject);
  writeFileSync(join(top, "PKG-INFO"), `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n`);
  for (const [f, text] of Object.entries(extra)) writeFileSync(join(top, f), text);
  const out = join(dir, `${name}-${version}.tar.gz`);
  execFileSync("tar", ["-czf", out, "-C", dir, `${name}-${version}`]);
  return readFileSync(out);
}

const servers: IndexServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function project(url: string, files: Array<{ name: string; version: string; filename: string; content: Buffer }>): string {
  const dir = tempDir();
  const blocks = files.map(
    (f) => `[[package]]\nname = "${f.name}"\nversion = "${f.version}"\ndescription = ""\noptional = false\npython-versions = "*"\nfiles = [\n    {file = "${f.filename}", hash = "sha256:${createHash("sha256").update(f.content).digest("hex")}"},\n]\n\n[package.source]\ntype = "legacy"\nurl = "${url}"\nreference = "private"\n`,
  );
  writeFileSync(join(dir, "poetry.lock"), `${blocks.join("\n")}\n[metadata]\nlock-version = "2.0"\npython-versions = "^3.11"\ncontent-hash = "0"\n`);
  writeFileSync(
    join(dir, "pyproject.toml"),
    `[tool.poetry]\nname = "app"\nversion = "0"\n[tool.poetry.dependencies]\npython = "^3.11"\n${files.map((f) => `${f.name} = "*"`).join("\n")}\n`,
  );
  return dir;
}

describe("sdists are inspected for their build system", () => {
  it("takes build-system from the sdist's pyproject.toml, setuptools without one, and names native code nobody described", async () => {
    const files = [
      { name: "hatched", version: "1.0", filename: "hatched-1.0.tar.gz", content: sdist("hatched", "1.0", '[build-system]\nrequires = ["hatchling>=1.0", "hatch-vcs"]\nbuild-backend = "hatchling.build"\n') },
      { name: "legacy-pkg", version: "2.0", filename: "legacy_pkg-2.0.tar.gz", content: sdist("legacy_pkg", "2.0", undefined, { "setup.py": "from setuptools import setup\nsetup()\n" }) },
      { name: "cfast", version: "0.1", filename: "cfast-0.1.tar.gz", content: sdist("cfast", "0.1", '[build-system]\nrequires = ["setuptools"]\n', { "speed.c": "int x;\n" }) },
    ];
    const server = await startIndexServer({ files });
    servers.push(server);
    const dir = project(server.simpleUrl, files);
    const cacheDir = tempDir();
    const online = await generate({ path: dir, python: "3.11", systems: ["x86_64-linux"], cacheDir });
    expect(online.nix).toContain("build-system = [\n        pythonPackages.hatch-vcs\n        pythonPackages.hatchling\n      ];");
    expect(online.nix).not.toContain("build-system guessed");
    expect(online.warnings.join("\n")).toMatch(/cfast.*builds native code, no override known/);
    // Offline, the cache answers the same.
    const offline = await generate({ path: dir, python: "3.11", systems: ["x86_64-linux"], cacheDir, offline: true });
    expect(offline.nix).toBe(online.nix);
    // Offline without the cache: guessed, and the header says which.
    const cold = await generate({ path: dir, python: "3.11", systems: ["x86_64-linux"], cacheDir: tempDir(), offline: true });
    expect(cold.nix).toContain("# build-system guessed (setuptools; no override, sdist not inspected): cfast hatched legacy-pkg");
  });
});
