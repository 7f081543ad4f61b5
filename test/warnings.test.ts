import { describe, expect, it } from "vitest";
import { defaultLibrary, overrideWarnings } from "../src/overrides/index.js";
import { foldWarnings } from "../src/warnings.js";

const uninspected = (name: string, version: string, cause: string) =>
  `${name} ${version}: its sdist could not be inspected (${cause}); its build system comes from the previous output, the table or the fallback set`;

describe("folded warnings", () => {
  const many = ["a", "b", "c", "d", "e"].map((n, i) => uninspected(n, `1.${i}`, `${n}-1.${i}.tar.gz: not cached`));

  it("say one line per kind, with the count and the first three packages", () => {
    expect(foldWarnings([...many, "the cache in /x could not be written (EACCES); later runs will ask the index again"])).toEqual([
      "5 packages: its sdist could not be inspected; its build system comes from the previous output, the table or the fallback set: a 1.0, b 1.1, c 1.2 and 2 more (-v lists each)",
      "the cache in /x could not be written (EACCES); later runs will ask the index again",
    ]);
  });

  it("list every warning with --verbose, and leave one or two of a kind as they are", () => {
    expect(foldWarnings(many, true)).toEqual(many);
    expect(foldWarnings(many.slice(0, 2))).toEqual(many.slice(0, 2));
    expect(foldWarnings(many.slice(0, 3))).toEqual([
      "3 packages: its sdist could not be inspected; its build system comes from the previous output, the table or the fallback set: a 1.0, b 1.1, c 1.2 (-v lists each)",
    ]);
  });

  it("keep kinds apart and in first-seen order", () => {
    const native = ["x", "y", "z"].map((n) => `${n} 2.0 builds native code, no override known: its build may fail (see overrides/README.md to describe it)`);
    const lines = foldWarnings([native[0] as string, ...many, ...native.slice(1)]);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe("3 packages: builds native code, no override known: its build may fail (see overrides/README.md to describe it): x 2.0, y 2.0, z 2.0 (-v lists each)");
    expect(lines[1]).toMatch(/^5 packages: its sdist could not be inspected/);
  });
});

describe("the Rust warning", () => {
  const builds = [{ name: "cryptography", version: "41.0.7", system: "x86_64-linux" as const }];

  it("says offline only in an offline run", () => {
    const offline = overrideWarnings(builds, defaultLibrary(), undefined, true).find((w) => w.includes("Rust"));
    const online = overrideWarnings(builds, defaultLibrary(), undefined, false).find((w) => w.includes("Rust"));
    expect(offline).toContain("(offline, nothing cached)");
    expect(online).toBeDefined();
    expect(online).not.toContain("offline");
    expect(online).toContain("(its sdist was not inspected, or holds no Cargo.lock)");
  });
});
