import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generate } from "../src/generate.js";
import { narHash } from "../src/index/git.js";
import { tempDir } from "./helpers.js";

function gitRepo(): { url: string; commit: string; tree: string } {
  const dir = tempDir("lock2nix-git-");
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, encoding: "utf8", env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t" } });
  git("init", "-q");
  mkdirSync(join(dir, "src", "gitdep"), { recursive: true });
  writeFileSync(join(dir, "pyproject.toml"), '[project]\nname = "gitdep"\nversion = "0.1.0"\n');
  writeFileSync(join(dir, "src", "gitdep", "__init__.py"), "NAME = 'gitdep'\n");
  git("add", ".");
  git("commit", "-qm", "init");
  const commit = git("rev-parse", "HEAD").trim();
  // The tree fetchgit hashes: the checkout without .git.
  const tree = tempDir("lock2nix-git-tree-");
  execFileSync("sh", ["-c", `git -C ${dir} archive HEAD | tar -x -C ${tree}`]);
  return { url: `file://${dir}`, commit, tree };
}

function lockWithGit(url: string, commit: string): string {
  const dir = tempDir();
  writeFileSync(
    join(dir, "poetry.lock"),
    `[[package]]\nname = "gitdep"\nversion = "0.1.0"\ndescription = ""\noptional = false\npython-versions = "*"\nfiles = []\ndevelop = false\n\n[package.source]\ntype = "git"\nurl = "${url}"\nreference = "HEAD"\nresolved_reference = "${commit}"\n\n[metadata]\nlock-version = "2.0"\npython-versions = "^3.11"\ncontent-hash = "0"\n`,
  );
  writeFileSync(join(dir, "pyproject.toml"), `[tool.poetry]\nname = "app"\nversion = "0"\n[tool.poetry.dependencies]\npython = "^3.11"\ngitdep = {git = "${url}"}\n`);
  return dir;
}

describe("git dependencies", () => {
  it("become fetchgit with the commit and the sha256 of the checkout", async () => {
    const repo = gitRepo();
    const { nix } = await generate({ path: lockWithGit(repo.url, repo.commit), python: "3.11", cacheDir: tempDir() });
    const expected = await narHash(repo.tree);
    expect(nix).toContain(
      ["src = fetchgit {", `        url = "${repo.url}";`, `        rev = "${repo.commit}";`, `        hash = "${expected}";`, "        fetchSubmodules = false;", "      };"].join("\n"),
    );
  });

  it("tell a git-version plugin the locked version, as the store copy has no .git", async () => {
    const repo = gitRepo();
    const dir = lockWithGit(repo.url, repo.commit);
    writeFileSync(join(dir, "ov.yaml"), "gitdep:\n  build-system: [hatchling, hatch-vcs]\n");
    const { nix } = await generate({ path: dir, python: "3.11", cacheDir: tempDir(), overrides: [join(dir, "ov.yaml")] });
    expect(nix).toContain('env = {\n        SETUPTOOLS_SCM_PRETEND_VERSION = "0.1.0";\n      };');
    writeFileSync(join(dir, "ov.yaml"), "gitdep:\n  build-system: [pdm-backend]\n");
    const pdm = await generate({ path: dir, python: "3.11", cacheDir: tempDir(), overrides: [join(dir, "ov.yaml")] });
    expect(pdm.nix).toContain('PDM_BUILD_SCM_VERSION = "0.1.0";');
    writeFileSync(join(dir, "ov.yaml"), "gitdep:\n  build-system: [flit-core]\n");
    expect((await generate({ path: dir, python: "3.11", cacheDir: tempDir(), overrides: [join(dir, "ov.yaml")] })).nix).not.toContain("_VERSION");
  });

  it("fall back to builtins.fetchGit offline, with a warning", async () => {
    const repo = gitRepo();
    const { nix, warnings } = await generate({ path: lockWithGit(repo.url, repo.commit), python: "3.11", offline: true, cacheDir: tempDir() });
    expect(nix).toContain(`src = builtins.fetchGit {\n        url = "${repo.url}";\n        rev = "${repo.commit}";\n        allRefs = true;\n      };`);
    expect(warnings).toContain(
      "git dependencies are not hashed offline, so they use builtins.fetchGit, which fetches while Nix evaluates: gitdep; run without --offline to pin them with fetchgit and a sha256",
    );
  });

  it("name the package when the commit does not exist", async () => {
    const repo = gitRepo();
    await expect(generate({ path: lockWithGit(repo.url, "f".repeat(40)), python: "3.11", cacheDir: tempDir() })).rejects.toThrow(
      `gitdep 0.1.0: commit ${"f".repeat(40)} not found in git repository ${repo.url}`,
    );
  });
});
