import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Lock2nixError } from "../../src/errors.js";
import { GitError, gitSourceHash, narHash } from "../../src/index/git.js";
import { IndexError } from "../../src/index/http.js";
import { NIX_SKIP_REASON, tempDir } from "../helpers.js";

// Under CI a missing nix-hash is a failure, as NIX_SKIP_REASON is for the rest of Nix.
const nixSkip = NIX_SKIP_REASON ?? (spawnSync("nix-hash", ["--version"]).status === 0 || process.env["CI"] === "true" ? undefined : "nix-hash not found");
if (nixSkip) console.warn(`skipping Nix hash tests: ${nixSkip}`);
if (nixSkip) console.warn(`skipping tests that compare with Nix: ${nixSkip}`);

const root = tempDir("lock2nix-git-test-");
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Git isolated from the machine's configuration, the way the tests' repositories are made. */
const gitHome = join(root, "home");
mkdirSync(gitHome);
const gitEnv: NodeJS.ProcessEnv = { ...process.env, HOME: gitHome, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" };
for (const key of Object.keys(gitEnv)) if (key.startsWith("GIT_") && !["GIT_CONFIG_NOSYSTEM", "GIT_TERMINAL_PROMPT"].includes(key)) delete gitEnv[key];
const identity = ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main", "-c", "protocol.file.allow=always"];

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", [...identity, ...args], { cwd, env: gitEnv, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/** What Nix itself computes: `nix-hash --type sha256` (Nix 2.8 has no --sri), as SRI. */
function nixHash(path: string): string {
  const hex = execFileSync("nix-hash", ["--type", "sha256", path], { encoding: "utf8" }).trim();
  return `sha256-${Buffer.from(hex, "hex").toString("base64")}`;
}

function write(path: string, text: string | Buffer, mode?: number): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
  if (mode !== undefined) chmodSync(path, mode);
}

describe.skipIf(nixSkip)("narHash", () => {
  it("matches nix-hash on a tree with every kind of entry", async () => {
    const dir = join(root, "tree");
    write(join(dir, "README"), "hello\n");
    write(join(dir, "empty"), "");
    write(join(dir, "bin", "run.sh"), "#!/bin/sh\necho run\n", 0o755);
    write(join(dir, "bin", "group-exec-only"), "x", 0o654);
    write(join(dir, "bin", "owner-exec-only"), "x", 0o744);
    write(join(dir, "a", "b", "c", "deep.txt"), "deep");
    write(join(dir, "big.bin"), randomBytes(200_003));
    mkdirSync(join(dir, "empty-dir"));
    symlinkSync("README", join(dir, "link"));
    symlinkSync("../nowhere/at/all", join(dir, "a", "dangling"));
    symlinkSync("b", join(dir, "a", "dir-link"));
    // Byte-wise order differs from any locale's: upper case, punctuation, UTF-8 after ASCII.
    for (const name of ["B", "a", "Z", "_x", "a-b", "a.b", "a_b", "ab", "é", "e", "日本語", "Ä", "z", "~"]) write(join(dir, "names", name), name);
    write(join(dir, "names", "ünïcödé dir", "fïlé"), "x");
    writeFileSync(Buffer.concat([Buffer.from(join(dir, "names") + "/raw-"), Buffer.from([0xff, 0xfe])]), "not utf-8");
    expect(await narHash(dir)).toBe(nixHash(dir));
  });

  it("matches nix-hash on an empty directory, a lone file and a lone symlink", async () => {
    const dir = join(root, "lone");
    mkdirSync(join(dir, "empty"), { recursive: true });
    write(join(dir, "file"), "1234567");
    write(join(dir, "exe"), "12345678", 0o700);
    symlinkSync("file", join(dir, "sym"));
    for (const name of ["empty", "file", "exe", "sym"]) expect(await narHash(join(dir, name))).toBe(nixHash(join(dir, name)));
  });
});

let sub: string;
let main: string;
const commits: Record<string, string> = {};

