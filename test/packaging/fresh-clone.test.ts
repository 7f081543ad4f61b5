// A newcomer clones the repository alone and runs the README's two set-up commands: tests that
// need ../shared must skip with a reason there, not fail.
import { spawn, spawnSync, type SpawnOptions } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../helpers.js";

const ROOT = join(import.meta.dirname, "..", "..");
// Set for the run inside the copy, so this test does not start itself again there.
const INNER = process.env["LOCK2NIX_FRESH_CLONE"] === "1";

/** The README's set-up commands, as it writes them. */
export function readmeSetupCommands(): string[] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const line = /^npm ci && npm test$/m.exec(readme);
  if (!line) throw new Error("README.md: no line `npm ci && npm test`");
  return line[0].split(" && ");
}

/** Test files whose outcome depends on ../shared being there: the rest run the same in any checkout. */
function sharedTestFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
  return walk(join(ROOT, "test"))
    .filter((f) => f.endsWith(".test.ts") && !f.includes("/e2e/") && !f.endsWith("fresh-clone.test.ts") && /SHARED_SKIP_REASON|CORPUS_SKIP|PEERS/.test(readFileSync(f, "utf8")))
    .map((f) => f.slice(ROOT.length + 1))
    .sort();
}

/** spawn, awaited: a synchronous child would block the worker past vitest's RPC timeout. */
function runAsync(cmd: string, args: string[], options: SpawnOptions): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

describe.skipIf(INNER)("a fresh clone with nothing beside it", () => {
  it("passes the README's `npm ci && npm test`, skipping what needs ../shared with the reason printed", { timeout: 900_000 }, async () => {
    expect(readmeSetupCommands()).toEqual(["npm ci", "npm test"]);
    // Only the repository's files (what git would clone), in a folder with no ../shared beside it.
    const listed = spawnSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: ROOT, encoding: "utf8" });
    expect(listed.status).toBe(0);
    const copy = join(tempDir("lock2nix-clone-"), "lock2nix");
    for (const file of listed.stdout.split("\0").filter((f) => f && existsSync(join(ROOT, f)))) {
      mkdirSync(dirname(join(copy, file)), { recursive: true });
      cpSync(join(ROOT, file), join(copy, file));
    }
    const env: NodeJS.ProcessEnv = { ...process.env, LOCK2NIX_FRESH_CLONE: "1" };
    delete env["CI"];
    delete env["FORCE_COLOR"];
    env["NO_COLOR"] = "1";
    // --offline: tests have no network; npm ci installs from npm's cache what package-lock.json pins.
    const install = await runAsync("npm", ["ci", "--offline", "--no-audit", "--no-fund"], { cwd: copy, env });
    expect(install.status, install.stderr).toBe(0);
    // `npm test` over the files ../shared changes; the outer run already ran every other file in this tree.
    const test = await runAsync("npm", ["test", "--", "--reporter=dot", ...sharedTestFiles()], { cwd: copy, env });
    expect(test.status, test.stdout.slice(-4000) + test.stderr.slice(-4000)).toBe(0);
    expect(test.stdout + test.stderr).toContain("skipping tests on real lockfiles:");
    expect(test.stdout).toMatch(/Tests\s+\d+ passed \| \d+ skipped/);
  });

  it("names the files that need ../shared, so the list above is not empty by mistake", () => {
    expect(sharedTestFiles()).toEqual(expect.arrayContaining(["test/generate.test.ts", "test/peers.test.ts", "test/formats/uv/uv.test.ts"]));
  });
});
