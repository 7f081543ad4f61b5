/**
 * The provenance of every pinned file: fetched (fetch.ts), verified (verify.ts), and summed up per
 * package as generate's --json, the SBOM, the Nix file's passthru and audit read it.
 */
import type { TrustMaterial } from "@sigstore/verify";
import { Lock2nixError } from "../errors.js";
import type { IndexFile, IndexLocation } from "../index/types.js";
import { type DocumentClient, fetchProvenance, provenanceUrl } from "./fetch.js";
import { VerifiedMemo } from "./memo.js";
import { ProvenanceError, trustedRootBytes } from "./root.js";

// The Sigstore libraries are loaded only when something is to be verified: a warm run (verdicts
// remembered) and a run without provenance do not pay for loading them.
type Verify = typeof import("./verify.js");
let verifyModule: Promise<Verify> | undefined;
const loadVerify = (): Promise<Verify> => (verifyModule ??= import("./verify.js"));

export type ProvenanceStatus = "verified" | "none" | "unavailable" | "failed";

/** The publisher as recorded: what identifies a release workflow. */
export interface PublisherRecord {
  kind: string;
  repository?: string;
  workflow?: string;
  environment?: string;
}

/** One pinned file's provenance. */
export interface FileProvenance {
  filename: string;
  status: ProvenanceStatus;
  publisher?: PublisherRecord;
  /** The source commit the certificate names (Fulcio's Source Repository Digest). */
  commit?: string;
  /** The transparency-log index of the first attestation. */
  logIndex?: string;
  /** Why it is unavailable or failed. */
  reason?: string;
  /** Unattested: the newest earlier release the index page shows attested. */
  lastAttested?: string;
}

/** A package's provenance: the weakest status of its pinned files, and the first verified one's publisher. */
export interface PackageProvenance {
  status: ProvenanceStatus;
  publisher?: PublisherRecord;
  commit?: string;
  logIndex?: string;
  files: FileProvenance[];
}

/** A file generate pins, as the index listed it. */
export interface ProvenanceTarget {
  name: string;
  version: string;
  index: IndexLocation;
  file: IndexFile;
  /** The pinned sha256 (the lock's, else the index's). */
  sha256: string;
}

/** Called with each verified file's publisher, or none for an unattested file: why it is refused, if it is (pylock.toml's attestation-identities). */
export type IdentityCheck = (target: ProvenanceTarget, publisher: PublisherRecord | undefined) => string | undefined;

export interface CheckOptions {
  client: DocumentClient;
  /** A trusted_root.json; default Sigstore's production root in data/sigstore/. */
  trustedRoot?: string;
  /** lock2nix's cache folder: verified provenance is remembered under `provenance/`. */
  cacheDir?: string;
  warnings: string[];
  identity?: IdentityCheck;
}

// Weakest first: a package is only as attested as its least attested file.
const ORDER: readonly ProvenanceStatus[] = ["failed", "unavailable", "none", "verified"];

function record(pub: { kind: string; repository?: string; workflow?: string; workflow_filepath?: string; environment?: string | null; email?: string }): PublisherRecord {
  const workflow = pub.workflow ?? pub.workflow_filepath;
  const repository = pub.repository ?? pub.email;
  return {
    kind: pub.kind,
    ...(repository ? { repository } : {}),
    ...(workflow ? { workflow } : {}),
    ...(pub.environment ? { environment: pub.environment } : {}),
  };
}

