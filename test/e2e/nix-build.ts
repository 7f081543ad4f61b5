import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { generate } from "../../src/generate.js";
import { tempDir } from "../helpers.js";

export const STAND_IN = join(import.meta.dirname, "..", "nix", "nixpkgs");

/** The sandbox as NIXPKGS.md describes it for these machines: on, with Debian's tools reachable. */
const SANDBOX = [
  "--option", "sandbox", "true",
  "--option", "sandbox-paths", "/bin /usr /lib /lib64 /etc/alternatives",
  "--option", "substituters", "",
];

export interface BuildResult {
  ok: boolean;
  /** The output path, when it built. */
  out: string;
  log: string;
}

/**
 * `nix-build FILE -A ATTR` with the stand-in for nixpkgs, in the sandbox.
 * Asynchronous on purpose: Nix fetches from the index server that runs in
 * this very process, which a synchronous spawn would starve.
 */
export function nixBuild(file: string, attr: string, options: { overrides?: string; outLink: string }): Promise<BuildResult> {
  const args = [file, "-A", attr, "--arg", "pkgs", `import ${STAND_IN} { }`, "-o", options.outLink, ...SANDBOX];
  if (options.overrides) args.push("--arg", "overrides", options.overrides);
  const child = spawn("nix-build", args, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => {
    child.on("close", (code) => resolve({ ok: code === 0, out: stdout.trim(), log: `${stdout}\n${stderr}` }));
  });
}

export function runPython(env: string, code: string): { ok: boolean; output: string } {
  const res = spawnSync(join(env, "bin", "python"), ["-c", code], { encoding: "utf8" });
  return { ok: res.status === 0, output: `${res.stdout}${res.stderr}` };
}

/** The machine's own Linux system: the only one the stand-in builds for. */
export const NATIVE_SYSTEM = process.arch === "arm64" ? "aarch64-linux" : "x86_64-linux";

/** Generates `dir`'s lock for python 3.11 on this system into `dir/lock.nix`, with these override files. */
export async function generateInto(dir: string, overrides: string[]): Promise<string> {
  const out = join(dir, "lock.nix");
  const { nix } = await generate({ path: dir, output: out, python: "3.11", systems: [NATIVE_SYSTEM], cacheDir: tempDir(), overrides });
  writeFileSync(out, nix);
  return out;
}
