import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { audit, type Finding } from "../../src/audit/index.js";
import { core, oneEditAway, popularNames, popularNamesFrom, skeleton, typosquatOf } from "../../src/audit/typosquat.js";
import { Lock2nixError } from "../../src/errors.js";
import { CORPUS, tempDir, SHARED_SKIP_REASON } from "../helpers.js";

const verdict = (name: string) => {
  const m = typosquatOf(name);
  return m ? `${m.severity} ${m.how} ${m.target}` : "none";
};

describe("typosquats against the 15,000 most-downloaded projects", () => {
  it("ships the whole list, most downloaded first", () => {
    const popular = popularNames();
    expect(popular.rank.size).toBe(15000);
    expect(popular.rank.get("boto3")).toBe(1);
    expect(popular.rank.get("python-dateutil")).toBeLessThan(100);
  });

  it("flags python3-dateutil as python-dateutil and leaves requests alone", () => {
    expect(verdict("python3-dateutil")).toBe("high affix python-dateutil");
    expect(verdict("requests")).toBe("none");
    expect(verdict("Requests")).toBe("none");
  });

  it.each([
    ["pythondateutil", "high separator python-dateutil"],
    ["setup-tools", "high separator setuptools"],
    ["dateutil-python", "high affix python-dateutil"],
    ["reque5ts", "high homoglyph requests"],
    ["djang0", "high homoglyph django"],
    ["reqeusts", "high edit requests"],
    ["colourama", "high edit colorama"],
    ["matplotlb", "high edit matplotlib"],
    ["urllib", "low digit-suffix urllib3"],
    ["jsonfield2", "low digit-suffix jsonfield"],
  ])("%s: %s", (name, expected) => {
    expect(verdict(name)).toBe(expected);
  });

  it("never reports a popular project, nor a name too short to judge", () => {
    expect(verdict("python-dateutil")).toBe("none");
    expect(verdict("six")).toBe("none");
    expect(verdict("attrs")).toBe("none");
  });

  it("builds its comparisons from any list", () => {
    const popular = popularNamesFrom(["Flask", "python_dateutil"]);
    expect(typosquatOf("flask", popular)).toBeUndefined();
    expect(typosquatOf("python3-dateutil", popular)?.target).toBe("python-dateutil");
    expect(skeleton("rn-0l1i")).toBe("molll");
    expect(core("python3-dateutil")).toBe("dateutil");
    expect(core("pydantic")).toBe("dantic");
    expect(oneEditAway("ab")).toContain("ba");
  });
});

/** Every lock of the shared corpus: the case folders, and each requirements file in them. */
function corpusLocks(): Array<{ path: string; format?: "requirements" }> {
  const out: Array<{ path: string; format?: "requirements" }> = [];
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
  for (const name of readdirSync(CORPUS).sort()) {
    const dir = join(CORPUS, name);
    if (!statSync(dir).isDirectory()) continue;
    if (!name.startsWith("reqs-")) out.push({ path: dir });
    for (const f of walk(dir)) if (f.endsWith(".txt") && !f.endsWith("SOURCE.txt")) out.push({ path: f, format: "requirements" });
  }
  return out;
}

describe.skipIf(SHARED_SKIP_REASON)("the shared corpus", () => {
  it("audits every lock without a crash, and keeps typosquat findings at low or below", { timeout: 240_000 }, async () => {
    const cacheDir = tempDir();
    const typosquats: Finding[] = [];
    const names = new Set<string>();
    let audited = 0;
    const unreadable: string[] = [];
    for (const lock of corpusLocks()) {
      try {
        const result = await audit({ path: lock.path, ...(lock.format ? { format: lock.format } : {}), offline: true, cacheDir });
        audited++;
        for (const p of result.lock?.packages ?? []) names.add(p.name);
        typosquats.push(...result.findings.filter((f) => f.kind === "typosquat"));
        expect(result.skipped.map((s) => s.check)).toContain("vulnerabilities and malicious packages (OSV)");
      } catch (err) {
        // A lock the readers refuse (unpinned, malformed) is an error with a message, never a crash.
        expect(err).toBeInstanceOf(Lock2nixError);
        unreadable.push(relative(CORPUS, lock.path));
      }
    }
    const flagged = [...new Set(typosquats.map((f) => `${f.package} (${f.severity}: ${f.message.split(" (#")[0]})`))].sort();
    const rate = flagged.length / names.size;
    console.log(
      `typosquat false positives on the corpus: ${flagged.length} of ${names.size} distinct names (${(rate * 100).toFixed(1)}%), none above low\n  ${flagged.join("\n  ")}\n` +
        `${audited} locks audited; ${unreadable.length} refused by their reader (unpinned or malformed): ${[...new Set(unreadable.map((u) => u.split("/")[0]))].join(", ")}`,
    );
    expect(audited).toBeGreaterThanOrEqual(25);
    expect(typosquats.filter((f) => f.severity !== "low" && f.severity !== "info")).toEqual([]);
    expect(rate).toBeLessThan(0.01);
  });
});
