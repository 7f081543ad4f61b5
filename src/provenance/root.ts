/** The Sigstore trusted root provenance is verified against, and the error every provenance failure is. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Lock2nixError } from "../errors.js";
import { packageRoot } from "../package-root.js";

/** A provenance failure stops the run like a hash mismatch. */
export class ProvenanceError extends Lock2nixError {}

/** `--trusted-root`, else the production root shipped in data/sigstore/. */
export const trustedRootPath = (file?: string): string => file ?? join(packageRoot(), "data", "sigstore", "trusted_root.json");

/** A trusted_root.json's bytes. */
export function trustedRootBytes(file?: string): Buffer {
  try {
    return readFileSync(trustedRootPath(file));
  } catch (e) {
    throw new ProvenanceError(`cannot read the trusted root: ${(e as Error).message}`, { file: trustedRootPath(file) });
  }
}
