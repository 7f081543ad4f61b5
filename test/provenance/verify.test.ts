import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type Attestation, loadTrustMaterial, verifyAttestation } from "../../src/provenance/verify.js";
import type { Publisher } from "../../src/provenance/identity.js";
import { SHARED_SKIP_REASON } from "../helpers.js";

// Real attestations as PyPI serves them (../shared/provenance/README.md), checked offline against
// Sigstore's production root in data/sigstore/.
const DIR = new URL("../../../shared/provenance/", import.meta.url);
const read = (rel: string) => JSON.parse(readFileSync(new URL(rel, DIR), "utf8"));
const sums = new Map<string, string>();
// Read only where ../shared is there (a fresh clone skips the tests below).
for (const f of SHARED_SKIP_REASON ? [] : ["pypi-attestations/SHA256SUMS", "warehouse/SHA256SUMS"]) {
  for (const line of readFileSync(new URL(f, DIR), "utf8").trim().split("\n")) {
    const [sha, name] = line.split(/\s+/);
    if (sha && name) sums.set(name, sha);
  }
}
const trust = loadTrustMaterial();
const GH: Publisher = { kind: "GitHub", repository: "trailofbits/pypi-attestations", workflow: "release.yml" };
const FILE = "pypi_attestations-0.0.19.tar.gz";
const opts = (filename: string, publisher: Publisher) => ({ trust, filename, sha256: sums.get(filename) ?? "", publisher, pkg: "p" });

describe.skipIf(SHARED_SKIP_REASON)("verifyAttestation with the production root", () => {
  it("verifies the real GitHub provenance object and reads commit and log index", () => {
    const prov = read(`pypi-attestations/${FILE}.provenance`);
    const bundle = prov.attestation_bundles[0];
    for (const att of bundle.attestations as Attestation[]) {
      const v = verifyAttestation(att, opts(FILE, bundle.publisher));
      expect(v.predicateType).toBe("https://docs.pypi.org/attestations/publish/v1");
      expect(v.commit).toMatch(/^[0-9a-f]{40}$/);
      expect(v.logIndex).toBe("153454663");
    }
  });

  it("verifies the SLSA attestation", () => {
    expect(verifyAttestation(read(`pypi-attestations/${FILE}.slsa.attestation`), opts(FILE, GH)).predicateType).toBe(
      "https://slsa.dev/provenance/v1",
    );
  });

  it("verifies the GitLab attestation", () => {
    const name = "gitlab_oidc_project-0.0.3.tar.gz";
    const pub: Publisher = { kind: "GitLab", repository: "facutuesca/gitlab-oidc-project", workflow_filepath: ".gitlab-ci.yml" };
    const att = read(`pypi-attestations/${name}.publish.attestation`);
    expect(() => verifyAttestation(att, opts(name, pub))).not.toThrow();
  });

  it("refuses staging-signed attestations", () => {
    const name = "rfc8785-0.1.2-py3-none-any.whl";
    const pub: Publisher = { kind: "GitHub", repository: "trailofbits/rfc8785.py", workflow: "release.yml" };
    expect(() => verifyAttestation(read(`pypi-attestations/${name}.publish.attestation`), opts(name, pub))).toThrow(
      /provenance of rfc8785-0\.1\.2-py3-none-any\.whl does not verify/,
    );
  });

  it("refuses a tampered statement, a wrong digest, a wrong file name and a wrong publisher", () => {
    const att = read(`pypi-attestations/${FILE}.publish.attestation`) as Attestation;
    const stmt = JSON.parse(Buffer.from(att.envelope.statement, "base64").toString());
    stmt.subject[0].digest.sha256 = "0".repeat(64);
    const tampered = { ...att, envelope: { ...att.envelope, statement: Buffer.from(JSON.stringify(stmt)).toString("base64") } };
    expect(() => verifyAttestation(tampered, opts(FILE, GH))).toThrow(/does not verify/);
    expect(() => verifyAttestation(att, { ...opts(FILE, GH), sha256: "1".repeat(64) })).toThrow(/sha256 is not the pinned one/);
    expect(() => verifyAttestation(att, { ...opts(FILE, GH), filename: "other-0.0.19.tar.gz" })).toThrow(/subject names/);
    expect(() => verifyAttestation(att, opts(FILE, { ...GH, repository: "evil/pypi-attestations" }))).toThrow(
      /signed for https:\/\/github.com\/trailofbits\/pypi-attestations, publisher is evil/,
    );
    expect(() => verifyAttestation(att, opts(FILE, { ...GH, workflow: "other.yml" }))).toThrow(/workflow release\.yml/);
  });
});
