/** A package's provenance in the generated Nix file, as `passthru.provenance`; read back by src/emit/previous.ts. */
import { attrs, str, type NixExpr } from "../emit/nix.js";
import type { PackageProvenance, PublisherRecord } from "./check.js";

/** `passthru.provenance` of a verified package (nothing otherwise, so output without provenance stays as it was). */
export function provenanceAttrs(p: PackageProvenance | undefined): NixExpr | undefined {
  if (p?.status !== "verified" || !p.publisher) return undefined;
  const pub = p.publisher;
  const opt = (v: string | undefined) => (v === undefined ? undefined : str(v));
  return attrs([
    ["commit", opt(p.commit)],
    ["publisher", attrs([["environment", opt(pub.environment)], ["kind", str(pub.kind)], ["repository", opt(pub.repository)], ["workflow", opt(pub.workflow)]])],
    ["status", str(p.status)],
    ["transparencyLogIndex", opt(p.logIndex)],
  ]);
}

/** A Nix string literal's body back to its text (the inverse of escapeString). */
function unescape(body: string): string {
  return body.replace(/\\(.)/gs, (_, c: string) => (c === "n" ? "\n" : c === "r" ? "\r" : c === "t" ? "\t" : c));
}

const STRING = String.raw`"((?:[^"\\]|\\.)*)"`;

/** The publisher a derivation's text records in `passthru.provenance`, as provenanceAttrs writes it; undefined for none. */
export function readProvenanceAttrs(derivationText: string): PublisherRecord | undefined {
  const block = new RegExp(String.raw`provenance = \{\s*(?:commit = ${STRING};\s*)?publisher = \{((?:\s*\w+ = ${STRING};)*)\s*\};\s*status = "verified";`).exec(derivationText);
  if (!block?.[2]) return undefined;
  const fields = new Map([...block[2].matchAll(new RegExp(String.raw`(environment|kind|repository|workflow) = ${STRING};`, "g"))].map((m) => [m[1] as string, unescape(m[2] as string)]));
  const kind = fields.get("kind");
  if (kind === undefined) return undefined;
  const rest = ["repository", "workflow", "environment"] as const;
  return { kind, ...Object.fromEntries(rest.flatMap((k) => (fields.has(k) ? [[k, fields.get(k) as string]] : []))) };
}
