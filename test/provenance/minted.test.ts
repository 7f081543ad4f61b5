import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { toTrustMaterial } from "@sigstore/verify";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { generate } from "../../src/generate.js";
import { loadTrustMaterial, verifyAttestation, type Attestation } from "../../src/provenance/verify.js";
import { startIndexServer, type IndexFile, type IndexServer } from "../support/index-server.js";
import { pylockFor } from "../support/provenance-fixtures.js";
import { mintSigstore, type MintPublisher } from "../support/sigstore-mint.js";
import { tempDir } from "../helpers.js";

// A Sigstore instance minted by the test (test/support/sigstore-mint.ts): these need nothing beside the checkout.
const sigstore = mintSigstore();
const FILE = "alpha-1.0.tar.gz";
const SHA = "ab".repeat(32);
const A: MintPublisher = { kind: "GitHub", repository: "acme/alpha", workflow: "release.yml" };
const B: MintPublisher = { kind: "GitHub", repository: "mallory/alpha", workflow: "release.yml" };
const first = (prov: Record<string, unknown>) => {
  const bundle = (prov["attestation_bundles"] as Array<{ publisher: never; attestations: Attestation[] }>)[0]!;
  return { att: bundle.attestations[0]!, publisher: bundle.publisher };
};

describe("a minted trust root", () => {
  it("verifies what it signed with @sigstore/verify's default thresholds, and nothing else's root does", () => {
    const { att, publisher } = first(sigstore.provenance({ filename: FILE, sha256: SHA, publisher: A, commit: "c".repeat(40) }));
    const opts = { filename: FILE, sha256: SHA, publisher, pkg: "alpha" };
    expect(verifyAttestation(att, { ...opts, trust: toTrustMaterial(TrustedRoot.fromJSON(sigstore.trustedRoot)) })).toEqual({
      predicateType: "https://docs.pypi.org/attestations/publish/v1",
      commit: "c".repeat(40),
      logIndex: expect.stringMatching(/^\d+$/),
    });
    expect(() => verifyAttestation(att, { ...opts, trust: loadTrustMaterial() })).toThrow(/provenance of alpha-1\.0\.tar\.gz does not verify/);
    expect(() => verifyAttestation(att, { ...opts, trust: toTrustMaterial(TrustedRoot.fromJSON(mintSigstore().trustedRoot)) })).toThrow(/does not verify/);
  });
});

describe("two generations against a loopback index, verified under --trusted-root", () => {
  const servers: IndexServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const root = () => {
    const file = join(tempDir(), "trusted_root.json");
    writeFileSync(file, JSON.stringify(sigstore.trustedRoot));
    return file;
  };
  const indexFile = (publisher: MintPublisher): IndexFile => ({
    name: "alpha",
    version: "1.0",
    filename: FILE,
    content: Buffer.from("stand-in"),
    sha256: SHA,
    provenance: sigstore.provenance({ filename: FILE, sha256: SHA, publisher }),
  });

  it("the publisher changed between them: audit --previous finds it (high), and --fail-on high fails", async () => {
    const trustedRoot = root();
    const before = await startIndexServer({ files: [indexFile(A)] });
    servers.push(before);
    const lock = pylockFor(before, [indexFile(A)]);
    const out = join(tempDir(), "lock.nix");
    const gen1 = await generate({ path: lock, output: out, cacheDir: tempDir(), python: "3.11", systems: ["x86_64-linux"], inspect: false, trustedRoot });
    expect(gen1.provenance.get("alpha")?.publisher).toEqual({ kind: "GitHub", repository: "acme/alpha", workflow: "release.yml" });
    writeFileSync(out, gen1.nix);
    // The same file, now served with provenance another repository's workflow signed.
    const after = await startIndexServer({ files: [indexFile(B)] });
    servers.push(after);
    const lock2 = pylockFor(after, [indexFile(B)]);
    let stdout = "";
    const env = process.env;
    process.env = { ...env, XDG_CACHE_HOME: tempDir() };
    try {
      const osv = tempDir();
      writeFileSync(join(osv, "PYSEC-0000-0.json"), JSON.stringify({ id: "PYSEC-0000-0", affected: [{ package: { ecosystem: "PyPI", name: "unrelated" }, versions: ["1.0"] }] }));
      const argv = ["audit", lock2, "--previous", out, "--trusted-root", trustedRoot, "--osv-db", osv, "--output-format", "json", "--fail-on", "high"];
      const code = await main(argv, { stdout: (t) => (stdout += t), stderr: () => {} });
      const findings = (JSON.parse(stdout) as { findings: Array<Record<string, string>> }).findings.filter((f) => f["kind"] === "provenance");
      expect(findings).toEqual([
        expect.objectContaining({
          severity: "high",
          package: "alpha",
          message: "published by GitHub mallory/alpha (release.yml); the previous generation (1.0) recorded GitHub acme/alpha (release.yml)",
        }),
      ]);
      expect(code).toBe(1);
    } finally {
      process.env = env;
    }
  });

  it("each Integrity API answer gets its status, and a warm --offline run verifies from the cache alone", async () => {
    const trustedRoot = root();
    const path = `/integrity/alpha/1.0/${FILE}/provenance`;
    const statuses: Record<number, string> = { 404: "none", 403: "unavailable", 406: "unavailable", 200: "verified" };
    for (const [code, status] of Object.entries(statuses)) {
      const server = await startIndexServer({ files: [indexFile(A)], faults: (req) => (req.path === path && code !== "200" ? { status: Number(code) } : undefined) });
      servers.push(server);
      const cacheDir = tempDir();
      const options = { path: pylockFor(server, [indexFile(A)]), cacheDir, python: "3.11", systems: ["x86_64-linux" as const], inspect: false, trustedRoot };
      expect([code, (await generate(options)).provenance.get("alpha")?.status]).toEqual([code, status]);
      if (code !== "200") continue;
      const asked = server.requests.length;
      expect((await generate({ ...options, offline: true })).provenance.get("alpha")?.status).toBe("verified");
      expect(server.requests.length).toBe(asked);
    }
  });

  it("a warm run takes a verified file's verdict from the cache folder, not from verifying again; another root misses it", async () => {
    const trustedRoot = root();
    const server = await startIndexServer({ files: [indexFile(A)] });
    servers.push(server);
    const cacheDir = tempDir();
    const options = { path: pylockFor(server, [indexFile(A)]), cacheDir, python: "3.11", systems: ["x86_64-linux" as const], inspect: false, trustedRoot };
    expect((await generate(options)).provenance.get("alpha")?.logIndex).toMatch(/^\d+$/);
    const dir = join(cacheDir, "provenance");
    const [entry, ...more] = readdirSync(dir);
    expect(more).toEqual([]);
    // Marked, to tell a remembered verdict from a new verification.
    writeFileSync(join(dir, entry!), JSON.stringify({ logIndex: "remembered" }));
    expect((await generate(options)).provenance.get("alpha")?.logIndex).toBe("remembered");
    const other = join(tempDir(), "root.json");
    writeFileSync(other, JSON.stringify(mintSigstore().trustedRoot));
    await expect(generate({ ...options, trustedRoot: other })).rejects.toThrow(/does not verify/);
  });

  it("without --trusted-root the minted provenance is refused against Sigstore's production root", async () => {
    const server = await startIndexServer({ files: [indexFile(A)] });
    servers.push(server);
    await expect(
      generate({ path: pylockFor(server, [indexFile(A)]), cacheDir: tempDir(), python: "3.11", systems: ["x86_64-linux"], inspect: false }),
    ).rejects.toThrow(/provenance of alpha-1\.0\.tar\.gz does not verify/);
  });
});
