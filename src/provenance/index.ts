/** What generate and audit call: provenance of the pinned files, when the client can fetch it. */
import type { IndexClient } from "../index/types.js";
import { failureOf, ProvenanceChecks, type CheckOptions, type PackageProvenance } from "./check.js";
import type { DocumentClient } from "./fetch.js";

export type { FileProvenance, PackageProvenance, ProvenanceStatus, ProvenanceTarget, PublisherRecord } from "./check.js";

const fetchesDocuments = (client: IndexClient): client is IndexClient & DocumentClient =>
  typeof (client as Partial<DocumentClient>).document === "function";

/** Checks to add pinned files to as they are located; undefined when the client cannot fetch documents (a test's fake index). */
export function startProvenance(client: IndexClient, options: Omit<CheckOptions, "client">): ProvenanceChecks | undefined {
  return fetchesDocuments(client) ? new ProvenanceChecks({ client, ...options }) : undefined;
}

/** Waits for every check and throws the first verification failure, naming package and file (like a hash mismatch). */
export async function finishProvenance(checks: ProvenanceChecks | undefined, lockFile: string): Promise<Map<string, PackageProvenance>> {
  if (!checks) return new Map();
  const found = await checks.results();
  const failed = failureOf(found, lockFile);
  if (failed) throw failed;
  return found;
}
