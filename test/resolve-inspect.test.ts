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
    expect(online.nix).not.toContain("build-system fell back");
    expect(online.warnings.join("\n")).toMatch(/cfast.*builds native code, no override known/);
    // Offline, the cache answers the same.
    const offline = await generate({ path: dir, python: "3.11", systems: ["x86_64-linux"], cacheDir, offline: true });
    expect(offline.nix).toBe(online.nix);
    // Offline without the cache, and none of them in the table: the fallback set, and the header says which.
    const cold = await generate({ path: dir, python: "3.11", systems: ["x86_64-linux"], cacheDir: tempDir(), offline: true });
    expect(cold.nix).toContain("# build-system fell back (flit-core, hatch-fancy-pypi-readme, hatch-vcs, hatchling, pbr, pdm-backend, poetry-core, setuptools, setuptools-scm, uv-build; nothing known): cfast hatched legacy-pkg");
  });
});

describe("sdists are read while other releases are still looked up", () => {
  it("keeps lookups and downloads together within --jobs", async () => {
    const files = ["a", "b", "c", "d", "e", "f"].map((n) => ({ name: `pkg-${n}`, version: "1.0", filename: `pkg_${n}-1.0.tar.gz`, content: sdist(`pkg_${n}`, "1.0", '[build-system]\nrequires = ["flit-core"]\n') }));
    const server = await startIndexServer({ files, delayMs: 30 });
    servers.push(server);
    const result = await generate({ path: project(server.simpleUrl, files), python: "3.11", systems: ["x86_64-linux"], cacheDir: tempDir(), jobs: 2 });
    expect(server.requests).toHaveLength(12);
    expect(server.maxInFlight()).toBe(2);
    expect(result.nix.match(/pythonPackages\.flit-core/g)).toHaveLength(6);
  });

  it("reads a direct-URL sdist no one hashes once it is downloaded and hashed", async () => {
    const content = sdist("urlpkg", "2.0", '[build-system]\nrequires = ["flit-core"]\n');
    const server = await startIndexServer({ files: [{ name: "urlpkg", version: "2.0", filename: "urlpkg-2.0.tar.gz", content }] });
    servers.push(server);
    const dir = tempDir();
    writeFileSync(join(dir, "requirements.txt"), `urlpkg @ ${server.fileUrl("urlpkg-2.0.tar.gz")}\n`);
    const result = await generate({ path: dir, python: "3.11", systems: ["x86_64-linux"], cacheDir: tempDir() });
    expect(result.nix).toContain(`hash = "sha256-${createHash("sha256").update(content).digest("base64")}";`);
    expect(result.nix).toContain("pythonPackages.flit-core");
    expect(result.nix).not.toContain("build-system fell back");
  });
});

