/**
 * PEP 740 provenance objects from an index's Integrity API (docs.pypi.org/api/integrity/), through
 * the index client: the same request slots, cache, retries, deadlines and --offline rule as pages.
 */
import { isTable } from "../formats/fields.js";
import { normalizeName } from "../pep/normalize.js";
import { IndexError } from "../index/http.js";
import { IndexStatusError, OfflineMiss } from "../index/client.js";
import { redactUrl } from "../index/credentials.js";
import { parseJson } from "../index/responses.js";
import type { IndexFile, IndexLocation } from "../index/types.js";
import type { Publisher } from "./identity.js";
import type { Attestation } from "./verify.js";

/** PEP 740's media type for provenance objects; JSON accepted as PyPI accepts it. */
const INTEGRITY_ACCEPT = "application/vnd.pypi.integrity.v1+json, application/json;q=0.9";

/** One attestation bundle: a publisher and what it signed. */
export interface AttestationBundle {
  publisher: Publisher;
  attestations: Attestation[];
}

/** The provenance object, version 1. */
export interface ProvenanceObject {
  version: 1;
  attestation_bundles: AttestationBundle[];
}

/** What fetching gave: the object, none (the index has none), or unavailable and why. */
export type Fetched = { kind: "object"; object: ProvenanceObject } | { kind: "none" } | { kind: "unavailable"; reason: string; warn: boolean };

/** The client side this needs: CachingIndexClient's `document`. */
export interface DocumentClient {
  document(index: IndexLocation, url: string, accept: string, what: string, validate: (body: string, url: string) => unknown): Promise<string>;
}

function invalid(url: string, what: string): never {
  throw new IndexError(`${redactUrl(url)}: not a PEP 740 provenance object: ${what}`);
}

const optionalString = (v: unknown) => v === undefined || v === null || typeof v === "string";

/** Checks the object's shape field by field; what verification reads must be there. */
export function parseProvenanceObject(body: string, url: string): ProvenanceObject {
  const doc = parseJson(body, url);
  if (!isTable(doc) || doc["version"] !== 1) invalid(url, "expected an object with version 1");
  const bundles = doc["attestation_bundles"];
  if (!Array.isArray(bundles) || bundles.length === 0) invalid(url, "`attestation_bundles` must be a non-empty array");
  bundles.forEach((b: unknown, i) => {
    if (!isTable(b)) return invalid(url, `attestation_bundles[${i}] is not an object`);
    const pub = b["publisher"];
    if (!isTable(pub) || typeof pub["kind"] !== "string") invalid(url, `attestation_bundles[${i}].publisher needs a \`kind\` string`);
    for (const key of ["repository", "workflow", "workflow_filepath", "environment", "email"]) {
      if (!optionalString((pub as Record<string, unknown>)[key])) invalid(url, `attestation_bundles[${i}].publisher.${key} must be a string`);
    }
    const atts = b["attestations"];
    if (!Array.isArray(atts) || atts.length === 0) invalid(url, `attestation_bundles[${i}].attestations must be a non-empty array`);
    atts.forEach((a: unknown, j) => {
      const at = `attestation_bundles[${i}].attestations[${j}]`;
      if (!isTable(a) || !isTable(a["verification_material"]) || !isTable(a["envelope"])) invalid(url, `${at} needs \`verification_material\` and \`envelope\``);
      const vm = a["verification_material"] as Record<string, unknown>;
      const env = a["envelope"] as Record<string, unknown>;
      if (typeof vm["certificate"] !== "string" || !Array.isArray(vm["transparency_entries"])) invalid(url, `${at}.verification_material needs \`certificate\` and \`transparency_entries\``);
      if (typeof env["statement"] !== "string" || typeof env["signature"] !== "string") invalid(url, `${at}.envelope needs \`statement\` and \`signature\` strings`);
    });
  });
  return doc as unknown as ProvenanceObject;
}

/**
 * Where a file's provenance object is: the URL the index page names, or, for PyPI's JSON API
 * (which names none), the Integrity API's documented path on pypi.org.
 */
export function provenanceUrl(index: IndexLocation, name: string, version: string, file: IndexFile): string | undefined {
  if (file.provenance) return file.provenance;
  if (!index.pypiJson) return undefined;
  const base = new URL(index.url);
  const part = encodeURIComponent;
  return `${base.protocol}//${base.host}/integrity/${part(normalizeName(name))}/${part(version)}/${part(file.filename)}/provenance`;
}

/** Fetches one provenance object: 404 is none; any other refusal, a fault or offline without it is unavailable. */
export async function fetchProvenance(client: DocumentClient, index: IndexLocation, url: string, what: string): Promise<Fetched> {
  try {
    const body = await client.document(index, url, INTEGRITY_ACCEPT, what, parseProvenanceObject);
    return { kind: "object", object: parseProvenanceObject(body, url) };
  } catch (err) {
    if (err instanceof OfflineMiss) return { kind: "unavailable", reason: "--offline, and not in the cache", warn: false };
    if (err instanceof IndexStatusError && err.status === 404) return { kind: "none" };
    if (err instanceof IndexStatusError) return { kind: "unavailable", reason: `${redactUrl(url)} answered HTTP ${err.status}`, warn: true };
    if (err instanceof IndexError) return { kind: "unavailable", reason: err.message, warn: true };
    throw err;
  }
}
