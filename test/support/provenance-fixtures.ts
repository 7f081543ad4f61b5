// Real PEP 740 provenance objects (../shared/provenance, as PyPI serves them) for a loopback
// index: each becomes an index file whose reported sha256 is the one its attestation's subject
// names (the distributions themselves are not copied, so the content is a stand-in that nothing downloads).

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SHARED, tempDir } from "../helpers.js";
import type { IndexFile } from "./index-formats.js";
import type { IndexServer } from "./index-server.js";

const read = (rel: string): Record<string, unknown> => JSON.parse(readFileSync(`${SHARED}/provenance/${rel}`, "utf8"));

/** The sha256 the first attestation's subject names. */
export function subjectSha256(provenance: unknown): string {
  const bundles = (provenance as { attestation_bundles: Array<{ attestations: Array<{ envelope: { statement: string } }> }> }).attestation_bundles;
  const statement = JSON.parse(Buffer.from(bundles[0]!.attestations[0]!.envelope.statement, "base64").toString("utf8"));
  return statement.subject[0].digest.sha256 as string;
}

/** pypi-attestations 0.0.19's sdist, GitHub trailofbits/pypi-attestations, release.yml: verifies against the production root. */
export function pypiAttestationsProvenance(): Record<string, unknown> {
  return read("pypi-attestations/pypi_attestations-0.0.19.tar.gz.provenance");
}

/** gitlab-oidc-project 0.0.3's single attestation, in a provenance object with its GitLab publisher. */
export function gitlabProvenance(): Record<string, unknown> {
  return {
    version: 1,
    attestation_bundles: [
      {
        publisher: { kind: "GitLab", repository: "facutuesca/gitlab-oidc-project", workflow_filepath: ".gitlab-ci.yml", environment: null },
        attestations: [read("pypi-attestations/gitlab_oidc_project-0.0.3.tar.gz.publish.attestation")],
      },
    ],
  };
}

/** An index file serving `provenance` for `filename`, reported with its subject's sha256. */
export function attestedFile(name: string, version: string, filename: string, provenance: unknown): IndexFile {
  return { name, version, filename, content: Buffer.from(`stand-in for ${filename}`), sha256: subjectSha256(provenance), provenance };
}

/** A copy with the first attestation's subject digest changed: the signature no longer covers it. */
export function tampered(provenance: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(provenance) as { attestation_bundles: Array<{ attestations: Array<{ envelope: { statement: string } }> }> };
  const att = copy.attestation_bundles[0]!.attestations[0]!;
  const statement = JSON.parse(Buffer.from(att.envelope.statement, "base64").toString("utf8"));
  statement.subject[0].name = statement.subject[0].name.replace(/\.tar\.gz$/, ".tar.gz ");
  att.envelope.statement = Buffer.from(JSON.stringify(statement)).toString("base64");
  return copy as unknown as Record<string, unknown>;
}

/** A pylock.toml pinning each file (sdists) on the loopback index, with optional attestation-identities. */
export function pylockFor(server: IndexServer, files: IndexFile[], identities: Record<string, string> = {}): string {
  const dir = tempDir();
  const blocks = files.map((f) =>
    [
      "[[packages]]",
      `name = "${f.name}"`,
      `version = "${f.version}"`,
      `index = "${server.simpleUrl}"`,
      ...(identities[f.name] ? [`attestation-identities = [${identities[f.name]}]`] : []),
      `sdist = { name = "${f.filename}", url = "${server.fileUrl(f.filename)}", hashes = { sha256 = "${f.sha256}" } }`,
    ].join("\n"),
  );
  writeFileSync(join(dir, "pylock.toml"), `lock-version = "1.0"\ncreated-by = "test"\nrequires-python = ">=3.11"\n\n${blocks.join("\n\n")}\n`);
  return join(dir, "pylock.toml");
}
