import { afterEach, describe, expect, it } from "vitest";
import { audit, type Finding } from "../../src/audit/index.js";
import { advisorySeverity, affects, cvss3Score, parseAdvisory, type OsvAdvisory } from "../../src/audit/osv-match.js";
import { tempDir } from "../helpers.js";
import { advisory, osvExport, poetryProject, startOsvServer, type OsvServer } from "./support.js";

const FAST = { timeoutMs: 2_000, retries: 1, backoffMs: 5 };
const brief = (findings: Finding[]) => findings.filter((f) => f.kind === "vulnerability" || f.kind === "malicious").map((f) => `${f.severity} ${f.kind} ${f.package} ${f.version} ${f.rule.split("/")[1]}`);

/** Advisories shaped as OSV serves them: GHSA with a rating, PYSEC with only a CVSS vector, MAL with versions. */
const JINJA2 = advisory("GHSA-g3rq-g295-4j3m", "jinja2", {
  aliases: ["CVE-2020-28493"],
  summary: "Regular Expression Denial of Service (ReDoS) in Jinja2",
  database_specific: { severity: "MODERATE", cwe_ids: ["CWE-400"] },
  ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "2.11.3" }] }],
});
const URLLIB3 = advisory("PYSEC-2023-192", "urllib3", {
  aliases: ["CVE-2023-43804"],
  details: "urllib3 does not remove the Cookie header on cross-origin redirects.\nMore text.",
  severity: [{ type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:H/PR:H/UI:N/S:U/C:H/I:H/A:N" }],
  ranges: [
    { type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "1.26.17" }, { introduced: "2.0.0" }, { fixed: "2.0.6" }] },
    { type: "GIT", repo: "https://github.com/urllib3/urllib3", events: [{ introduced: "0" }, { fixed: "644124ecd0b6e417c527191f866daa05a5a2056d" }] },
  ],
});
const MALICIOUS = advisory("MAL-2023-1234", "python3-dateutil", {
  summary: "Malicious code in python3-dateutil (PyPI)",
  details: "The package downloads and runs a payload at install time.",
  versions: ["2.8.2"],
});
const WITHDRAWN = advisory("GHSA-xxxx-withdrawn", "six", { withdrawn: "2024-01-01T00:00:00Z", ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }] }] });

function shop(): string {
  return poetryProject([
    { name: "jinja2", version: "2.11.2", files: ["Jinja2-2.11.2-py2.py3-none-any.whl"], dependencies: { markupsafe: ">=0.23" } },
    { name: "markupsafe", version: "2.1.5", files: ["MarkupSafe-2.1.5-py3-none-any.whl"] },
    { name: "urllib3", version: "2.0.5", files: ["urllib3-2.0.5-py3-none-any.whl"] },
    { name: "python3-dateutil", version: "2.8.2", files: ["python3_dateutil-2.8.2-py3-none-any.whl"] },
    { name: "six", version: "1.16.0", files: ["six-1.16.0-py2.py3-none-any.whl"] },
    { name: "requests", version: "2.31.0", files: ["requests-2.31.0-py3-none-any.whl"] },
  ]);
}

const EXPECTED = [
  "critical malicious python3-dateutil 2.8.2 MAL-2023-1234",
  "medium vulnerability jinja2 2.11.2 GHSA-g3rq-g295-4j3m",
  "medium vulnerability urllib3 2.0.5 PYSEC-2023-192",
];

