/**
 * Audit findings from provenance (issue 18): a publisher that changed since the previous
 * generation, a release unattested where earlier ones were attested (ultralytics 8.3.45/46 were
 * uploaded with a leaked token, without the attestations the releases before carried), an
 * attested repository that is not the one the project declares, a failed verification, and
 * no attestation at all (information only).
 */
import type { Finding, Severity } from "../audit/types.js";
import type { PreviousProvenance } from "../emit/previous.js";
import type { PackageProvenance, PublisherRecord } from "./check.js";

/** What the findings are judged from, per package. */
export interface ProvenanceFacts {
  name: string;
  version: string;
  provenance: PackageProvenance;
  /** What the previous generated file recorded for the package. */
  previous?: PreviousProvenance;
  /** The project URLs its metadata declares (PyPI's JSON API), when known. */
  declaredUrls?: string[];
}

const HOSTS: Record<string, string> = { GitHub: "github.com", GitLab: "gitlab.com" };

/**
 * Whether `url` points into the publisher's repository, by warehouse's rules for verified project
 * URLs (warehouse/oidc/models): the repository's URL on its host or a path below it, dot segments
 * resolved first, a `.git` suffix on the repository itself ignored, GitHub and GitLab names
 * compared case-insensitively, and GitHub Pages (`https://<owner>.github.io/<repo>/`) too.
 */
export function urlVerifiedBy(url: string, pub: PublisherRecord): boolean {
  const host = HOSTS[pub.kind];
  if (!host || !pub.repository) return false;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== "https:") return false;
  const repo = pub.repository.toLowerCase();
  const path = u.pathname.toLowerCase().replace(/\/+$/, "");
  const under = (base: string) => path === base || path === `${base}.git` || path.startsWith(`${base}/`);
  if (u.host.toLowerCase() === host) return under(`/${repo}`);
  const [owner, name] = repo.split("/");
  return pub.kind === "GitHub" && !!owner && !!name && u.host.toLowerCase() === `${owner}.github.io` && under(`/${name}`);
}

/** URLs naming a repository on a host a Trusted Publisher can be (what a project says its source is). */
const repositoryUrls = (urls: string[]) =>
  urls.filter((url) => {
    try {
      return Object.values(HOSTS).includes(new URL(url).host.toLowerCase());
    } catch {
      return false;
    }
  });

const who = (p: PublisherRecord) => `${p.kind} ${p.repository ?? "?"}${p.workflow ? ` (${p.workflow})` : ""}`;
const samePublisher = (a: PublisherRecord, b: PublisherRecord) =>
  a.kind === b.kind && (a.repository ?? "").toLowerCase() === (b.repository ?? "").toLowerCase() && a.workflow === b.workflow;

/** The provenance findings of one package. */
export function provenanceFindings(facts: ProvenanceFacts): Finding[] {
  const { name, version, provenance: p, previous } = facts;
  const out: Finding[] = [];
  const add = (severity: Severity, rule: string, message: string, summary?: string) =>
    out.push({ kind: "provenance", severity, package: name, version, rule: `provenance/${rule}`, message, ...(summary ? { summary } : {}) });
  if (p.status === "failed") {
    const f = p.files.find((x) => x.status === "failed");
    add("critical", "failed", f?.reason ?? "its provenance does not verify");
    return out;
  }
  if (p.status === "verified" && p.publisher && previous && !samePublisher(p.publisher, previous.publisher)) {
    add("high", "publisher-changed", `published by ${who(p.publisher)}; the previous generation (${previous.version}) recorded ${who(previous.publisher)}`);
  }
  if (p.status === "none") {
    const last = p.files.find((f) => f.lastAttested)?.lastAttested;
    if (last) add("high", "attestation-dropped", `no attestation, while release ${last} on the same index has one: uploaded outside the project's release workflow?`);
    else if (previous) add("high", "attestation-dropped", `no attestation, while the previous generation (${previous.version}) recorded ${who(previous.publisher)}`);
    else add("info", "none", "its files carry no PEP 740 attestation", "no PEP 740 attestation");
  }
  if (p.status === "verified" && p.publisher && facts.declaredUrls) {
    const declared = repositoryUrls(facts.declaredUrls);
    const pub = p.publisher;
    if (declared.length > 0 && !declared.some((url) => urlVerifiedBy(url, pub))) {
      add("medium", "repository-mismatch", `attested by ${who(pub)}, but the project declares ${declared.join(", ")}`);
    }
  }
  return out;
}
