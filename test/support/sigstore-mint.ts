// A Sigstore instance of our own for tests: a CA, a transparency log and a CT log, each with a
// fresh P-256 key, and PEP 740 provenance objects they sign for any file and publisher. What it
// mints verifies with @sigstore/verify under `trustedRoot` with the default thresholds (leaf
// certificate chained to the CA with an SCT, a log entry with signed entry timestamp, inclusion
// proof and signed checkpoint, the DSSE signature), and fails under any other root.
//
// DER is written here, minimally, by hand: @sigstore/core re-encodes a certificate's TBS before
// checking its signature and an SCT, so any non-minimal length would break both.

import { createHash, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { json } from "@sigstore/core";

// ---- DER ----

function length(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return [0x80 | bytes.length, ...bytes];
}
const tlv = (tag: number, ...parts: Buffer[]): Buffer => {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag, ...length(body.length)]), body]);
};
const seq = (...parts: Buffer[]) => tlv(0x30, ...parts);
const set = (...parts: Buffer[]) => tlv(0x31, ...parts);
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, "utf8"));
const octets = (b: Buffer) => tlv(0x04, b);
const bits = (b: Buffer) => tlv(0x03, Buffer.from([0]), b);
const TRUE = Buffer.from([0x01, 0x01, 0xff]);
function int(n: number): Buffer {
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  if (bytes.length === 0 || (bytes[0] as number) >= 0x80) bytes.unshift(0);
  return tlv(0x02, Buffer.from(bytes));
}
function oid(text: string): Buffer {
  const [a = 0, b = 0, ...rest] = text.split(".").map(Number);
  const out = [40 * a + b];
  for (const n of rest) {
    const groups: number[] = [];
    for (let v = n; ; v = Math.floor(v / 128)) {
      groups.unshift(v % 128);
      if (v < 128) break;
    }
    out.push(...groups.map((g, i) => (i < groups.length - 1 ? g | 0x80 : g)));
  }
  return tlv(0x06, Buffer.from(out));
}
const utcTime = (d: Date) => tlv(0x17, Buffer.from(`${d.toISOString().slice(2, 19).replace(/[-:T]/g, "")}Z`));
const commonName = (cn: string) => seq(set(seq(oid("2.5.4.3"), utf8(cn))));
const extension = (id: string, value: Buffer, critical = false) => seq(oid(id), ...(critical ? [TRUE] : []), octets(value));
const ECDSA_SHA256 = seq(oid("1.2.840.10045.4.3.2"));

// ---- keys and certificates ----

const p256 = () => generateKeyPairSync("ec", { namedCurve: "P-256" });
const spki = (key: KeyObject) => key.export({ type: "spki", format: "der" });
const sha256 = (...parts: Buffer[]) => createHash("sha256").update(Buffer.concat(parts)).digest();

interface CertOptions {
  serial: number;
  issuer: string;
  subject: string;
  key: KeyObject;
  notBefore: Date;
  notAfter: Date;
  extensions: Buffer[];
}

function tbs(o: CertOptions): Buffer {
  return seq(tlv(0xa0, int(2)), int(o.serial), ECDSA_SHA256, commonName(o.issuer), seq(utcTime(o.notBefore), utcTime(o.notAfter)), commonName(o.subject), spki(o.key), tlv(0xa3, seq(...o.extensions)));
}

const certificate = (tbsDer: Buffer, caKey: KeyObject) => seq(tbsDer, ECDSA_SHA256, bits(sign("sha256", tbsDer, caKey)));

const uint16 = (n: number) => Buffer.from([n >> 8, n & 255]);
const uint64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};

/** A publisher to sign for, as PEP 740's publisher object names it. */
export interface MintPublisher {
  kind: "GitHub" | "GitLab";
  repository: string;
  /** GitHub: the workflow file name; GitLab: the CI file's path. */
  workflow: string;
  environment?: string;
}

export interface MintOptions {
  filename: string;
  sha256: string;
  publisher: MintPublisher;
  commit?: string;
}

