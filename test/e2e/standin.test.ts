import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { NIX_SKIP_REASON } from "../helpers.js";

/**
 * The stand-in for nixpkgs must be as strict as nixpkgs where the generated
 * code could go wrong: test/nix/selfcheck.sh builds real packages with it and
 * checks its guard rails (unknown arguments, pyproject with format, version
 * mismatch, runtime-dependency and conflict checks, hash mismatch).
 */
describe.skipIf(NIX_SKIP_REASON)("the stand-in for nixpkgs", () => {
  it("passes its self-check", async () => {
    const child = spawn("bash", [join(import.meta.dirname, "..", "nix", "selfcheck.sh")], { stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    child.stdout.on("data", (d: Buffer) => (log += d.toString()));
    child.stderr.on("data", (d: Buffer) => (log += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code, log).toBe(0);
  }, 600_000);
});
