import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runJobs } from "../src/config/run.js";
import { generate } from "../src/generate.js";
import { startIndexServer, type IndexServer } from "./support/index-server.js";
import { CORPUS, gitIn, tempDir, SHARED_SKIP_REASON } from "./helpers.js";

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

/** The text of one package's derivation in generated Nix. */
function derivationOf(nix: string, name: string): string {
  const start = nix.indexOf(`    ${name} = buildPythonPackage {`);
  expect(start, name).toBeGreaterThanOrEqual(0);
  return nix.slice(start, nix.indexOf("\n    };\n", start));
}

describe("build requirements nixpkgs cannot meet as written", () => {
  it("skip pypa build's dependency check, and only there", async () => {
    const files = [
      { name: "lock2nix-pinned", version: "1.0", filename: "lock2nix_pinned-1.0.tar.gz", content: sdist("lock2nix_pinned", "1.0", '[build-system]\nrequires = ["hatchling==1.26.3", "hatch-vcs<0.6"]\n') },
      { name: "lock2nix-floor", version: "1.0", filename: "lock2nix_floor-1.0.tar.gz", content: sdist("lock2nix_floor", "1.0", '[build-system]\nrequires = ["setuptools>=61"]\n') },
    ];
    const server = await startIndexServer({ files });
    servers.push(server);
    const { nix } = await generate({ path: project(server.simpleUrl, files), python: "3.11", systems: ["x86_64-linux"], cacheDir: tempDir() });
    expect(derivationOf(nix, "lock2nix-pinned")).toContain('pypaBuildFlags = [ "--skip-dependency-check" ];');
    expect(derivationOf(nix, "lock2nix-floor")).not.toContain("pypaBuildFlags");
  });
});