describe("Rust packages", () => {
  function gitCrateRepo(): { url: string; commit: string; tree: string } {
    const dir = tempDir("lock2nix-crate-");
    const git = (...args: string[]) =>
      execFileSync("git", args, { cwd: dir, encoding: "utf8", env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t" } });
    git("init", "-q");
    writeFileSync(join(dir, "Cargo.toml"), '[package]\nname = "gitcrate"\nversion = "0.3.0"\n');
    git("add", ".");
    git("commit", "-qm", "crate");
    const tree = tempDir("lock2nix-crate-tree-");
    execFileSync("sh", ["-c", `git -C ${dir} archive HEAD | tar -x -C ${tree}`]);
    return { url: `file://${dir}`, commit: git("rev-parse", "HEAD").trim(), tree };
  }

  it("get the sdist's Cargo.lock beside the output and outputHashes computed for its git crates", async () => {
    const crate = gitCrateRepo();
    const cargoLock = `version = 3\n\n[[package]]\nname = "gitcrate"\nversion = "0.3.0"\nsource = "git+${crate.url}?rev=${crate.commit}#${crate.commit}"\n\n[[package]]\nname = "cryptography-rust"\nversion = "0.1.0"\ndependencies = ["gitcrate"]\n`;
    const content = sdist("cryptography", "45.0.0", '[build-system]\nrequires = ["maturin>=1", "cffi"]\nbuild-backend = "maturin"\n\n[tool.maturin]\nmanifest-path = "src/rust/Cargo.toml"\n', {});
    // Repack with the crate inside src/rust.
    const dir = tempDir();
    execFileSync("tar", ["-xzf", "-", "-C", dir], { input: content });
    mkdirSync(join(dir, "cryptography-45.0.0", "src", "rust"), { recursive: true });
    writeFileSync(join(dir, "cryptography-45.0.0", "src", "rust", "Cargo.toml"), '[package]\nname = "cryptography-rust"\nversion = "0.1.0"\n');
    writeFileSync(join(dir, "cryptography-45.0.0", "src", "rust", "Cargo.lock"), cargoLock);
    execFileSync("tar", ["-czf", join(dir, "out.tar.gz"), "-C", dir, "cryptography-45.0.0"]);
    const file = { name: "cryptography", version: "45.0.0", filename: "cryptography-45.0.0.tar.gz", content: readFileSync(join(dir, "out.tar.gz")) };
    const server = await startIndexServer({ files: [file] });
    servers.push(server);
    const projectDir = project(server.simpleUrl, [file]);
    const output = join(projectDir, "lock.nix");
    const cacheDir = tempDir();
    const result = await generate({ path: projectDir, output, python: "3.12", systems: ["x86_64-linux"], cacheDir });
    const lockPath = join(projectDir, "cargo-locks", "cryptography-45.0.0", "Cargo.lock");
    expect(result.files.get(lockPath)).toBe(cargoLock);
    const { narHash } = await import("../src/index/git.js");
    expect(result.nix).toContain(
      [
        "cargoDeps = pkgs.rustPlatform.importCargoLock {",
        '        lockFile = ./. + "/cargo-locks/cryptography-45.0.0/Cargo.lock";',
        "        outputHashes = {",
        `          "gitcrate-0.3.0" = "${await narHash(crate.tree)}";`,
        "        };",
        "      };",
      ].join("\n"),
    );
    // Offline, with the sdist's facts cached but no way to hash the crate: the run stops, naming it.
    await expect(generate({ path: projectDir, output, python: "3.12", systems: ["x86_64-linux"], cacheDir, offline: true })).rejects.toThrow(
      `cryptography 45.0.0: its Cargo.lock takes the crate(s) gitcrate-0.3.0 from git (${crate.url} at ${crate.commit})`,
    );
  });
});

describe("a downloaded sdist that is not the one the lock pins", () => {
  it("stops the run, naming the file and both hashes", async () => {
    const content = sdist("pinned", "1.0", '[build-system]\nrequires = ["setuptools"]\n');
    const server = await startIndexServer({ files: [{ name: "pinned", version: "1.0", filename: "pinned-1.0.tar.gz", content }] });
    servers.push(server);
    const dir = tempDir();
    const url = server.fileUrl("pinned-1.0.tar.gz");
    const wrong = "0".repeat(64);
    writeFileSync(
      join(dir, "poetry.lock"),
      `[[package]]\nname = "pinned"\nversion = "1.0"\ndescription = ""\noptional = false\npython-versions = "*"\nfiles = [\n    {file = "pinned-1.0.tar.gz", hash = "sha256:${wrong}"},\n]\n\n[package.source]\ntype = "url"\nurl = "${url}"\n\n[metadata]\nlock-version = "2.0"\npython-versions = "^3.11"\ncontent-hash = "0"\n`,
    );
    writeFileSync(join(dir, "pyproject.toml"), `[tool.poetry]\nname = "app"\nversion = "0"\n[tool.poetry.dependencies]\npython = "^3.11"\npinned = {url = "${url}"}\n`);
    await expect(generate({ path: dir, python: "3.11", systems: ["x86_64-linux"], cacheDir: tempDir() })).rejects.toThrow(
      `pinned-1.0.tar.gz: sha256 mismatch: expected ${wrong}, got ${createHash("sha256").update(content).digest("hex")}`,
    );
  });
});