beforeAll(() => {
  // A nested submodule: main → vendor/sub → deps/subsub.
  const subsub = join(root, "repos", "subsub");
  write(join(subsub, "leaf.txt"), "leaf\n");
  git(subsub, "init", "-q");
  git(subsub, "add", "-A");
  git(subsub, "commit", "-q", "-m", "leaf");

  sub = join(root, "repos", "sub");
  write(join(sub, "lib.py"), "print('sub')\n");
  write(join(sub, "tool"), "#!/bin/sh\n", 0o755);
  git(sub, "init", "-q");
  git(sub, "submodule", "add", "-q", pathToFileURL(subsub).href, "deps/subsub");
  git(sub, "add", "-A");
  git(sub, "commit", "-q", "-m", "sub");

  main = join(root, "repos", "main");
  write(join(main, "README.md"), "main\n");
  write(join(main, "scripts", "build.sh"), "#!/bin/sh\necho build\n", 0o755);
  write(join(main, "pkg", "__init__.py"), "");
  write(join(main, "pkg", "données.txt"), "unicode\n");
  write(join(main, ".gitattributes"), "*.txt text eol=crlf\n");
  symlinkSync("README.md", join(main, "link.md"));
  git(main, "init", "-q");
  git(main, "submodule", "add", "-q", pathToFileURL(sub).href, "vendor/sub");
  git(main, "add", "-A");
  git(main, "commit", "-q", "-m", "first");
  commits["first"] = git(main, "rev-parse", "HEAD");
  write(join(main, "README.md"), "main, second version\n");
  git(main, "commit", "-q", "-am", "second");
  commits["second"] = git(main, "rev-parse", "HEAD");
});

/** An independent checkout the way nix-prefetch-git makes one: clone, check out, submodules, then every .git removed. */
function referenceCheckout(url: string, commit: string, submodules: boolean): string {
  const dir = join(root, `ref-${randomBytes(4).toString("hex")}`);
  execFileSync("git", [...identity, "clone", "-q", url, dir], { env: gitEnv, stdio: "ignore" });
  git(dir, "-c", "advice.detachedHead=false", "checkout", "-q", commit);
  if (submodules) git(dir, "submodule", "update", "--init", "--recursive", "-q");
  execFileSync("find", [dir, "-name", ".git", "-prune", "-exec", "rm", "-rf", "{}", "+"]);
  return dir;
}

describe.skipIf(nixSkip)("gitSourceHash against Nix", () => {
  it("hashes a commit that is not the branch tip, without submodules (their folders stay, empty)", async () => {
    const url = pathToFileURL(main).href;
    const hash = await gitSourceHash({ url, commit: commits["first"]!, cacheDir: join(root, "cache-a") });
    const reference = referenceCheckout(url, commits["first"]!, false);
    expect(readdirSync(join(reference, "vendor", "sub"))).toEqual([]);
    expect(hash).toBe(nixHash(reference));
  });

  it("hashes a commit with submodules, recursively", async () => {
    const url = pathToFileURL(main).href;
    const hash = await gitSourceHash({ url, commit: commits["second"]!, submodules: true, cacheDir: join(root, "cache-b") });
    const reference = referenceCheckout(url, commits["second"]!, true);
    expect(existsSync(join(reference, "vendor", "sub", "deps", "subsub", "leaf.txt"))).toBe(true);
    expect(hash).toBe(nixHash(reference));
    expect(hash).not.toBe(await gitSourceHash({ url, commit: commits["second"]!, cacheDir: join(root, "cache-b") }));
  });

  it("is the hash a fixed-output derivation in the Nix sandbox accepts for that tree", async () => {
    const url = pathToFileURL(main).href;
    const hash = await gitSourceHash({ url, commit: commits["second"]!, submodules: true, cacheDir: join(root, "cache-c") });
    const copy = join(root, "checkout-copy");
    cpSync(referenceCheckout(url, commits["second"]!, true), copy, { recursive: true, verbatimSymlinks: true });
    const build = (outputHash: string) =>
      spawnSync(
        "nix-build",
        [
          "--no-out-link",
          ...["--option", "sandbox", "true"],
          ...["--option", "sandbox-paths", "/bin /usr /lib /lib64? /etc/alternatives?"],
          ...["--option", "substituters", ""],
          "-E",
          `derivation {
            # A fresh name each run, so the build really happens and Nix checks the hash.
            name = "source-${randomBytes(6).toString("hex")}";
            system = builtins.currentSystem;
            builder = "/bin/sh";
            PATH = "/bin:/usr/bin";
            args = [ "-c" "cp -r \${builtins.path { path = ${JSON.stringify(copy)}; name = "checkout"; }} $out" ];
            outputHashMode = "recursive";
            outputHashAlgo = "sha256";
            outputHash = "${outputHash}";
          }`,
        ],
        { encoding: "utf8" },
      );
    const ok = build(hash);
    expect(ok.stderr).not.toMatch(/hash mismatch/);
    expect(ok.status).toBe(0);
    const out = ok.stdout.trim();
    expect(out).toMatch(/^\/nix\/store\/[a-z0-9]{32}-source-/);
    expect(nixHash(out)).toBe(hash);
    const wrong = build(`sha256-${Buffer.alloc(32).toString("base64")}`);
    expect(wrong.status).not.toBe(0);
    expect(wrong.stderr).toMatch(/hash mismatch/);
  }, 120_000);
});

