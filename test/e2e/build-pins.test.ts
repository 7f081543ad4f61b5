import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generate } from "../../src/generate.js";
import { startIndexServer, type IndexServer } from "../support/index-server.js";
import { NIX_SKIP_REASON, tempDir } from "../helpers.js";
import { nixBuild, runPython } from "./nix-build.js";

/**
 * Pin relaxation for real: `pinned-e2e` asks for `setuptools==60.0.0`, and the stand-in's
 * setuptools is Debian's 66.1.1, as nixpkgs' backends are newer than many sdists' pins. pypa
 * build's dependency check stops the build; with the `pypaBuildFlags` lock2nix writes, the build
 * goes on with the setuptools there is, which builds it.
 */
const SYSTEM = process.arch === "arm64" ? "aarch64-linux" : "x86_64-linux";
const NAME = "pinned_e2e-1.0";

function pinnedSdist(): Buffer {
  const dir = tempDir();
  const top = join(dir, NAME);
  mkdirSync(top);
  writeFileSync(join(top, "pyproject.toml"), '[build-system]\nrequires = ["setuptools==60.0.0"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "pinned-e2e"\nversion = "1.0"\n');
  writeFileSync(join(top, "pinned_e2e.py"), 'NAME = "pinned-e2e"\n');
  writeFileSync(join(top, "PKG-INFO"), "Metadata-Version: 2.1\nName: pinned-e2e\nVersion: 1.0\n");
  execFileSync("tar", ["-czf", join(dir, `${NAME}.tar.gz`), "-C", dir, NAME]);
  return readFileSync(join(dir, `${NAME}.tar.gz`));
}

let index: IndexServer;
let content: Buffer;

describe.skipIf(NIX_SKIP_REASON)("a build requirement pinned below nixpkgs' version, in the Nix sandbox", () => {
  beforeAll(async () => {
    content = pinnedSdist();
    index = await startIndexServer({ files: [{ name: "pinned-e2e", version: "1.0", filename: `${NAME}.tar.gz`, content }] });
  });

  afterAll(async () => {
    await index?.close();
  });

  it("builds with --skip-dependency-check, and fails on the pin without it", async () => {
    const dir = tempDir("lock2nix-e2e-pins-");
    const sha256 = createHash("sha256").update(content).digest("hex");
    writeFileSync(
      join(dir, "poetry.lock"),
      `[[package]]\nname = "pinned-e2e"\nversion = "1.0"\ndescription = ""\noptional = false\npython-versions = "*"\nfiles = [\n    {file = "${NAME}.tar.gz", hash = "sha256:${sha256}"},\n]\n\n[package.source]\ntype = "legacy"\nurl = "${index.simpleUrl}"\nreference = "loopback"\n\n[metadata]\nlock-version = "2.0"\npython-versions = "^3.11"\ncontent-hash = "0"\n`,
    );
    writeFileSync(join(dir, "pyproject.toml"), '[tool.poetry]\nname = "app"\nversion = "0"\n[tool.poetry.dependencies]\npython = "^3.11"\npinned-e2e = "*"\n');
    const out = join(dir, "lock.nix");
    const { nix } = await generate({ path: dir, output: out, python: "3.11", systems: [SYSTEM], cacheDir: tempDir() });
    expect(nix).toContain('pypaBuildFlags = [ "--skip-dependency-check" ];');
    writeFileSync(out, nix);
    const built = await nixBuild(out, "env", { outLink: join(dir, "result") });
    expect(built.ok, built.log).toBe(true);
    expect(runPython(built.out, "import pinned_e2e; print(pinned_e2e.NAME)").output.trim()).toBe("pinned-e2e");

    const strict = join(dir, "strict.nix");
    writeFileSync(strict, nix.replace('      pypaBuildFlags = [ "--skip-dependency-check" ];\n', ""));
    const failed = await nixBuild(strict, "packages.pinned-e2e", { outLink: join(dir, "result-strict") });
    expect(failed.ok).toBe(false);
    expect(failed.log).toMatch(/setuptools==60\.0\.0/);
  }, 600_000);
});
