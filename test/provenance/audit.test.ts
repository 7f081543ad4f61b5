import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { failsOn, type Finding } from "../../src/audit/index.js";
import { main } from "../../src/cli/main.js";
import { generate } from "../../src/generate.js";
import { startIndexServer, type IndexFile, type IndexServer } from "../support/index-server.js";
import { attestedFile, pylockFor, pypiAttestationsProvenance } from "../support/provenance-fixtures.js";
import { SHARED_SKIP_REASON, tempDir } from "../helpers.js";

// lock2nix audit's provenance findings against a loopback index serving the real fixtures.
const PA = "pypi_attestations-0.0.19.tar.gz";
const servers: IndexServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function audit(args: string[]): Promise<{ code: number; findings: Array<Record<string, string>> }> {
  let stdout = "";
  const env = process.env;
  process.env = { ...env, XDG_CACHE_HOME: tempDir() };
  try {
    let stderr = "";
    // An OSV export with one unrelated advisory: OSV is not what these tests are about, and no network.
    const osv = tempDir();
    writeFileSync(join(osv, "PYSEC-0000-0.json"), JSON.stringify({ id: "PYSEC-0000-0", affected: [{ package: { ecosystem: "PyPI", name: "unrelated" }, versions: ["1.0"] }] }));
    const code = await main(["audit", ...args, "--output-format", "json", "--osv-db", osv], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    if (!stdout) throw new Error(`audit printed nothing: ${stderr}`);
    return { code, findings: (JSON.parse(stdout) as { findings: Array<Record<string, string>> }).findings.filter((f) => f["kind"] === "provenance") };
  } finally {
    process.env = env;
  }
}

describe.skipIf(SHARED_SKIP_REASON)("lock2nix audit: provenance", () => {
  const attested = () => attestedFile("pypi-attestations", "0.0.19", PA, pypiAttestationsProvenance());

  it("an unattested release whose predecessor on the page is attested: high, and --fail-on high fails", async () => {
    const bare: IndexFile = { ...attested(), provenance: undefined };
    const older: IndexFile = { name: "pypi-attestations", version: "0.0.18", filename: "pypi_attestations-0.0.18.tar.gz", content: Buffer.from("0.0.18"), provenance: pypiAttestationsProvenance() };
    const server = await startIndexServer({ files: [older, bare] });
    servers.push(server);
    const lock = pylockFor(server, [bare]);
    const { code, findings } = await audit([lock, "--fail-on", "high"]);
    expect(findings).toEqual([
      expect.objectContaining({
        severity: "high",
        package: "pypi-attestations",
        version: "0.0.19",
        message: "no attestation, while release 0.0.18 on the same index has one: uploaded outside the project's release workflow?",
      }),
    ]);
    expect(code).toBe(1);
    expect((await audit([lock, "--fail-on", "critical"])).code).toBe(0);
  });

  it("a verified file's publisher that is not the one the previous generation recorded: high", async () => {
    const file = attested();
    const server = await startIndexServer({ files: [file] });
    servers.push(server);
    const lock = pylockFor(server, [file]);
    const out = join(tempDir(), "lock.nix");
    const { nix } = await generate({ path: lock, output: out, cacheDir: tempDir(), python: "3.11", systems: ["x86_64-linux"], inspect: false });
    writeFileSync(out, nix);
    // Unchanged: nothing but the verified status.
    expect(await audit([lock, "--previous", out])).toEqual({ code: 0, findings: [] });
    // What a generation made when another repository's workflow published the package recorded.
    writeFileSync(out, readFileSync(out, "utf8").replace('repository = "trailofbits/pypi-attestations";', 'repository = "someone/else";'));
    const { code, findings } = await audit([lock, "--previous", out]);
    expect(findings).toEqual([
      expect.objectContaining({
        severity: "high",
        message: "published by GitHub trailofbits/pypi-attestations (release.yml); the previous generation (0.0.19) recorded GitHub someone/else (release.yml)",
      }),
    ]);
    expect(code).toBe(1);
  });

  it("no attestation at all is an info finding, which no --fail-on level fails on", async () => {
    const bare: IndexFile = { ...attested(), provenance: undefined };
    const server = await startIndexServer({ files: [bare] });
    servers.push(server);
    // The loopback index is plain http and not PyPI, which are findings of their own: only the provenance ones are judged here.
    const { findings } = await audit([pylockFor(server, [bare]), "--fail-on", "low"]);
    expect(findings).toEqual([expect.objectContaining({ severity: "info", message: "its files carry no PEP 740 attestation" })]);
    expect(failsOn(findings as unknown as Finding[], "low")).toBe(false);
  });
});
