// The npm route of the README's "Install": the packed tarball installs into an empty prefix and runs.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { VERSION } from "../../src/version.js";
import { tempDir } from "../helpers.js";

const ROOT = join(import.meta.dirname, "..", "..");

interface LockEntry {
  version?: string;
  dev?: boolean;
  dependencies?: Record<string, string>;
  [key: string]: unknown;
}

/** A package-lock.json for a project that depends on the tarball alone: lock2nix's runtime entries, as locked. */
function installLock(tarball: string): unknown {
  const own = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> };
  const root = own.packages[""] ?? {};
  const packages: Record<string, LockEntry> = {
    "": { dependencies: { lock2nix: `file:${tarball}` } },
    "node_modules/lock2nix": { version: root.version, resolved: `file:${tarball}`, dependencies: root.dependencies, bin: { lock2nix: "bin/lock2nix.js" }, engines: root["engines"], license: root["license"] },
  };
  for (const [path, entry] of Object.entries(own.packages)) if (path && !entry.dev) packages[path] = entry;
  return { name: "install", lockfileVersion: 3, requires: true, packages };
}

describe("the npm package", () => {
  it("packs LICENSE and no source maps, installs into an empty prefix from npm's cache, and runs", { timeout: 300_000 }, () => {
    execFileSync("npm", ["run", "--silent", "build"], { cwd: ROOT, stdio: "pipe" });
    const packDir = tempDir();
    const packed = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", packDir], { cwd: ROOT, encoding: "utf8" })) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const [info] = packed;
    expect(info).toBeDefined();
    if (!info) return;
    const paths = info.files.map((f) => f.path);
    expect(paths).toContain("LICENSE");
    expect(paths).toEqual(expect.arrayContaining(["schema/generate-report.schema.json", "schema/audit-report.schema.json"]));
    expect(paths.filter((p) => p.endsWith(".map"))).toEqual([]);
    expect(paths.filter((p) => p.startsWith("src/"))).toEqual([]);

    // Tests have no network, and npm's cache holds tarballs, not the registry's metadata that
    // `npm install -g` asks for: an empty project pins the tarball and lock2nix's own locked
    // dependencies, and `npm ci --offline` installs it from the cache.
    const prefix = tempDir("lock2nix-prefix-");
    const tarball = join(packDir, info.filename);
    writeFileSync(join(prefix, "package.json"), JSON.stringify({ private: true, dependencies: { lock2nix: `file:${tarball}` } }));
    writeFileSync(join(prefix, "package-lock.json"), JSON.stringify(installLock(tarball)));
    execFileSync("npm", ["ci", "--offline", "--no-audit", "--no-fund"], { cwd: prefix, stdio: "pipe" });
    const bin = join(prefix, "node_modules", ".bin", "lock2nix");
    const env = { ...process.env, XDG_CACHE_HOME: tempDir() };
    expect(execFileSync(bin, ["--version"], { encoding: "utf8", env }).trim()).toBe(`lock2nix ${VERSION}`);

    // A bundled example, generated offline: the same file as the one committed.
    const example = tempDir();
    cpSync(join(ROOT, "examples", "poetry-app"), example, { recursive: true });
    const result = spawnSync(bin, ["generate", example, "-o", join(example, "lock.nix"), "--offline", "--check"], { encoding: "utf8", env });
    expect(result.status, result.stderr).toBe(0);
    // Printed from the example's folder, so its relative paths are the committed file's.
    const fresh = spawnSync(bin, ["generate", example, "--offline"], { encoding: "utf8", env, cwd: example });
    expect(fresh.status, fresh.stderr).toBe(0);
    expect(fresh.stdout).toBe(readFileSync(join(ROOT, "examples", "poetry-app", "lock.nix"), "utf8"));
  });
});
