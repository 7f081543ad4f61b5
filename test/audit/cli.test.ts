import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { describe, expect, it } from "vitest";
import { tempDir } from "../helpers.js";
import { advisory, osvExport, poetryProject, runCli } from "./support.js";

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const schema = JSON.parse(readFileSync(join(import.meta.dirname, "sarif-2.1.0-subset.schema.json"), "utf8")) as object;
const validateSarif = addFormats(new Ajv({ allErrors: true, strict: true, strictRequired: false })).compile(schema);

/** A shop's poetry.lock with one of everything the audit reports. */
function exampleLock(): string {
  return poetryProject(
    [
      { name: "flask", version: "2.2.2", files: ["Flask-2.2.2-py3-none-any.whl", "Flask-2.2.2.tar.gz"], dependencies: { jinja2: ">=3.0", werkzeug: ">=2.2.2" } },
      { name: "jinja2", version: "3.1.2", files: ["Jinja2-3.1.2-py3-none-any.whl", "Jinja2-3.1.2.tar.gz"], dependencies: { markupsafe: ">=2.0" } },
      { name: "markupsafe", version: "2.1.1", files: ["MarkupSafe-2.1.1.tar.gz"] },
      { name: "werkzeug", version: "2.2.2", files: ["Werkzeug-2.2.2-py3-none-any.whl", "Werkzeug-2.2.2.tar.gz"] },
      { name: "python3-dateutil", version: "2.8.2", files: ["python3_dateutil-2.8.2-py3-none-any.whl"] },
      { name: "acme-billing", version: "2.3.0", files: ["acme_billing-2.3.0-py3-none-any.whl"], source: { type: "legacy", url: "https://pypi.acme.example/simple", reference: "acme" } },
    ],
    [{ name: "acme", url: "https://pypi.acme.example/simple" }],
  );
}

function exampleOsv(): string {
  return osvExport([
    advisory("GHSA-h5c8-rqwp-cp95", "jinja2", {
      aliases: ["CVE-2024-22195"],
      summary: "Jinja vulnerable to HTML attribute injection when passing user input as keys to xmlattr filter",
      database_specific: { severity: "MODERATE" },
      ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "3.1.3" }] }],
    }),
    advisory("GHSA-2g68-c3qc-8985", "werkzeug", {
      aliases: ["CVE-2024-34069"],
      summary: "Werkzeug debugger vulnerable to remote execution when interacting with attacker controlled domain",
      database_specific: { severity: "HIGH" },
      ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "3.0.3" }] }],
    }),
    advisory("MAL-2023-462", "python3-dateutil", { summary: "Malicious code in python3-dateutil (PyPI)", versions: ["2.8.2"] }),
  ]);
}

