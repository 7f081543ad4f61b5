import { describe, expect, it } from "vitest";
import { declaredUrls } from "../../src/provenance/audit.js";
import { provenanceFindings, urlVerifiedBy, type ProvenanceFacts } from "../../src/provenance/findings.js";
import type { PackageProvenance, PublisherRecord } from "../../src/provenance/index.js";

const GH: PublisherRecord = { kind: "GitHub", repository: "Org/Proj", workflow: "release.yml" };
const verified = (publisher = GH): PackageProvenance => ({ status: "verified", publisher, files: [{ filename: "proj-2.0.tar.gz", status: "verified", publisher }] });
const facts = (provenance: PackageProvenance, extra: Partial<ProvenanceFacts> = {}): ProvenanceFacts => ({ name: "proj", version: "2.0", provenance, ...extra });
const rules = (f: ProvenanceFacts) => provenanceFindings(f).map((x) => [x.rule, x.severity, x.message]);

describe("provenance findings", () => {
  it("publisher changed since the previous generation: high", () => {
    const previous = { version: "1.0", publisher: { kind: "GitHub", repository: "org/proj", workflow: "publish.yml" } };
    expect(rules(facts(verified(), { previous }))).toEqual([
      ["provenance/publisher-changed", "high", "published by GitHub Org/Proj (release.yml); the previous generation (1.0) recorded GitHub org/proj (publish.yml)"],
    ]);
    // The same publisher, spelt in another case (GitHub names are case-insensitive): nothing.
    expect(rules(facts(verified(), { previous: { version: "1.0", publisher: { ...GH, repository: "org/proj" } } }))).toEqual([]);
  });

  it("unattested where an earlier release was, or where the previous generation recorded a publisher: high", () => {
    const none: PackageProvenance = { status: "none", files: [{ filename: "proj-2.0.tar.gz", status: "none", lastAttested: "1.9" }] };
    expect(rules(facts(none))).toEqual([
      ["provenance/attestation-dropped", "high", "no attestation, while release 1.9 on the same index has one: uploaded outside the project's release workflow?"],
    ]);
    const bare: PackageProvenance = { status: "none", files: [{ filename: "proj-2.0.tar.gz", status: "none" }] };
    expect(rules(facts(bare, { previous: { version: "1.0", publisher: GH } }))).toEqual([
      ["provenance/attestation-dropped", "high", "no attestation, while the previous generation (1.0) recorded GitHub Org/Proj (release.yml)"],
    ]);
  });

  it("no attestation at all is information only, and unavailable says nothing", () => {
    expect(rules(facts({ status: "none", files: [{ filename: "proj-2.0.tar.gz", status: "none" }] }))).toEqual([
      ["provenance/none", "info", "its files carry no PEP 740 attestation"],
    ]);
    expect(rules(facts({ status: "unavailable", files: [] }))).toEqual([]);
  });

  it("a failed verification is critical", () => {
    const failed: PackageProvenance = { status: "failed", files: [{ filename: "proj-2.0.tar.gz", status: "failed", reason: "provenance of proj-2.0.tar.gz does not verify: DSSE payload hash mismatch" }] };
    expect(rules(facts(failed))).toEqual([["provenance/failed", "critical", "provenance of proj-2.0.tar.gz does not verify: DSSE payload hash mismatch"]]);
  });

  it("attested repository differs from the declared one: medium; none declared on a publisher's host: nothing", () => {
    expect(rules(facts(verified(), { declaredUrls: ["https://github.com/other/proj", "https://proj.readthedocs.io"] }))).toEqual([
      ["provenance/repository-mismatch", "medium", "attested by GitHub Org/Proj (release.yml), but the project declares https://github.com/other/proj"],
    ]);
    expect(rules(facts(verified(), { declaredUrls: ["https://github.com/org/proj/issues", "https://github.com/other/x"] }))).toEqual([]);
    expect(rules(facts(verified(), { declaredUrls: ["https://proj.example.org"] }))).toEqual([]);
  });
});

describe("warehouse's rules for a project URL the publisher verifies", () => {
  it.each([
    ["https://github.com/org/proj", true],
    ["https://github.com/ORG/Proj/", true],
    ["https://github.com/org/proj.git", true],
    ["https://github.com/org/proj/tree/main/docs", true],
    ["https://org.github.io/proj/", true],
    ["https://github.com/org/proj/../evil", false],
    ["https://github.com/org/project", false],
    ["https://github.com/org/proj.git/issues", false],
    ["http://github.com/org/proj", false],
    ["https://gitlab.com/org/proj", false],
    ["https://evil.github.io/proj/", false],
    ["not a url", false],
  ])("%s: %s", (url, ok) => {
    expect(urlVerifiedBy(url, GH)).toBe(ok);
  });

  it("GitLab publishers verify gitlab.com URLs; Google ones verify none", () => {
    expect(urlVerifiedBy("https://gitlab.com/Group/Sub/Proj/-/tree/main", { kind: "GitLab", repository: "group/sub/proj" })).toBe(true);
    expect(urlVerifiedBy("https://github.com/group/sub", { kind: "Google", repository: "x@example.org" })).toBe(false);
  });

  it("reads the declared URLs of PyPI's JSON API", () => {
    expect(declaredUrls({ info: { project_urls: { Source: "https://github.com/o/p", Docs: "https://p.example.org" }, home_page: "" } })).toEqual([
      "https://github.com/o/p",
      "https://p.example.org",
    ]);
    expect(declaredUrls({ info: { project_urls: null, home_page: "https://h.example.org" } })).toEqual(["https://h.example.org"]);
    expect(declaredUrls("nonsense")).toEqual([]);
  });
});
