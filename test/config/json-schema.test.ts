// The --json reports are an interface: each has a schemaVersion and a JSON Schema in schema/ (shipped
// in the npm package), checked here against real output.
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { tempDir } from "../helpers.js";

const ROOT = join(import.meta.dirname, "..", "..");
const schema = (name: string) => JSON.parse(readFileSync(join(ROOT, "schema", name), "utf8")) as object;

async function cli(...argv: string[]) {
  let stdout = "";
  const env = process.env;
  process.env = { ...env, XDG_CACHE_HOME: tempDir() };
  try {
    const code = await main(argv, { stdout: (t) => (stdout += t), stderr: () => {} });
    return { code, json: JSON.parse(stdout) as Record<string, unknown> };
  } finally {
    process.env = env;
  }
}

describe("JSON reports", () => {
  const compile = (name: string) => new Ajv({ allErrors: true, strict: true }).compile(schema(name));

  it("generate --json matches schema/generate-report.schema.json, with schemaVersion 1", async () => {
    const validate = compile("generate-report.schema.json");
    const dir = tempDir();
    cpSync(join(ROOT, "examples", "poetry-app"), dir, { recursive: true });
    const { code, json } = await cli("generate", dir, "-o", join(dir, "out.nix"), "--offline", "--json", "--no-audit");
    expect(code).toBe(0);
    expect(json["schemaVersion"]).toBe(1);
    expect(validate(json) ? [] : validate.errors).toEqual([]);
    expect((json["projects"] as Array<{ packages: unknown[] }>)[0]?.packages.length).toBeGreaterThan(0);
  });

  it("audit --output-format json matches schema/audit-report.schema.json", async () => {
    const validate = compile("audit-report.schema.json");
    // No --hash: a pinning finding at least.
    const dir = tempDir();
    writeFileSync(join(dir, "requirements.txt"), "six==1.16.0\n");
    const { json } = await cli("audit", dir, "--offline", "--output-format", "json", "--fail-on", "critical");
    expect(json["schemaVersion"]).toBe(1);
    expect(validate(json) ? [] : validate.errors).toEqual([]);
    expect((json["findings"] as unknown[]).length).toBeGreaterThan(0);
  });

  it("the schemas refuse a report without schemaVersion (they are not rubber stamps)", () => {
    expect(compile("audit-report.schema.json")({ findings: [] })).toBe(false);
    const finding = { kind: "vulnerability", severity: "high", package: "a", version: "1", message: "m", rule: "vulnerability/X", file: "poetry.lock" };
    // A vulnerability without its advisory, or an advisory without fixed versions, is not a report.
    expect(compile("audit-report.schema.json")({ schemaVersion: 1, findings: [finding] })).toBe(false);
    expect(compile("audit-report.schema.json")({ schemaVersion: 1, findings: [{ ...finding, advisory: { id: "X", aliases: [] } }] })).toBe(false);
    expect(compile("audit-report.schema.json")({ schemaVersion: 1, findings: [{ ...finding, advisory: { id: "X", aliases: [], fixed: ["2"] }, line: 3 }] })).toBe(true);
    expect(compile("generate-report.schema.json")({ schemaVersion: 1, lock2nix: "0", mode: "generate", ok: true, projects: [{}] })).toBe(false);
  });
});
