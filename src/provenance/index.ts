/** What generate and audit call: provenance of the pinned files, when the client can fetch it. */
import type { IndexClient } from "../index/types.js";
import { checkProvenance, failureOf, type IdentityCheck, type PackageProvenance, type ProvenanceTarget } from "./check.js";
import type { DocumentClient } from "./fetch.js";

export type { FileProvenance, PackageProvenance, ProvenanceStatus, ProvenanceTarget, PublisherRecord } from "./check.js";

const fetchesDocuments = (client: IndexClient): client is IndexClient & DocumentClient =>
  typeof (client as Partial<DocumentClient>).document === "function";

/**
 * Checks every pinned file and throws the first verification failure, naming package and file.
 * A client that cannot fetch documents (a test's fake index) checks nothing.
 */
export async function provenanceOf(
  targets: ProvenanceTarget[],
  client: IndexClient,
  lockFile: string,
  options: { warnings: string[]; trustedRoot?: string; identity?: IdentityCheck; cacheDir?: string },
): Promise<Map<string, PackageProvenance>> {
  if (targets.length === 0 || !fetchesDocuments(client)) return new Map();
  const found = await checkProvenance(targets, { client, ...options });
  const failed = failureOf(found, lockFile);
  if (failed) throw failed;
  return found;
}
