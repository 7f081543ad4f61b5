import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { MemberSink } from "../../src/inspect/facts.js";
import { ArchiveError, TarParser } from "../../src/inspect/tar.js";
import { sourceTree, tarArchive, type TarFormat } from "./helpers.js";

const cleanup: string[] = [];
afterAll(() => cleanup.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const LONG = `${"a-rather-long-directory-name/".repeat(5)}module_with_a_long_name.pyx`;
const UNICODE = "données/schön.c";

function build(format: TarFormat): Buffer {
  const tree = sourceTree("pkg-1.0", {
    "pyproject.toml": "[build-system]\n",
    [LONG]: "cdef int x\n",
    [UNICODE]: "",
    "big.bin": Buffer.alloc(70_000, 7),
    "empty.txt": "",
  });
  cleanup.push(tree);
  return readFileSync(tarArchive(tree, "pkg-1.0", join(tree, `pkg.tar`), format));
}

/** Parses `tar` in chunks of `size`, collecting names and the content of pyproject.toml and the long-named file. */
function parse(tar: Buffer, size: number) {
  const names: string[] = [];
  const contents = new Map<string, string>();
  const sink: MemberSink = {
    entry: (path, type) => {
      names.push(`${type}:${path.replace(/\/$/, "")}`);
      return path.endsWith(".pyx") || path.endsWith("pyproject.toml") || path.endsWith("big.bin");
    },
    content: (path, data) => contents.set(path, data.length > 100 ? `${data.length} bytes` : data.toString()),
    warn: () => {},
  };
  const parser = new TarParser(sink, "pkg.tar");
  for (let i = 0; i < tar.length; i += size) parser.write(tar.subarray(i, i + size));
  parser.end();
  return { names, contents };
}

describe("TarParser", () => {
  it.each(["gnu", "pax", "ustar"] as const)("lists what tar lists, in %s format, whatever the chunking", (format) => {
    const tar = build(format);
    if (format === "pax") expect(tar.includes("path=")).toBe(true);
    if (format === "gnu") expect(tar.includes("././@LongLink")).toBe(true);
    const listed = execFileSync("tar", ["-tf", "-"], { input: tar }).toString().trim().split("\n").map((p) => p.replace(/\/$/, ""));
    for (const size of [1, 7, 511, 512, 513, 65_536, tar.length]) {
      const { names, contents } = parse(tar, size);
      expect(names.map((n) => n.slice(n.indexOf(":") + 1))).toEqual(listed);
      expect(names).toContain(`file:pkg-1.0/${UNICODE}`);
      expect(names).toContain("directory:pkg-1.0");
      expect(contents.get(`pkg-1.0/${LONG}`)).toBe("cdef int x\n");
      expect(contents.get("pkg-1.0/pyproject.toml")).toBe("[build-system]\n");
      expect(contents.get("pkg-1.0/big.bin")).toBe("70000 bytes");
    }
  });

  it("rejects a truncated archive and one that is not tar", () => {
    const tar = build("gnu");
    const truncated = new ArchiveError("pkg.tar: the tar archive is truncated");
    expect(() => parse(tar.subarray(0, 100), 4096)).toThrow(truncated);
    const inBigData = tar.indexOf(Buffer.alloc(64, 7)) + 1000;
    expect(() => parse(tar.subarray(0, inBigData), 4096)).toThrow(truncated);
    expect(() => parse(Buffer.alloc(1024, 0x41), 1024)).toThrow(/pkg\.tar: not a tar archive \(bad header checksum/);
  });

  it("stops at the end-of-archive marker", () => {
    const tar = Buffer.concat([build("ustar"), Buffer.from("trailing garbage after the end blocks")]);
    expect(parse(tar, 1000).names.length).toBeGreaterThan(3);
  });
});