describe("gitSourceHash", () => {
  it("names the URL and commit when the commit does not exist", async () => {
    const url = pathToFileURL(main).href;
    const commit = "0123456789abcdef0123456789abcdef01234567";
    const error = await gitSourceHash({ url, commit, cacheDir: join(root, "cache-d") }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitError);
    expect(error).toBeInstanceOf(IndexError);
    expect(error).toBeInstanceOf(Lock2nixError);
    expect((error as Error).message).toBe(`commit ${commit} not found in git repository ${url}`);
  });

  it("names the URL, without credentials, and the commit when the repository is unreachable", async () => {
    const commit = commits["first"]!;
    const missing = pathToFileURL(join(root, "no-such-repo")).href;
    const a = (await gitSourceHash({ url: missing, commit, cacheDir: join(root, "cache-d") }).catch((e: unknown) => e)) as Error;
    expect(a).toBeInstanceOf(GitError);
    expect(a.message).toMatch(new RegExp(`^cannot fetch commit ${commit} of git repository ${missing}: repository unreachable: .+`));

    const secret = "https://alice:s3cret@127.0.0.1:1/repo.git";
    const b = (await gitSourceHash({ url: secret, commit, cacheDir: join(root, "cache-d") }).catch((e: unknown) => e)) as Error;
    expect(b).toBeInstanceOf(GitError);
    expect(b.message).toMatch(/^cannot fetch commit [0-9a-f]{40} of git repository https:\/\/127\.0\.0\.1:1\/repo\.git: repository unreachable: /);
    expect(b.message).not.toMatch(/s3cret|alice/);
  });

  it("refuses a commit that is not a full id", async () => {
    await expect(gitSourceHash({ url: pathToFileURL(main).href, commit: "main" })).rejects.toThrow(/"main" is not a full commit id/);
    await expect(gitSourceHash({ url: pathToFileURL(main).href, commit: "--upload-pack=x" })).rejects.toBeInstanceOf(GitError);
  });

  it("answers a second call from its cache without running git", async () => {
    const url = pathToFileURL(main).href;
    const cacheDir = join(root, "cache-e");
    const first = await gitSourceHash({ url, commit: commits["second"]!, cacheDir });
    expect(first).toMatch(/^sha256-[A-Za-z0-9+/]{43}=$/);

    const marker = join(root, "failing-git-ran");
    const failing = join(root, "failing-git");
    write(failing, `#!/bin/sh\ntouch '${marker}'\nexit 1\n`, 0o755);
    expect(await gitSourceHash({ url, commit: commits["second"]!, cacheDir, git: failing })).toBe(first);
    expect(existsSync(marker)).toBe(false);

    // Submodules are part of the key: that one is not cached, so the failing git runs and fails.
    await expect(gitSourceHash({ url, commit: commits["second"]!, submodules: true, cacheDir, git: failing })).rejects.toBeInstanceOf(GitError);
    expect(existsSync(marker)).toBe(true);
  });

  it("falls back to fetching every branch when the server refuses a shallow fetch by id", async () => {
    const url = pathToFileURL(main).href;
    const log = join(root, "refusing-git.log");
    const refusing = join(root, "refusing-git");
    // Refuses every --depth (the fetch by id and the shallow submodule update), like a server without allowReachableSHA1InWant.
    write(refusing, `#!/bin/sh\necho "$*" >> '${log}'\ncase "$*" in *--depth*) echo "fatal: not our ref" >&2; exit 128;; esac\nexec git "$@"\n`, 0o755);
    for (const submodules of [false, true]) {
      const expected = await gitSourceHash({ url, commit: commits["first"]!, submodules, cacheDir: join(root, `cache-g-${submodules}`) });
      expect(await gitSourceHash({ url, commit: commits["first"]!, submodules, cacheDir: join(root, `cache-h-${submodules}`), git: refusing })).toBe(expected);
    }
    execFileSync("grep", ["-q", "refs/heads/\\*:refs/remotes/origin/\\*", log]);
  });

  it("reports a git executable that cannot be run", async () => {
    const error = (await gitSourceHash({ url: pathToFileURL(main).href, commit: commits["first"]!, cacheDir: join(root, "cache-f"), git: join(root, "no-git") }).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(GitError);
    expect(error.message).toMatch(/^cannot run .*no-git to fetch commit [0-9a-f]{40} of git repository file:/);
  });
});