/** Fetches and verifies one file's provenance; a verification failure is a `failed` record, not a throw. */
async function checkFile(target: ProvenanceTarget, options: CheckOptions, trust: (v: Verify) => TrustMaterial, memo: VerifiedMemo): Promise<FileProvenance> {
  const { name, version, index, file } = target;
  const base = { filename: file.filename };
  const unattested = { ...base, status: "none" as const, ...(file.lastAttested ? { lastAttested: file.lastAttested } : {}) };
  const none = (): FileProvenance => {
    const refused = options.identity?.(target, undefined);
    return refused ? { ...base, status: "failed", reason: refused } : unattested;
  };
  const url = provenanceUrl(index, name, version, file);
  if (!url) return none();
  const fetched = await fetchProvenance(options.client, index, url, `provenance of ${file.filename}`);
  if (fetched.kind === "none") return none();
  if (fetched.kind === "unavailable") {
    if (fetched.warn) options.warnings.push(`${name} ${version}: provenance of ${file.filename} is unavailable (${fetched.reason}); it was not verified`);
    return { ...base, status: "unavailable", reason: fetched.reason };
  }
  const bundles = fetched.object.attestation_bundles;
  const first = bundles[0];
  if (!first) return none();
  try {
    const key = memo.key(fetched.object, file.filename, target.sha256);
    let verified = memo.get(key);
    if (!verified) {
      const v = await loadVerify();
      for (const bundle of bundles) {
        for (const att of bundle.attestations) {
          const one = v.verifyAttestation(att, { trust: trust(v), filename: file.filename, sha256: target.sha256, publisher: bundle.publisher, pkg: name });
          verified ??= { ...(one.commit ? { commit: one.commit } : {}), ...(one.logIndex ? { logIndex: one.logIndex } : {}) };
        }
      }
      memo.put(key, verified ?? {});
    }
    const publisher = record(first.publisher);
    const refused = options.identity?.(target, publisher);
    if (refused) return { ...base, status: "failed", publisher, reason: refused };
    return { ...base, status: "verified", publisher, ...(verified?.commit ? { commit: verified.commit } : {}), ...(verified?.logIndex ? { logIndex: verified.logIndex } : {}) };
  } catch (err) {
    if (!(err instanceof ProvenanceError)) throw err;
    return { ...base, status: "failed", reason: err.message };
  }
}

/**
 * Checks started as each pinned file becomes known (while other lookups and downloads go on),
 * each file once; `results` waits for them all.
 */
export class ProvenanceChecks {
  private readonly pending = new Map<string, Promise<readonly [string, FileProvenance]>>();
  private material: TrustMaterial | undefined;
  private rootBytes: Buffer | undefined;
  private readonly memo: VerifiedMemo;

  constructor(private readonly options: CheckOptions) {
    this.memo = new VerifiedMemo(options.cacheDir, () => (this.rootBytes ??= trustedRootBytes(options.trustedRoot)));
  }

  /** Loaded once, and only when something is to be verified. */
  private readonly trust = (v: Verify): TrustMaterial => (this.material ??= v.loadTrustMaterial(this.options.trustedRoot));

  add(target: ProvenanceTarget): void {
    const key = `${target.name} ${target.file.filename}`;
    if (this.pending.has(key)) return;
    const check = checkFile(target, this.options, this.trust, this.memo).then((f) => [target.name, f] as const);
    // A run that fails elsewhere first still waits for it (settle), and does not leave it unhandled.
    check.catch(() => {});
    this.pending.set(key, check);
  }

  /** Waits for every check started, however it ends: no request outlives the run. */
  async settle(): Promise<void> {
    await Promise.allSettled(this.pending.values());
  }

  /** Every target's provenance, by package name; files sorted by name so records are stable. */
  async results(): Promise<Map<string, PackageProvenance>> {
    const results = await Promise.all(this.pending.values());
    const byPackage = new Map<string, FileProvenance[]>();
    for (const [name, f] of results) byPackage.set(name, [...(byPackage.get(name) ?? []), f]);
    const out = new Map<string, PackageProvenance>();
    for (const name of [...byPackage.keys()].sort()) {
      const files = (byPackage.get(name) ?? []).sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
      const status = ORDER.find((s) => files.some((f) => f.status === s)) ?? "none";
      const v = files.find((f) => f.status === "verified");
      out.set(name, {
        status,
        ...(v?.publisher ? { publisher: v.publisher } : {}),
        ...(v?.commit ? { commit: v.commit } : {}),
        ...(v?.logIndex ? { logIndex: v.logIndex } : {}),
        files,
      });
    }
    return out;
  }
}

/** Every target's provenance, by package name. */
export function checkProvenance(targets: ProvenanceTarget[], options: CheckOptions): Promise<Map<string, PackageProvenance>> {
  const checks = new ProvenanceChecks(options);
  for (const t of targets) checks.add(t);
  return checks.results();
}

/** The first failed file, as the error that stops generate (like a hash mismatch). */
export function failureOf(provenance: Map<string, PackageProvenance>, lockFile: string): Lock2nixError | undefined {
  for (const [name, p] of provenance) {
    const f = p.files.find((x) => x.status === "failed");
    if (f) {
      const why = f.reason?.startsWith("provenance of ") ? f.reason : `provenance of ${f.filename} does not verify: ${f.reason ?? "unknown"}`;
      return new ProvenanceError(`${why}; refusing to go on`, { file: lockFile, package: name });
    }
  }
  return undefined;
}