describe("online and offline runs write the same file", () => {
  it("keeps the previous output's facts for unchanged sources, so --check --offline after a lock change agrees with an online run", async () => {
    const v1 = [
      // Its module gives the import check, which only reading the sdist tells.
      { name: "lock2nix-hatched", version: "1.0", filename: "lock2nix_hatched-1.0.tar.gz", content: sdist("lock2nix_hatched", "1.0", '[build-system]\nrequires = ["hatchling", "hatch-vcs"]\n', { "lock2nix_hatched.py": "" }) },
      { name: "lock2nix-pinned", version: "1.0", filename: "lock2nix_pinned-1.0.tar.gz", content: sdist("lock2nix_pinned", "1.0", '[build-system]\nrequires = ["poetry-core==1.0.0"]\n') },
    ];
    // click 8.1.8 is in the table as flit-core, as its sdist says. (An added sdist's import check is
    // known only online: this one ships no module, so the offline run can match the online one.)
    const added = { name: "click", version: "8.1.8", filename: "click-8.1.8.tar.gz", content: sdist("click", "8.1.8", '[build-system]\nrequires = ["flit_core>=3.4"]\n') };
    const server = await startIndexServer({ files: [...v1, added] });
    servers.push(server);
    const dir = project(server.simpleUrl, v1);
    const out = join(dir, "lock.nix");
    const options = { path: dir, output: out, python: "3.11", systems: ["x86_64-linux" as const] };
    const onlineCache = tempDir();
    // Offline runs get the index's answers (a private index's file URLs are only its own) but no sdist facts.
    const indexOnly = () => {
      const copy = tempDir();
      cpSync(onlineCache, copy, { recursive: true });
      for (const sub of ["inspect", "runs"]) rmSync(join(copy, sub), { recursive: true, force: true });
      return copy;
    };
    const online = await generate({ ...options, cacheDir: onlineCache });
    expect(online.nix).not.toContain("fell back");
    expect(derivationOf(online.nix, "lock2nix-hatched")).toContain('pythonImportsCheck = [ "lock2nix_hatched" ];');
    writeFileSync(out, online.nix);
    // Offline with no sdist read: the previous output answers.
    expect((await generate({ ...options, cacheDir: indexOnly(), offline: true })).nix).toBe(online.nix);
    expect((await generate({ ...options, cacheDir: indexOnly(), offline: true, previousOutput: false })).nix).toContain("# build-system fell back");

    // The lock changes: click is added.
    const changed = project(server.simpleUrl, [...v1, added]);
    for (const f of ["poetry.lock", "pyproject.toml"]) writeFileSync(join(dir, f), readFileSync(join(changed, f)));
    const onlineAfter = await generate({ ...options, output: join(tempDir(), "lock.nix"), cacheDir: onlineCache });
    const offlineAfter = await generate({ ...options, cacheDir: indexOnly(), offline: true });
    expect(offlineAfter.nix).toBe(onlineAfter.nix);
    const { report } = await runJobs([{ options }], { check: true, offline: true, cacheDir: indexOnly() });
    expect(report.projects[0]?.status).toBe("changed");
    const diff = report.projects[0]?.diff ?? "";
    // The diff adds click and changes the header; it takes nothing the online run had learnt away.
    expect(diff).toContain("+    click = buildPythonPackage {");
    expect(diff.split("\n").filter((l) => l.startsWith("-") && !l.startsWith("---"))).toEqual([expect.stringMatching(/^-# lockfile-sha256: /)]);
  });
});

describe("local trees are read, not guessed", () => {
  it("takes a workspace member's build system and version from its pyproject.toml, and tells a git-version plugin the version", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "uv.lock"),
      `version = 1\nrevision = 3\nrequires-python = ">=3.11"\n\n[manifest]\nmembers = ["lib-a", "lib-b"]\n\n[[package]]\nname = "lib-a"\nsource = { editable = "packages/lib-a" }\n\n[[package]]\nname = "lib-b"\nsource = { editable = "packages/lib-b" }\n`,
    );
    mkdirSync(join(dir, "packages", "lib-a", "src", "lib_a"), { recursive: true });
    writeFileSync(
      join(dir, "packages", "lib-a", "pyproject.toml"),
      '[build-system]\nrequires = ["hatchling"]\n[project]\nname = "lib-a"\ndynamic = ["version"]\n[tool.hatch.version]\npath = "src/lib_a/__init__.py"\n',
    );
    writeFileSync(join(dir, "packages", "lib-a", "src", "lib_a", "__init__.py"), '__version__ = "2.0.1"\n');
    mkdirSync(join(dir, "packages", "lib-b"), { recursive: true });
    writeFileSync(join(dir, "packages", "lib-b", "pyproject.toml"), '[build-system]\nrequires = ["pdm-backend", "uv-dynamic-versioning"]\n[project]\nname = "lib-b"\ndynamic = ["version"]\n');
    const result = await generate({ path: dir, output: join(dir, "lock.nix"), python: "3.11", systems: ["x86_64-linux"], cacheDir: tempDir(), offline: true, inspect: false });
    const a = derivationOf(result.nix, "lib-a");
    expect(a).toContain('version = "2.0.1";');
    expect(a).toContain("build-system = [ pythonPackages.hatchling ];");
    expect(a).toContain('purl = "pkg:pypi/lib-a@2.0.1";');
    const b = derivationOf(result.nix, "lib-b");
    expect(b).toContain("build-system = [ pythonPackages.pdm-backend ];");
    // Not a checkout: the version git would give is unknown, and the derivation says so rather than guess.
    expect(b).toContain('version = throw "lock2nix: the version of lib-b is computed by uv-dynamic-versioning from git');
    expect(b).not.toContain("UV_DYNAMIC_VERSIONING_BYPASS");
    expect(b).toContain('purl = "pkg:pypi/lib-b";');
    expect(result.nix).not.toContain("fell back");
    expect(result.warnings.join("\n")).toContain("lib-b (uv-dynamic-versioning)");

    // In a checkout, the version is what the plugin computes from `git describe`, and the plugin is told it.
    const git = gitIn(dir);
    git("init", "-q");
    git("add", "-A");
    git("commit", "-qm", "one");
    git("tag", "v1.4.0");
    const tagged = derivationOf((await generate({ path: dir, output: join(dir, "lock.nix"), python: "3.11", systems: ["x86_64-linux"], cacheDir: tempDir(), offline: true, inspect: false })).nix, "lib-b");
    expect(tagged).toContain('version = "1.4.0";');
    expect(tagged).toContain('UV_DYNAMIC_VERSIONING_BYPASS = "1.4.0";');
    writeFileSync(join(dir, "packages", "lib-b", "README"), "more\n");
    git("add", "-A");
    git("commit", "-qm", "two");
    const commit = git("rev-parse", "--short=7", "HEAD");
    const after = derivationOf((await generate({ path: dir, output: join(dir, "lock.nix"), python: "3.11", systems: ["x86_64-linux"], cacheDir: tempDir(), offline: true, inspect: false })).nix, "lib-b");
    // dunamai's pep440 style without bump, as uv-dynamic-versioning defaults to.
    expect(after).toContain(`version = "1.4.0.post1.dev0+${commit}";`);
  });

  it.skipIf(SHARED_SKIP_REASON)("gives the corpus' uv-pydantic-ai workspace members hatchling from disk", async () => {
    const result = await generate({ path: join(CORPUS, "uv-pydantic-ai"), output: join(tempDir(), "lock.nix"), systems: ["x86_64-linux"], cacheDir: tempDir(), offline: true });
    for (const member of ["pydantic-ai-slim", "pydantic-evals", "pydantic-graph"]) {
      const drv = derivationOf(result.nix, member);
      expect(drv, member).toContain("build-system = [ pythonPackages.hatchling ];");
      // Their version comes from git (uv-dynamic-versioning), which the corpus copy has not: no made-up one.
      expect(drv, member).toContain(`version = throw "lock2nix: the version of ${member} is computed by uv-dynamic-versioning from git`);
    }
    expect(result.warnings.join("\n")).toMatch(/pydantic-ai-slim \(uv-dynamic-versioning\)/);
  });

  it.skipIf(SHARED_SKIP_REASON)("gives uv-pydantic-ai's members the version git gives in a checkout (bump = true, as they configure it)", async () => {
    const dir = tempDir();
    cpSync(join(CORPUS, "uv-pydantic-ai"), dir, { recursive: true });
    const git = gitIn(dir);
    git("init", "-q");
    git("add", "-A");
    git("commit", "-qm", "release");
    git("tag", "v1.9.2");
    writeFileSync(join(dir, "NEWS"), "after the release\n");
    git("add", "-A");
    git("commit", "-qm", "next");
    const commit = git("rev-parse", "--short=7", "HEAD");
    const result = await generate({ path: dir, output: join(dir, "lock.nix"), systems: ["x86_64-linux"], cacheDir: tempDir(), offline: true });
    // clai and the examples are members no group installs: packages of the set all the same.
    for (const member of ["pydantic-ai", "pydantic-ai-slim", "pydantic-evals", "pydantic-graph", "clai", "pydantic-ai-examples"]) {
      const drv = derivationOf(result.nix, member);
      expect(drv, member).toContain("build-system = [ pythonPackages.hatchling ];");
      expect(drv, member).toContain(`version = "1.9.3.dev1+${commit}";`);
      expect(drv, member).toContain(`UV_DYNAMIC_VERSIONING_BYPASS = "1.9.3.dev1+${commit}";`);
    }
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