describe("lock2nix audit", () => {
  it("prints { schemaVersion, findings: [ { kind, severity, package, version, message, rule, advisory?, file, line } ] } with --json", async () => {
    const dir = exampleLock();
    const { code, stdout, stderr } = await runCli(["audit", dir, "--json", "--offline", "--osv-db", exampleOsv()]);
    expect(code).toBe(1);
    const doc = JSON.parse(stdout) as { findings: Array<Record<string, string>> };
    expect(Object.keys(doc)).toEqual(["schemaVersion", "findings"]);
    const file = join(dir, "poetry.lock");
    const lockLines = readFileSync(file, "utf8").split("\n");
    for (const f of doc.findings) {
      const advisory = f["kind"] === "vulnerability" || f["kind"] === "malicious" ? ["advisory"] : [];
      expect(Object.keys(f)).toEqual(["kind", "severity", "package", "version", "message", "rule", ...advisory, "file", "line"]);
      expect(f["file"]).toBe(file);
      expect(lockLines[Number(f["line"]) - 1]).toBe(`name = "${f["package"]}"`);
    }
    expect(doc.findings.find((f) => f["package"] === "werkzeug" && f["kind"] === "vulnerability")).toMatchObject({
      rule: "vulnerability/GHSA-2g68-c3qc-8985",
      advisory: { id: "GHSA-2g68-c3qc-8985", aliases: ["CVE-2024-34069"], fixed: ["3.0.3"] },
    });
    expect(doc.findings.find((f) => f["kind"] === "malicious")).toMatchObject({ advisory: { id: "MAL-2023-462", aliases: [], fixed: [] } });
    expect(doc.findings.slice(0, 3).map((f) => `${f["severity"]} ${f["kind"]} ${f["package"]}`)).toEqual([
      "critical malicious python3-dateutil",
      "high vulnerability werkzeug",
      "high typosquat python3-dateutil",
    ]);
    expect(new Set(doc.findings.map((f) => f["kind"]))).toEqual(new Set(["malicious", "vulnerability", "typosquat", "source", "build-risk"]));
    expect(stderr).toBe("lock2nix: audit: skipped dependency confusion: --offline: the indexes were not asked which names they serve\n");
  });

  it("writes SARIF 2.1.0 that validates, locating each result at the lockfile line naming the package", async () => {
    const dir = exampleLock();
    const out = join(tempDir(), "audit.sarif");
    const { code, stdout } = await runCli(["audit", dir, "--offline", "--osv-db", exampleOsv(), "--sarif", out, "--fail-on", "critical"]);
    expect(code).toBe(1);
    expect(stdout).toContain("malicious (1)");
    const log = JSON.parse(readFileSync(out, "utf8")) as { runs: Array<{ results: Array<Record<string, unknown>>; tool: { driver: { rules: unknown[] } } }> };
    expect(validateSarif(log) ? [] : validateSarif.errors).toEqual([]);
    const lockLines = readFileSync(join(dir, "poetry.lock"), "utf8").split("\n");
    const werkzeug = log.runs[0]?.results.find((r) => r["ruleId"] === "vulnerability/GHSA-2g68-c3qc-8985") as {
      level: string;
      locations: Array<{ physicalLocation: { region: { startLine: number } } }>;
    };
    expect(werkzeug.level).toBe("error");
    expect(lockLines[(werkzeug.locations[0]?.physicalLocation.region.startLine ?? 0) - 1]).toBe('name = "werkzeug"');
    const viaFormat = await runCli(["audit", dir, "--offline", "--format", "sarif"]);
    expect(validateSarif(JSON.parse(viaFormat.stdout)) ? [] : validateSarif.errors).toEqual([]);
  });

  it("a SARIF log that breaks the schema is caught (the validator is not a rubber stamp)", () => {
    expect(validateSarif({ version: "2.1.0", runs: [{ tool: { driver: {} } }] })).toBe(false);
    expect(validateSarif({ version: "2.1.0", runs: [{ tool: { driver: { name: "x" } }, results: [{ level: "fatal", message: { text: "m" } }] }] })).toBe(false);
  });

  it("sets the exit code from --fail-on", async () => {
    const dir = poetryProject([{ name: "pyyaml", version: "6.0.1", files: ["PyYAML-6.0.1.tar.gz"] }]);
    const at = async (level: string) => (await runCli(["audit", dir, "--offline", "--fail-on", level])).code;
    expect(await at("low")).toBe(1);
    expect(await at("medium")).toBe(0);
    expect(await at("critical")).toBe(0);
    expect((await runCli(["audit", dir, "--offline", "--fail-on", "severe"])).stderr).toContain("--fail-on severe: expected one of low, medium, high, critical");
  });

  it("colours severities on a terminal only", async () => {
    const dir = poetryProject([{ name: "pyyaml", version: "6.0.1", files: ["PyYAML-6.0.1.tar.gz"] }]);
    expect((await runCli(["audit", dir, "--offline"], { tty: true })).stdout).toContain("\x1b[36mlow \x1b[0m");
    expect((await runCli(["audit", dir, "--offline"])).stdout).not.toContain("\x1b[");
  });

  it("gives the README's example output", async () => {
    const dir = exampleLock();
    const { stdout, stderr } = await runCli(["audit", dir, "--offline", "--osv-db", exampleOsv()]);
    const text = `$ lock2nix audit --offline --osv-db ./osv-pypi\n${stderr}${stdout}`.replaceAll(dir, ".").replace("./poetry.lock:", "poetry.lock:");
    const file = join(import.meta.dirname, "README-example.txt");
    if (process.env["UPDATE_EXAMPLES"] === "1" || !existsSync(file)) writeFileSync(file, text);
    expect(text).toBe(readFileSync(file, "utf8"));
  });
});

describe("lock2nix generate runs the cheap checks", () => {
  it("prints a one-line audit summary on standard error, and --no-audit leaves it out", async () => {
    const dir = poetryProject([{ name: "python3-dateutil", version: "2.8.2", files: ["python3_dateutil-2.8.2-py3-none-any.whl"] }]);
    const out = join(tempDir(), "python.nix");
    const withAudit = await runCli(["generate", dir, "--offline", "-o", out]);
    expect(withAudit.code).toBe(0);
    expect(withAudit.stderr).toBe(
      "lock2nix: audit: 1 finding: 1 high (worst: python3-dateutil: typosquat); run `lock2nix audit` for details\n",
    );
    const without = await runCli(["generate", dir, "--offline", "-o", out, "--no-audit"]);
    expect(without).toMatchObject({ code: 0, stderr: "" });
    expect(readFileSync(out, "utf8")).toContain('passthru = {\n        purl = "pkg:pypi/python3-dateutil@2.8.2";');
  });
});
