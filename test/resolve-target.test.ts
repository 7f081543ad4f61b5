import { describe, expect, it } from "vitest";
import type { Lock } from "../src/model.js";
import { choosePython } from "../src/resolve/target.js";

const lockAllowing = (...requiresPython: string[]) =>
  ({ file: "/p/uv.lock", root: { groups: {}, extras: {}, requiresPython }, packages: [] }) as unknown as Lock;

describe("choosePython", () => {
  it.each([
    [[">=3.9"], "3.14"],
    [[">=3.9,<3.13"], "3.12"],
    // A bare version is `==`, as uv and PDM read it.
    [["3.13.*"], "3.13"],
    [["==3.13.*"], "3.13"],
    // Exact pins to a release nixpkgs' patch level has moved past still pick their series.
    [["==3.12"], "3.12"],
    [["<3.12.5"], "3.11"],
    [[">=3.6,<3.7", ">=3.11,<3.12"], "3.11"],
  ])("%j -> %s", (requiresPython, expected) => {
    expect(choosePython(lockAllowing(...requiresPython))).toBe(expected);
  });

  it("defaults to stable series current nixpkgs ships: 3.15 is a pre-release there, 3.10 is gone", () => {
    expect(choosePython(lockAllowing(">=3.9"))).toBe("3.14");
    expect(choosePython(lockAllowing(">=3.15"), "3.15")).toBe("3.15");
    expect(() => choosePython(lockAllowing(">=3.15"))).toThrow(/3\.15 only as a pre-release: pass --python/);
    expect(() => choosePython(lockAllowing("==3.10.7"))).toThrow(/nixpkgs ships none of 3\.14, 3\.13, 3\.12, 3\.11/);
  });

  it("accepts --python for a series the project pins a release of", () => {
    expect(choosePython(lockAllowing("==3.12"), "3.12")).toBe("3.12");
    expect(choosePython(lockAllowing("==3.10.7"), "3.10")).toBe("3.10");
    expect(() => choosePython(lockAllowing("==3.12"), "3.13")).toThrow(/excludes --python 3.13/);
  });

  it("reads --python X.Y.Z as its series, which nixpkgs ships one release of", () => {
    expect(choosePython(lockAllowing("==3.12"), "3.12.0")).toBe("3.12");
    expect(choosePython(lockAllowing("==3.10.7"), "3.10.7")).toBe("3.10");
    expect(choosePython(lockAllowing(">=3.9"), "3.13.2")).toBe("3.13");
    expect(() => choosePython(lockAllowing("==3.12"), "3.13.0")).toThrow(/excludes --python 3.13.0/);
    expect(() => choosePython(lockAllowing(">=3.9"), "3.12.x")).toThrow(/expected a CPython minor version/);
  });

  it("names a python constraint that is not PEP 440", () => {
    expect(() => choosePython(lockAllowing(">=3.x"))).toThrow(/`>=3.x` is not a PEP 440 version specifier/);
  });
});