export interface MintedSigstore {
  /** A trusted_root.json holding this instance's CA, log and CT log. */
  trustedRoot: Record<string, unknown>;
  /** A PEP 740 provenance object for one file, as the Integrity API serves it. */
  provenance(options: MintOptions): Record<string, unknown>;
}

// Fixed times: what is minted is the same on every run, and Fulcio-like short validity around it.
const ISSUED = new Date("2025-06-01T12:00:00Z");
const LOG_ORIGIN = "rekor.lock2nix.test";

export function mintSigstore(): MintedSigstore {
  const ca = p256();
  const log = p256();
  const ct = p256();
  const caCert = certificate(
    tbs({
      serial: 1,
      issuer: "lock2nix test CA",
      subject: "lock2nix test CA",
      key: ca.publicKey,
      notBefore: new Date("2025-01-01T00:00:00Z"),
      notAfter: new Date("2035-01-01T00:00:00Z"),
      extensions: [extension("2.5.29.19", seq(TRUE), true), extension("2.5.29.15", Buffer.from([0x03, 0x02, 0x01, 0x06]), true)],
    }),
    ca.privateKey,
  );
  const logId = sha256(spki(log.publicKey));
  const ctLogId = sha256(spki(ct.publicKey));
  const key = (k: KeyObject) => ({ rawBytes: spki(k).toString("base64"), keyDetails: "PKIX_ECDSA_P256_SHA_256", validFor: { start: "2025-01-01T00:00:00Z" } });
  const trustedRoot = {
    mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
    tlogs: [{ baseUrl: `https://${LOG_ORIGIN}`, hashAlgorithm: "SHA2_256", publicKey: key(log.publicKey), logId: { keyId: logId.toString("base64") } }],
    certificateAuthorities: [
      { subject: { organization: "lock2nix", commonName: "lock2nix test CA" }, uri: "https://fulcio.lock2nix.test", certChain: { certificates: [{ rawBytes: caCert.toString("base64") }] }, validFor: { start: "2025-01-01T00:00:00Z" } },
    ],
    ctlogs: [{ baseUrl: "https://ct.lock2nix.test", hashAlgorithm: "SHA2_256", publicKey: key(ct.publicKey), logId: { keyId: ctLogId.toString("base64") } }],
    timestampAuthorities: [],
  };
  let serial = 100;

  function leaf(o: MintOptions, leafKey: KeyObject): Buffer {
    const { publisher: p } = o;
    const github = p.kind === "GitHub";
    const host = github ? "github.com" : "gitlab.com";
    // Fulcio's Build Config URI: GitHub `…/.github/workflows/<file>@<ref>`, GitLab `…//<path>@<ref>`.
    const config = github ? `https://github.com/${p.repository}/.github/workflows/${p.workflow}@refs/tags/v1` : `https://gitlab.com/${p.repository}//${p.workflow}@refs/tags/v1`;
    const fulcio = (n: number, v: string) => extension(`1.3.6.1.4.1.57264.1.${n}`, utf8(v));
    const base = {
      serial: ++serial,
      issuer: "lock2nix test CA",
      subject: "",
      key: leafKey,
      notBefore: new Date(ISSUED.getTime() - 60_000),
      notAfter: new Date(ISSUED.getTime() + 600_000),
    };
    const exts = [
      extension("2.5.29.15", Buffer.from([0x03, 0x02, 0x07, 0x80]), true),
      extension("2.5.29.37", seq(oid("1.3.6.1.5.5.7.3.3"))),
      extension("2.5.29.17", seq(tlv(0x86, Buffer.from(config))), true),
      fulcio(8, github ? "https://token.actions.githubusercontent.com" : "https://gitlab.com"),
      fulcio(12, `https://${host}/${p.repository}`),
      fulcio(13, o.commit ?? "0".repeat(40)),
      fulcio(18, config),
    ];
    // RFC 6962 3.2: the SCT signs the certificate without its SCT extension (the last one here).
    const pre = tbs({ ...base, extensions: exts });
    const when = uint64(ISSUED.getTime());
    const signed = Buffer.concat([Buffer.from([0, 0]), when, uint16(1), sha256(spki(ca.publicKey)), Buffer.from([pre.length >> 16, (pre.length >> 8) & 255, pre.length & 255]), pre, uint16(0)]);
    const sig = sign("sha256", signed, ct.privateKey);
    const sct = Buffer.concat([Buffer.from([0]), ctLogId, when, uint16(0), Buffer.from([4, 3]), uint16(sig.length), sig]);
    const list = Buffer.concat([uint16(sct.length + 2), uint16(sct.length), sct]);
    return certificate(tbs({ ...base, extensions: [...exts, extension("1.3.6.1.4.1.11129.2.4.2", octets(list))] }), ca.privateKey);
  }

  function provenance(o: MintOptions): Record<string, unknown> {
    const leafKeys = p256();
    const cert = leaf(o, leafKeys.publicKey);
    const statement = Buffer.from(
      JSON.stringify({
        _type: "https://in-toto.io/Statement/v1",
        subject: [{ name: o.filename, digest: { sha256: o.sha256 } }],
        predicateType: "https://docs.pypi.org/attestations/publish/v1",
        predicate: null,
      }),
    );
    const type = "application/vnd.in-toto+json";
    // DSSE's pre-authentication encoding.
    const pae = Buffer.concat([Buffer.from(`DSSEv1 ${type.length} ${type} ${statement.length} `), statement]);
    const signature = sign("sha256", pae, leafKeys.privateKey);
    const pem = `-----BEGIN CERTIFICATE-----\n${cert.toString("base64").replace(/(.{64})/g, "$1\n")}\n-----END CERTIFICATE-----\n`;
    const body = Buffer.from(
      JSON.stringify({
        apiVersion: "0.0.1",
        kind: "dsse",
        spec: {
          envelopeHash: { algorithm: "sha256", value: sha256(statement, signature).toString("hex") },
          payloadHash: { algorithm: "sha256", value: sha256(statement).toString("hex") },
          signatures: [{ signature: signature.toString("base64"), verifier: Buffer.from(pem).toString("base64") }],
        },
      }),
    );
    const integratedTime = Math.floor(ISSUED.getTime() / 1000);
    const logIndex = serial;
    const set = sign("sha256", Buffer.from(json.canonicalize({ body: body.toString("base64"), integratedTime, logIndex, logID: logId.toString("hex") })), log.privateKey);
    // A log of one entry: the root is the entry's leaf hash, the proof has no hashes.
    const root = sha256(Buffer.from([0]), body);
    const note = `${LOG_ORIGIN}\n1\n${root.toString("base64")}\n`;
    const noteSig = Buffer.concat([logId.subarray(0, 4), sign("sha256", Buffer.from(note), log.privateKey)]);
    const entry = {
      logIndex: String(logIndex),
      logId: { keyId: logId.toString("base64") },
      kindVersion: { kind: "dsse", version: "0.0.1" },
      integratedTime: String(integratedTime),
      inclusionPromise: { signedEntryTimestamp: set.toString("base64") },
      inclusionProof: { logIndex: "0", rootHash: root.toString("base64"), treeSize: "1", hashes: [], checkpoint: { envelope: `${note}\n\u2014 ${LOG_ORIGIN} ${noteSig.toString("base64")}\n` } },
      canonicalizedBody: body.toString("base64"),
    };
    const publisher =
      o.publisher.kind === "GitHub"
        ? { kind: "GitHub", repository: o.publisher.repository, workflow: o.publisher.workflow, environment: o.publisher.environment ?? null }
        : { kind: "GitLab", repository: o.publisher.repository, workflow_filepath: o.publisher.workflow, environment: o.publisher.environment ?? null };
    return {
      version: 1,
      attestation_bundles: [
        {
          publisher,
          attestations: [
            {
              version: 1,
              verification_material: { certificate: cert.toString("base64"), transparency_entries: [entry] },
              envelope: { statement: statement.toString("base64"), signature: signature.toString("base64") },
            },
          ],
        },
      ],
    };
  }

  return { trustedRoot, provenance };
}