describe("OSV matching", () => {
  it("computes CVSS 3.1 base scores", () => {
    expect(cvss3Score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")).toBe(9.8);
    expect(cvss3Score("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N")).toBe(6.1);
    expect(cvss3Score("CVSS:3.1/AV:N/AC:H/PR:H/UI:N/S:U/C:H/I:H/A:N")).toBe(5.9);
    expect(cvss3Score("CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:N")).toBe(0);
    expect(cvss3Score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")).toBeUndefined();
  });

  it("matches PEP 440 ranges the way the OSV spec walks events", () => {
    const a = (events: object[], versions?: string[]) =>
      parseAdvisory(advisory("X-1", "Pkg_Name", { ranges: [{ type: "ECOSYSTEM", events }], ...(versions ? { versions } : {}) }), "test") as OsvAdvisory;
    const fixed = a([{ introduced: "1.0" }, { fixed: "1.4.2" }]);
    expect(["0.9", "1.0", "1.4.1", "1.4.2rc1", "1.4.2", "1.5"].map((v) => affects(fixed, "pkg-name", v))).toEqual([false, true, true, true, false, false]);
    const last = a([{ introduced: "0" }, { last_affected: "2.0" }]);
    expect(["0.1", "2.0", "2.0.post1", "2.1"].map((v) => affects(last, "pkg-name", v))).toEqual([true, true, false, false]);
    const limited = a([{ introduced: "0" }, { limit: "3.0" }]);
    expect(["2.9", "3.0"].map((v) => affects(limited, "pkg-name", v))).toEqual([true, false]);
    const listed = a([], ["1!1.0", "0.5"]);
    expect(["0.5", "0.5.0", "1.0", "1!1.0"].map((v) => affects(listed, "pkg-name", v))).toEqual([true, true, false, true]);
    expect(affects(fixed, "other", "1.0")).toBe(false);
    expect(affects(parseAdvisory(WITHDRAWN, "test"), "six", "1.16.0")).toBe(false);
  });

  it("rates by the advisory's own label, else its CVSS vector; MAL- is critical", () => {
    expect(advisorySeverity(parseAdvisory(JINJA2, "t"), "jinja2")).toEqual({ severity: "medium", rated: true });
    expect(advisorySeverity(parseAdvisory(URLLIB3, "t"), "urllib3")).toEqual({ severity: "medium", rated: true });
    expect(advisorySeverity(parseAdvisory(MALICIOUS, "t"), "python3-dateutil")).toEqual({ severity: "critical", rated: true });
    expect(advisorySeverity(parseAdvisory(advisory("PYSEC-1", "x", {}), "t"), "x")).toEqual({ severity: "medium", rated: false });
  });

  it("refuses a file that is not an advisory, naming it", () => {
    expect(() => parseAdvisory({ affected: [] }, "/osv/bad.json")).toThrow("/osv/bad.json: not an OSV advisory: no string `id`");
  });
});

describe("offline, against an OSV export folder (--osv-db)", () => {
  it("finds the vulnerable and the malicious releases, with what fixes them", async () => {
    const result = await audit({ path: shop(), offline: true, osvDb: osvExport([JINJA2, URLLIB3, MALICIOUS, WITHDRAWN]), cacheDir: tempDir() });
    expect(brief(result.findings)).toEqual(EXPECTED);
    const byId = (id: string) => result.findings.find((f) => f.rule.endsWith(id)) as Finding;
    expect(byId("GHSA-g3rq-g295-4j3m").message).toBe("GHSA-g3rq-g295-4j3m (CVE-2020-28493): Regular Expression Denial of Service (ReDoS) in Jinja2; fixed in 2.11.3");
    expect(byId("PYSEC-2023-192").message).toBe("PYSEC-2023-192 (CVE-2023-43804): urllib3 does not remove the Cookie header on cross-origin redirects.; fixed in 1.26.17, 2.0.6");
    expect(byId("MAL-2023-1234").message).toBe("MAL-2023-1234: Malicious code in python3-dateutil (PyPI); remove it, and treat any machine that installed it as compromised");
    expect(result.skipped).toEqual([]);
  });

  it("says which folder holds nothing to read", async () => {
    await expect(audit({ path: shop(), offline: true, osvDb: tempDir(), cacheDir: tempDir() })).rejects.toThrow(/no OSV advisories \(\*\.json\) in it/);
  });
});

describe("online, against a loopback OSV API (/v1/querybatch)", () => {
  const servers: OsvServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it("asks once per batch, fetches each advisory, and answers the next run from the cache", async () => {
    const jinja2 = { ...JINJA2, affected: [{ ...(JINJA2["affected"] as object[])[0], versions: ["2.11.2"] }] };
    const urllib3 = { ...URLLIB3, affected: [{ ...(URLLIB3["affected"] as object[])[0], versions: ["2.0.5"] }] };
    const server = await startOsvServer([jinja2, urllib3, MALICIOUS]);
    servers.push(server);
    const dir = shop();
    const cacheDir = tempDir();
    const first = await audit({ path: dir, osvUrl: server.url, cacheDir, http: FAST, networkAtBuild: () => undefined });
    expect(brief(first.findings)).toEqual(EXPECTED);
    expect(server.requests.map((r) => `${r.method} ${r.path}`).sort()).toEqual([
      "GET /v1/vulns/GHSA-g3rq-g295-4j3m",
      "GET /v1/vulns/MAL-2023-1234",
      "GET /v1/vulns/PYSEC-2023-192",
      "POST /v1/querybatch",
    ]);
    const batch = server.requests.find((r) => r.method === "POST")?.body as { queries: unknown[] };
    expect(batch.queries).toContainEqual({ package: { name: "jinja2", ecosystem: "PyPI" }, version: "2.11.2" });
    expect(batch.queries).toHaveLength(6);

    server.requests.length = 0;
    const second = await audit({ path: dir, osvUrl: server.url, cacheDir, http: FAST, networkAtBuild: () => undefined });
    expect(brief(second.findings)).toEqual(EXPECTED);
    expect(server.requests).toEqual([]);
  });

  it("reports an OSV that stays down as an error, and --offline skips it saying so", async () => {
    const server = await startOsvServer([]);
    await server.close();
    await expect(audit({ path: shop(), osvUrl: server.url, cacheDir: tempDir(), http: FAST })).rejects.toThrow(/OSV stayed unreachable after 2 attempts/);
    const offline = await audit({ path: shop(), offline: true, cacheDir: tempDir() });
    expect(offline.skipped.find((s) => s.check.includes("OSV"))?.reason).toBe("--offline; give --osv-db DIR (an unzipped OSV PyPI export) to check without the network");
  });
});
