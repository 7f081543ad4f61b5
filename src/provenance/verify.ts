/**
 * Verification of one PEP 740 attestation (as PyPI's Integrity API serves it) against a Sigstore
 * trusted root, offline, plus the checks the Sigstore library does not make: one subject whose
 * name and sha256 are the pinned file's, a known predicate type, and a certificate identity that
 * matches the publisher (pypi-attestations' rules).
 */
import { bundleFromJSON } from "@sigstore/bundle";
import { X509Certificate } from "@sigstore/core";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { Verifier, toSignedEntity, toTrustMaterial, type TrustMaterial } from "@sigstore/verify";
import { ProvenanceError, trustedRootBytes, trustedRootPath } from "./root.js";
import { extensionText, matchPublisher, type Publisher, SOURCE_DIGEST_OID } from "./identity.js";

export { ProvenanceError, trustedRootBytes } from "./root.js";

export const PREDICATE_TYPES: readonly string[] = [
  "https://docs.pypi.org/attestations/publish/v1",
  "https://slsa.dev/provenance/v1",
];

/** The attestation object of PEP 740 (version 1). */
export interface Attestation {
  version: number;
  verification_material: { certificate: string; transparency_entries: unknown[] };
  envelope: { statement: string; signature: string };
}

/** What a verified attestation tells. */
export interface VerifiedAttestation {
  predicateType: string;
  commit?: string;
  logIndex?: string;
}

/** Trust material from a trusted_root.json; the production root shipped in data/ by default. */
export function loadTrustMaterial(file?: string): TrustMaterial {
  let json: unknown;
  try {
    json = JSON.parse(trustedRootBytes(file).toString("utf8"));
    return toTrustMaterial(TrustedRoot.fromJSON(json));
  } catch (e) {
    if (e instanceof ProvenanceError) throw e;
    throw new ProvenanceError(`cannot read the trusted root: ${(e as Error).message}`, { file: trustedRootPath(file) });
  }
}

/** Sigstore bundle v0.3 from PEP 740's attestation shape (one DSSE envelope, leaf certificate). */
function toBundle(att: Attestation): unknown {
  return {
    mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
    verificationMaterial: {
      certificate: { rawBytes: att.verification_material.certificate },
      tlogEntries: att.verification_material.transparency_entries,
    },
    dsseEnvelope: {
      payload: att.envelope.statement,
      payloadType: "application/vnd.in-toto+json",
      signatures: [{ sig: att.envelope.signature, keyid: "" }],
    },
  };
}

/** Options of verifyAttestation. */
export interface VerifyOptions {
  trust: TrustMaterial;
  /** The pinned file's name and sha256 (hex). */
  filename: string;
  sha256: string;
  publisher: Publisher;
  /** The package, for error messages. */
  pkg: string;
}

/** Verifies one attestation; throws ProvenanceError naming the package and file on any failure. */
export function verifyAttestation(att: Attestation, opts: VerifyOptions): VerifiedAttestation {
  const fail = (why: string): never => {
    throw new ProvenanceError(`provenance of ${opts.filename} does not verify: ${why}`, { package: opts.pkg });
  };
  if (att?.version !== 1 || typeof att.envelope?.statement !== "string") fail("not a version 1 attestation");
  let cert: X509Certificate;
  try {
    const bundle = bundleFromJSON(toBundle(att));
    new Verifier(opts.trust).verify(toSignedEntity(bundle));
    cert = X509Certificate.parse(Buffer.from(att.verification_material.certificate, "base64"));
  } catch (e) {
    return fail((e as Error).message);
  }
  let statement: { subject?: unknown; predicateType?: unknown };
  try {
    statement = JSON.parse(Buffer.from(att.envelope.statement, "base64").toString("utf8"));
  } catch {
    return fail("the statement is not JSON");
  }
  const subjects = Array.isArray(statement.subject) ? statement.subject : [];
  if (subjects.length !== 1) fail(`${subjects.length} subjects, not one`);
  const subject = subjects[0] as { name?: unknown; digest?: { sha256?: unknown } };
  if (typeof subject.name !== "string" || !sameFile(subject.name, opts.filename)) {
    fail(`its subject names ${JSON.stringify(subject.name)}`);
  }
  if (subject.digest?.sha256 !== opts.sha256.toLowerCase()) fail("its subject's sha256 is not the pinned one");
  const predicateType = String(statement.predicateType);
  if (!PREDICATE_TYPES.includes(predicateType)) fail(`unknown predicate type ${JSON.stringify(predicateType)}`);
  const mismatch = matchPublisher(cert, opts.publisher);
  if (mismatch) fail(mismatch);
  const entry = att.verification_material.transparency_entries[0] as { logIndex?: unknown } | undefined;
  return {
    predicateType,
    commit: extensionText(cert, SOURCE_DIGEST_OID),
    logIndex: typeof entry?.logIndex === "string" ? entry.logIndex : undefined,
  };
}

/** Distribution file names compare after PEP 503 normalization of the project part, as pypi-attestations does. */
function sameFile(a: string, b: string): boolean {
  const norm = (s: string) => {
    const m = /^(.+?)-([^-]+(?:-.+)?)$/.exec(s);
    return m?.[1] && m[2] ? `${m[1].toLowerCase().replace(/[-_.]+/g, "_")}-${m[2]}` : s;
  };
  return norm(a) === norm(b);
}
