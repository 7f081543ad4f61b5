// The CLI as users run it: `npm run build`, then bin/lock2nix.js loading the
// bundle (dist/lock2nix.cjs) through V8's code cache, with the run memo.
import { execFileSync } from "node:child_process";
import { cpSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { VERSION } from "../../src/version.js";
import { tempDir } from "../helpers.js";

const ROOT = join(import.meta.dirname, "..", "..");
const BIN = join(ROOT, "bin", "lock2nix.js");

beforeAll(() => {
  execFileSync("npm", ["run", "--silent", "build"], { cwd: ROOT, stdio: "pipe" });
}, 300_000);

const cli = (args: string[], cacheHome: string) =>
  execFileSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, XDG_CACHE_HOME: cacheHome } });

describe("the built CLI", () => {
  it("prints its version", () => {
    expect(cli(["--version"], tempDir())).toBe(`lock2nix ${VERSION}\n`);
  });

  it("reads a lock piped to `generate -` from the process's standard input", () => {
    const app = join(ROOT, "examples", "poetry-app");
    const out = execFileSync(process.execPath, [BIN, "generate", "-", "--offline", "--quiet"], {
      cwd: app,
      input: readFileSync(join(app, "poetry.lock")),
      encoding: "utf8",
      env: { ...process.env, XDG_CACHE_HOME: tempDir() },
    });
    expect(out).toBe(readFileSync(join(app, "lock.nix"), "utf8").replace("from poetry.lock.", "from <stdin>."));
  });

  it("writes the example's committed output, and answers a second run from its caches", () => {
    const cacheHome = tempDir();
    // A copy of the example, written beside its lock as the committed file is (the project's tree is a relative path).
    const copy = tempDir();
    cpSync(join(ROOT, "examples", "poetry-app"), copy, { recursive: true });
    const out = join(copy, "lock.nix");
    const args = ["generate", copy, "-o", out, "--offline", "--quiet"];
    cli(args, cacheHome);
    const committed = readFileSync(join(ROOT, "examples", "poetry-app", "lock.nix"), "utf8");
    expect(readFileSync(out, "utf8")).toBe(committed);
    const caches = join(cacheHome, "lock2nix");
    const [codeCache] = readdirSync(join(caches, "code")).map((f) => join(caches, "code", f)) as [string];
    const [memo] = readdirSync(join(caches, "runs")).map((f) => join(caches, "runs", f)) as [string];
    const before = [statSync(codeCache).mtimeMs, statSync(memo).mtimeMs];
    cli(args, cacheHome);
    expect(readFileSync(out, "utf8")).toBe(committed);
    // Both were used as they were, not written again.
    expect([statSync(codeCache).mtimeMs, statSync(memo).mtimeMs]).toEqual(before);
  });
});
