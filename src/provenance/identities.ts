/**
 * PEP 751 `attestation-identities`: a pylock.toml records the Trusted Publishers whose attestations
 * the locker saw for a package's files. Each is a table shaped as PEP 740's publisher object
 * (`kind`, then kind-specific keys); a file must be attested by a publisher matching one of them.
 */
import type { Lock } from "../model.js";
import type { IdentityCheck, PublisherRecord } from "./check.js";

// The record's field each publisher key is compared with (check.ts stores GitLab's
// workflow_filepath as workflow, Google's email as repository).
const FIELD: Record<string, keyof PublisherRecord> = {
  repository: "repository",
  workflow: "workflow",
  workflow_filepath: "workflow",
  email: "repository",
  environment: "environment",
};

/** Every key the identity gives equals the publisher's; repository and kind compare case-insensitively, as GitHub and GitLab names do. */
function matches(identity: Record<string, string>, pub: PublisherRecord): boolean {
  return Object.entries(identity).every(([key, value]) => {
    if (key === "kind") return value.toLowerCase() === pub.kind.toLowerCase();
    const field = FIELD[key];
    // A key lock2nix does not know cannot be checked: it does not make the identity match anything.
    if (!field) return false;
    const actual = pub[field] ?? "";
    return field === "repository" ? actual.toLowerCase() === value.toLowerCase() : actual === value;
  });
}

const describe = (identity: Record<string, string>): string =>
  Object.keys(identity)
    .sort()
    .map((k) => `${k}=${identity[k]}`)
    .join(" ");

/** The check for a lock's identities; undefined when it records none. */
export function identityCheckFor(lock: Lock): IdentityCheck | undefined {
  const byRelease = new Map(lock.packages.filter((p) => p.attestationIdentities?.length).map((p) => [`${p.name} ${p.version}`, p.attestationIdentities ?? []]));
  if (byRelease.size === 0) return undefined;
  return (target, publisher) => {
    const identities = byRelease.get(`${target.name} ${target.version}`);
    if (!identities) return undefined;
    const wanted = identities.map(describe).join("; ");
    if (!publisher) return `the lock's attestation-identities (${wanted}) say it was attested, and the index serves no attestation for it`;
    if (identities.some((i) => matches(i, publisher))) return undefined;
    const got = describe({ kind: publisher.kind, ...(publisher.repository ? { repository: publisher.repository } : {}), ...(publisher.workflow ? { workflow: publisher.workflow } : {}) });
    return `attested by ${got}, which none of the lock's attestation-identities (${wanted}) matches`;
  };
}
