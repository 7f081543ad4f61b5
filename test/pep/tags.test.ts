import { describe, expect, it } from "vitest";
import { Lock2nixError, ParseError } from "../../src/errors.js";
import {
  DEFAULT_GLIBC,
  DEFAULT_MACOS,
  bestWheel,
  isBinaryWheel,
  isPlatformIndependent,
  parseSdistFilename,
  parseWheelFilename,
  wheelTagRank,
  type WheelTarget,
} from "../../src/pep/tags.js";

// Real file names, from the lockfiles under shared/corpus (uv, poetry, pylock cases).
const CRYPTOGRAPHY = [
  "cryptography-46.0.6-cp311-abi3-macosx_10_9_universal2.whl",
  "cryptography-46.0.6-cp311-abi3-manylinux2014_aarch64.manylinux_2_17_aarch64.whl",
  "cryptography-46.0.6-cp311-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
  "cryptography-46.0.6-cp311-abi3-manylinux_2_28_aarch64.whl",
  "cryptography-46.0.6-cp311-abi3-manylinux_2_28_ppc64le.whl",
  "cryptography-46.0.6-cp311-abi3-manylinux_2_28_x86_64.whl",
  "cryptography-46.0.6-cp311-abi3-manylinux_2_31_armv7l.whl",
  "cryptography-46.0.6-cp311-abi3-manylinux_2_34_aarch64.whl",
  "cryptography-46.0.6-cp311-abi3-manylinux_2_34_ppc64le.whl",
  "cryptography-46.0.6-cp311-abi3-manylinux_2_34_x86_64.whl",
  "cryptography-46.0.6-cp311-abi3-musllinux_1_2_aarch64.whl",
  "cryptography-46.0.6-cp311-abi3-musllinux_1_2_x86_64.whl",
  "cryptography-46.0.6-cp311-abi3-win32.whl",
  "cryptography-46.0.6-cp311-abi3-win_amd64.whl",
  "cryptography-46.0.6-cp314-cp314t-macosx_10_9_universal2.whl",
  "cryptography-46.0.6-cp314-cp314t-manylinux2014_aarch64.manylinux_2_17_aarch64.whl",
  "cryptography-46.0.6-cp314-cp314t-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
  "cryptography-46.0.6-cp314-cp314t-manylinux_2_28_aarch64.whl",
  "cryptography-46.0.6-cp314-cp314t-manylinux_2_28_x86_64.whl",
  "cryptography-46.0.6-cp314-cp314t-manylinux_2_34_aarch64.whl",
  "cryptography-46.0.6-cp314-cp314t-manylinux_2_34_x86_64.whl",
  "cryptography-46.0.6-cp314-cp314t-musllinux_1_2_x86_64.whl",
  "cryptography-46.0.6-cp314-cp314t-win_amd64.whl",
  "cryptography-46.0.6-cp38-abi3-macosx_10_9_universal2.whl",
  "cryptography-46.0.6-cp38-abi3-manylinux2014_aarch64.manylinux_2_17_aarch64.whl",
  "cryptography-46.0.6-cp38-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
  "cryptography-46.0.6-cp38-abi3-manylinux_2_28_aarch64.whl",
  "cryptography-46.0.6-cp38-abi3-manylinux_2_28_x86_64.whl",
  "cryptography-46.0.6-cp38-abi3-manylinux_2_34_aarch64.whl",
  "cryptography-46.0.6-cp38-abi3-manylinux_2_34_x86_64.whl",
  "cryptography-46.0.6-cp38-abi3-musllinux_1_2_x86_64.whl",
  "cryptography-46.0.6-cp38-abi3-win_amd64.whl",
  "cryptography-46.0.6-pp311-pypy311_pp73-macosx_11_0_arm64.whl",
  "cryptography-46.0.6-pp311-pypy311_pp73-manylinux_2_28_x86_64.whl",
  "cryptography-46.0.6-pp311-pypy311_pp73-manylinux_2_34_aarch64.whl",
];

const NUMPY = [
  "numpy-2.2.6-cp311-cp311-macosx_10_9_x86_64.whl",
  "numpy-2.2.6-cp311-cp311-macosx_11_0_arm64.whl",
  "numpy-2.2.6-cp311-cp311-macosx_14_0_arm64.whl",
  "numpy-2.2.6-cp311-cp311-macosx_14_0_x86_64.whl",
  "numpy-2.2.6-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
  "numpy-2.2.6-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
  "numpy-2.2.6-cp311-cp311-musllinux_1_2_aarch64.whl",
  "numpy-2.2.6-cp311-cp311-musllinux_1_2_x86_64.whl",
  "numpy-2.2.6-cp311-cp311-win_amd64.whl",
  "numpy-2.2.6-cp312-cp312-macosx_10_13_x86_64.whl",
  "numpy-2.2.6-cp312-cp312-macosx_11_0_arm64.whl",
  "numpy-2.2.6-cp312-cp312-macosx_14_0_arm64.whl",
  "numpy-2.2.6-cp312-cp312-macosx_14_0_x86_64.whl",
  "numpy-2.2.6-cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
  "numpy-2.2.6-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
  "numpy-2.2.6-cp312-cp312-musllinux_1_2_aarch64.whl",
  "numpy-2.2.6-cp312-cp312-musllinux_1_2_x86_64.whl",
  "numpy-2.2.6-cp312-cp312-win32.whl",
  "numpy-2.2.6-cp313-cp313-macosx_10_13_x86_64.whl",
  "numpy-2.2.6-cp313-cp313-macosx_11_0_arm64.whl",
  "numpy-2.2.6-cp313-cp313-macosx_14_0_arm64.whl",
  "numpy-2.2.6-cp313-cp313-macosx_14_0_x86_64.whl",
  "numpy-2.2.6-cp313-cp313-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
  "numpy-2.2.6-cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
  "numpy-2.2.6-cp313-cp313-musllinux_1_2_aarch64.whl",
  "numpy-2.2.6-cp313-cp313-musllinux_1_2_x86_64.whl",
  "numpy-2.2.6-cp313-cp313t-macosx_10_13_x86_64.whl",
  "numpy-2.2.6-cp313-cp313t-macosx_11_0_arm64.whl",
  "numpy-2.2.6-cp313-cp313t-macosx_14_0_arm64.whl",
  "numpy-2.2.6-cp313-cp313t-macosx_14_0_x86_64.whl",
  "numpy-2.2.6-cp313-cp313t-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
  "numpy-2.2.6-cp313-cp313t-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
];

const MARKUPSAFE = [
  "MarkupSafe-3.0.2-cp311-cp311-macosx_10_9_universal2.whl",
  "MarkupSafe-3.0.2-cp311-cp311-macosx_11_0_arm64.whl",
  "MarkupSafe-3.0.2-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
  "MarkupSafe-3.0.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
  "MarkupSafe-3.0.2-cp311-cp311-manylinux_2_5_i686.manylinux1_i686.manylinux_2_17_i686.manylinux2014_i686.whl",
  "MarkupSafe-3.0.2-cp311-cp311-musllinux_1_2_x86_64.whl",
  "MarkupSafe-3.0.2-cp312-cp312-macosx_10_13_universal2.whl",
  "MarkupSafe-3.0.2-cp312-cp312-macosx_11_0_arm64.whl",
  "MarkupSafe-3.0.2-cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
  "MarkupSafe-3.0.2-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
  "MarkupSafe-3.0.2-cp312-cp312-musllinux_1_2_aarch64.whl",
  "MarkupSafe-3.0.2-cp312-cp312-win_amd64.whl",
  "MarkupSafe-3.0.2-cp313-cp313-macosx_10_13_universal2.whl",
  "MarkupSafe-3.0.2-cp313-cp313-macosx_11_0_arm64.whl",
  "MarkupSafe-3.0.2-cp313-cp313-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
  "MarkupSafe-3.0.2-cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
  "MarkupSafe-3.0.2-cp313-cp313-musllinux_1_2_x86_64.whl",
  "MarkupSafe-3.0.2-cp313-cp313t-macosx_10_13_universal2.whl",
  "MarkupSafe-3.0.2-cp313-cp313t-macosx_11_0_arm64.whl",
  "MarkupSafe-3.0.2-cp313-cp313t-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
];

const CHARSET_NORMALIZER = [
  "charset_normalizer-3.4.4-cp311-cp311-macosx_10_9_universal2.whl",
  "charset_normalizer-3.4.4-cp311-cp311-manylinux2014_aarch64.manylinux_2_17_aarch64.manylinux_2_28_aarch64.whl",
  "charset_normalizer-3.4.4-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl",
  "charset_normalizer-3.4.4-cp311-cp311-musllinux_1_2_x86_64.whl",
  "charset_normalizer-3.4.4-cp312-cp312-macosx_10_13_universal2.whl",
  "charset_normalizer-3.4.4-cp312-cp312-manylinux2014_aarch64.manylinux_2_17_aarch64.manylinux_2_28_aarch64.whl",
  "charset_normalizer-3.4.4-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl",
  "charset_normalizer-3.4.4-cp312-cp312-manylinux_2_31_riscv64.manylinux_2_39_riscv64.whl",
  "charset_normalizer-3.4.4-cp312-cp312-musllinux_1_2_aarch64.whl",
  "charset_normalizer-3.4.4-cp312-cp312-win_arm64.whl",
  "charset_normalizer-3.4.4-py3-none-any.whl",
];

type System = WheelTarget["system"];
const SYSTEMS: System[] = ["x86_64-linux", "aarch64-linux", "x86_64-darwin", "aarch64-darwin"];

function pick(files: string[], target: WheelTarget): string | undefined {
  return bestWheel(
    files.map((filename) => ({ filename })),
    target,
  )?.filename;
}

function rank(filename: string, target: WheelTarget): number | undefined {
  return wheelTagRank(parseWheelFilename(filename), target);
}

/** Expected choice per system, for python 3.11, 3.12 and 3.13. */
type Table = Record<System, [string | undefined, string | undefined, string | undefined]>;

function checkTable(files: string[], table: Table) {
  for (const system of SYSTEMS) {
    ["3.11", "3.12", "3.13"].forEach((pythonVersion, i) => {
      expect(pick(files, { system, pythonVersion }), `${system} python ${pythonVersion}`).toBe(table[system][i]);
    });
  }
}

describe("parseWheelFilename", () => {
  it("splits a simple wheel and normalizes the name", () => {
    expect(parseWheelFilename("charset_normalizer-3.4.4-py3-none-any.whl")).toEqual({
      name: "charset-normalizer",
      version: "3.4.4",
      pythonTags: ["py3"],
      abiTags: ["none"],
      platformTags: ["any"],
    });
    expect(parseWheelFilename("MarkupSafe-3.0.2-cp312-cp312-win_amd64.whl").name).toBe("markupsafe");
  });

  it("expands compressed tag sets", () => {
    expect(parseWheelFilename("Flask-1.1.4-py2.py3-none-any.whl").pythonTags).toEqual(["py2", "py3"]);
    const w = parseWheelFilename(
      "MarkupSafe-3.0.2-cp311-cp311-manylinux_2_5_i686.manylinux1_i686.manylinux_2_17_i686.manylinux2014_i686.whl",
    );
    expect(w.platformTags).toEqual(["manylinux_2_5_i686", "manylinux1_i686", "manylinux_2_17_i686", "manylinux2014_i686"]);
    expect(w.abiTags).toEqual(["cp311"]);
  });

  it("reads build tags", () => {
    const torch = parseWheelFilename("torch-2.0.0-1-cp310-cp310-manylinux2014_aarch64.whl");
    expect(torch).toMatchObject({ name: "torch", version: "2.0.0", build: "1", pythonTags: ["cp310"] });
    expect(parseWheelFilename("nvidia_cudnn_cu11-8.5.0.96-2-py3-none-manylinux1_x86_64.whl")).toMatchObject({
      name: "nvidia-cudnn-cu11",
      version: "8.5.0.96",
      build: "2",
      platformTags: ["manylinux1_x86_64"],
    });
    expect(parseWheelFilename("numpy-2.2.6-cp312-cp312-win32.whl").build).toBeUndefined();
  });

  it("keeps local versions", () => {
    expect(parseWheelFilename("torch-2.0.0+cpu-cp311-cp311-linux_x86_64.whl").version).toBe("2.0.0+cpu");
  });

  it.each([
    ["numpy-2.2.6.tar.gz", /\.whl/],
    ["foo-1.0-py3-none.whl", /5 or 6 dash-separated fields/],
    ["foo-bar-1.0-1-py3-none-any.whl", /5 or 6 dash-separated fields/],
    ["foo-1.0-x1-py3-none-any.whl", /build tag "x1" must start with a digit/],
    ["foo-latest-py3-none-any.whl", /version "latest" is not a PEP 440 version/],
    ["foo-1.0-py3.-none-any.whl", /bad python tag/],
    ["foo-1.0-3py-none-any.whl", /bad python tag "3py"/],
    ["foo-1.0-py3-none-.whl", /bad platform tag/],
    ["foo__bar-1.0-py3-none-any.whl", /bad project name "foo__bar"/],
    ["foo+bar-1.0-py3-none-any.whl", /bad project name/],
  ])("rejects %s", (filename, message) => {
    let error: unknown;
    try {
      parseWheelFilename(filename);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ParseError);
    expect(error).toBeInstanceOf(Lock2nixError);
    expect((error as Error).message).toContain(filename);
    expect((error as Error).message).toMatch(message);
  });
});

describe("parseSdistFilename", () => {
  it.each([
    ["aliyun-python-sdk-core-v3-2.13.33.tar.gz", "aliyun-python-sdk-core-v3", "2.13.33", ".tar.gz"],
    ["azure-mgmt-compute-30.0.0.zip", "azure-mgmt-compute", "30.0.0", ".zip"],
    ["Django-4.1.13.tar.gz", "django", "4.1.13", ".tar.gz"],
    ["zope.interface-5.4.0.tar.bz2", "zope-interface", "5.4.0", ".tar.bz2"],
    ["foo_bar-1.0rc1.tgz", "foo-bar", "1.0rc1", ".tgz"],
    ["pkg-2-1.0.tar.xz", "pkg-2", "1.0", ".tar.xz"],
    ["old-0.1.tar", "old", "0.1", ".tar"],
  ])("%s", (filename, name, version, extension) => {
    expect(parseSdistFilename(filename)).toEqual({ name, version, extension });
  });

  it.each(["1.5.0.zip", "main.tar.gz", "foo-1.0.whl", "foo-bar.tar.gz", "foo-1.0.rar"])("gives up on %s", (f) => {
    expect(parseSdistFilename(f)).toBeUndefined();
  });
});

describe("binary or pure", () => {
  it("tells them apart", () => {
    const pure = parseWheelFilename("Flask-1.1.4-py2.py3-none-any.whl");
    const bin = parseWheelFilename("numpy-2.2.6-cp312-cp312-macosx_14_0_arm64.whl");
    expect([isBinaryWheel(pure), isPlatformIndependent(pure)]).toEqual([false, true]);
    expect([isBinaryWheel(bin), isPlatformIndependent(bin)]).toEqual([true, false]);
    const abi3any = parseWheelFilename("foo-1.0-cp38-abi3-any.whl");
    expect(isBinaryWheel(abi3any)).toBe(false);
  });
});

describe("defaults", () => {
  it("match the nixpkgs release lock2nix targets", () => {
    expect(DEFAULT_GLIBC).toBe("2.40");
    expect(DEFAULT_MACOS).toEqual({ "x86_64-darwin": "14.0", "aarch64-darwin": "14.0" });
  });
});

describe("bestWheel on real release sets", () => {
  it("cryptography: newest-glibc abi3, the universal2 wheel on both Macs", () => {
    const linux = (arch: string) => `cryptography-46.0.6-cp311-abi3-manylinux_2_34_${arch}.whl`;
    const mac = "cryptography-46.0.6-cp311-abi3-macosx_10_9_universal2.whl";
    checkTable(CRYPTOGRAPHY, {
      "x86_64-linux": [linux("x86_64"), linux("x86_64"), linux("x86_64")],
      "aarch64-linux": [linux("aarch64"), linux("aarch64"), linux("aarch64")],
      "x86_64-darwin": [mac, mac, mac],
      "aarch64-darwin": [mac, mac, mac],
    });
  });

  it("cryptography: the cp38 abi3 build on 3.10, older glibc picks older tags", () => {
    expect(pick(CRYPTOGRAPHY, { system: "x86_64-linux", pythonVersion: "3.10" })).toBe(
      "cryptography-46.0.6-cp38-abi3-manylinux_2_34_x86_64.whl",
    );
    expect(pick(CRYPTOGRAPHY, { system: "x86_64-linux", pythonVersion: "3.12", glibc: "2.33" })).toBe(
      "cryptography-46.0.6-cp311-abi3-manylinux_2_28_x86_64.whl",
    );
    expect(pick(CRYPTOGRAPHY, { system: "aarch64-linux", pythonVersion: "3.12", glibc: "2.27" })).toBe(
      "cryptography-46.0.6-cp311-abi3-manylinux2014_aarch64.manylinux_2_17_aarch64.whl",
    );
    expect(pick(CRYPTOGRAPHY, { system: "x86_64-linux", pythonVersion: "3.12", glibc: "2.16" })).toBeUndefined();
  });

  it("numpy: per-version wheels, macOS 14 builds at nixpkgs' deployment target", () => {
    const n = (py: string, plat: string) => `numpy-2.2.6-cp${py}-cp${py}-${plat}.whl`;
    const ml = (arch: string) => `manylinux_2_17_${arch}.manylinux2014_${arch}`;
    checkTable(NUMPY, {
      "x86_64-linux": [n("311", ml("x86_64")), n("312", ml("x86_64")), n("313", ml("x86_64"))],
      "aarch64-linux": [n("311", ml("aarch64")), n("312", ml("aarch64")), n("313", ml("aarch64"))],
      "x86_64-darwin": [n("311", "macosx_14_0_x86_64"), n("312", "macosx_14_0_x86_64"), n("313", "macosx_14_0_x86_64")],
      "aarch64-darwin": [n("311", "macosx_14_0_arm64"), n("312", "macosx_14_0_arm64"), n("313", "macosx_14_0_arm64")],
    });
  });

  it("numpy: an older macOS target falls back to the older build", () => {
    expect(pick(NUMPY, { system: "x86_64-darwin", pythonVersion: "3.12", macosVersion: "11.3" })).toBe(
      "numpy-2.2.6-cp312-cp312-macosx_10_13_x86_64.whl",
    );
    expect(pick(NUMPY, { system: "aarch64-darwin", pythonVersion: "3.12", macosVersion: "13.0" })).toBe(
      "numpy-2.2.6-cp312-cp312-macosx_11_0_arm64.whl",
    );
    expect(pick(NUMPY, { system: "x86_64-darwin", pythonVersion: "3.11", macosVersion: "10.9" })).toBe(
      "numpy-2.2.6-cp311-cp311-macosx_10_9_x86_64.whl",
    );
    expect(pick(NUMPY, { system: "x86_64-darwin", pythonVersion: "3.12", macosVersion: "10.12" })).toBeUndefined();
  });

  it("MarkupSafe: arm64 over universal2, never the free-threaded build", () => {
    const m = (py: string, plat: string) => `MarkupSafe-3.0.2-cp${py}-cp${py}-${plat}.whl`;
    const ml = (arch: string) => `manylinux_2_17_${arch}.manylinux2014_${arch}`;
    checkTable(MARKUPSAFE, {
      "x86_64-linux": [m("311", ml("x86_64")), m("312", ml("x86_64")), m("313", ml("x86_64"))],
      "aarch64-linux": [m("311", ml("aarch64")), m("312", ml("aarch64")), m("313", ml("aarch64"))],
      "x86_64-darwin": [m("311", "macosx_10_9_universal2"), m("312", "macosx_10_13_universal2"), m("313", "macosx_10_13_universal2")],
      "aarch64-darwin": [m("311", "macosx_11_0_arm64"), m("312", "macosx_11_0_arm64"), m("313", "macosx_11_0_arm64")],
    });
    const freeThreadedOnly = MARKUPSAFE.filter((f) => f.includes("cp313t"));
    expect(pick(freeThreadedOnly, { system: "x86_64-linux", pythonVersion: "3.13" })).toBeUndefined();
  });

  it("charset-normalizer: the pure wheel where no binary one fits", () => {
    const c = (py: string, plat: string) => `charset_normalizer-3.4.4-cp${py}-cp${py}-${plat}.whl`;
    const pure = "charset_normalizer-3.4.4-py3-none-any.whl";
    const ml = (arch: string) => `manylinux2014_${arch}.manylinux_2_17_${arch}.manylinux_2_28_${arch}`;
    checkTable(CHARSET_NORMALIZER, {
      "x86_64-linux": [c("311", ml("x86_64")), c("312", ml("x86_64")), pure],
      "aarch64-linux": [c("311", ml("aarch64")), c("312", ml("aarch64")), pure],
      "x86_64-darwin": [c("311", "macosx_10_9_universal2"), c("312", "macosx_10_13_universal2"), pure],
      "aarch64-darwin": [c("311", "macosx_10_9_universal2"), c("312", "macosx_10_13_universal2"), pure],
    });
  });

  it("returns undefined when nothing fits, skipping sdists and bad names", () => {
    const files = ["numpy-2.2.6.tar.gz", "numpy-2.2.6-cp312-cp312-win_amd64.whl", "not-a-wheel.whl"];
    expect(pick(files, { system: "x86_64-linux", pythonVersion: "3.12" })).toBeUndefined();
    expect(pick([], { system: "x86_64-linux", pythonVersion: "3.12" })).toBeUndefined();
  });

  it("returns the artifact object itself", () => {
    const a = { filename: "charset_normalizer-3.4.4-py3-none-any.whl", url: "https://example.invalid/a" };
    expect(bestWheel([a], { system: "aarch64-darwin", pythonVersion: "3.12" })).toBe(a);
  });

  it("breaks ties by build tag, then by file name, whatever the input order", () => {
    const target: WheelTarget = { system: "x86_64-linux", pythonVersion: "3.12" };
    const builds = ["foo-1.0-1-py3-none-any.whl", "foo-1.0-py3-none-any.whl", "foo-1.0-2-py3-none-any.whl"];
    expect(pick(builds, target)).toBe("foo-1.0-2-py3-none-any.whl");
    expect(pick([...builds].reverse(), target)).toBe("foo-1.0-2-py3-none-any.whl");
    const names = ["Foo-1.0-py3-none-any.whl", "foo-1.0-py3-none-any.whl"];
    expect(pick(names, target)).toBe("Foo-1.0-py3-none-any.whl");
    expect(pick([...names].reverse(), target)).toBe("Foo-1.0-py3-none-any.whl");
  });
});

describe("wheelTagRank ordering", () => {
  const linux312: WheelTarget = { system: "x86_64-linux", pythonVersion: "3.12" };

  /** Asserts each file is compatible and ranks strictly above the next. */
  function expectOrder(files: string[], target: WheelTarget) {
    const ranks = files.map((f) => rank(f, target));
    ranks.forEach((r, i) => expect(r, files[i]).toBeTypeOf("number"));
    for (let i = 1; i < ranks.length; i++) {
      expect(ranks[i - 1]!, `${files[i - 1]} > ${files[i]}`).toBeGreaterThan(ranks[i]!);
    }
  }

  it("prefers newer manylinux tags", () => {
    expectOrder(
      [
        "x-1.0-cp312-cp312-manylinux_2_34_x86_64.whl",
        "x-1.0-cp312-cp312-manylinux_2_28_x86_64.whl",
        "x-1.0-cp312-cp312-manylinux2014_x86_64.whl",
        "x-1.0-cp312-cp312-manylinux2010_x86_64.whl",
        "x-1.0-cp312-cp312-manylinux1_x86_64.whl",
      ],
      linux312,
    );
    // A compressed set ranks as its best member.
    expect(rank("x-1.0-cp312-cp312-manylinux2014_x86_64.manylinux_2_28_x86_64.whl", linux312)).toBe(
      rank("x-1.0-cp312-cp312-manylinux_2_28_x86_64.whl", linux312),
    );
    // The legacy alias and its PEP 600 name are interchangeable.
    expect(rank("x-1.0-cp312-cp312-manylinux2014_x86_64.whl", linux312)).toBe(
      rank("x-1.0-cp312-cp312-manylinux_2_17_x86_64.whl", linux312)! - 1,
    );
  });

  it("follows packaging's interpreter/ABI order before the platform", () => {
    expectOrder(
      [
        "x-1.0-cp312-cp312-manylinux1_x86_64.whl",
        "x-1.0-cp312-abi3-manylinux_2_40_x86_64.whl",
        "x-1.0-cp312-none-manylinux_2_17_x86_64.whl",
        "x-1.0-cp311-abi3-manylinux_2_17_x86_64.whl",
        "x-1.0-cp38-abi3-manylinux_2_17_x86_64.whl",
        "x-1.0-cp32-abi3-manylinux_2_17_x86_64.whl",
        "x-1.0-py312-none-manylinux_2_17_x86_64.whl",
        "x-1.0-py3-none-manylinux_2_17_x86_64.whl",
        "x-1.0-py311-none-manylinux_2_17_x86_64.whl",
        "x-1.0-cp312-none-any.whl",
        "x-1.0-py312-none-any.whl",
        "x-1.0-py3-none-any.whl",
        "x-1.0-py311-none-any.whl",
        "x-1.0-py30-none-any.whl",
      ],
      linux312,
    );
  });

  it("rejects other interpreters, ABIs and platforms", () => {
    for (const f of [
      "x-1.0-cp310-cp310-manylinux_2_17_x86_64.whl",
      "x-1.0-cp313-cp313-manylinux_2_17_x86_64.whl",
      "x-1.0-cp313-abi3-manylinux_2_17_x86_64.whl",
      "x-1.0-cp312-cp312t-manylinux_2_17_x86_64.whl",
      "x-1.0-cp312-abi3-any.whl",
      "x-1.0-pp310-pypy310_pp73-manylinux_2_17_x86_64.whl",
      "x-1.0-py2-none-any.whl",
      "x-1.0-py313-none-any.whl",
      "x-1.0-cp312-cp312-musllinux_1_2_x86_64.whl",
      "x-1.0-cp312-cp312-linux_x86_64.whl",
      "x-1.0-cp312-cp312-manylinux_2_17_aarch64.whl",
      "x-1.0-cp312-cp312-manylinux_2_17_i686.whl",
      "x-1.0-cp312-cp312-manylinux_2_41_x86_64.whl",
      "x-1.0-cp312-cp312-manylinux_2_4_x86_64.whl",
      "x-1.0-cp312-cp312-win_amd64.whl",
      "x-1.0-cp312-cp312-macosx_11_0_x86_64.whl",
    ]) {
      expect(rank(f, linux312), f).toBeUndefined();
    }
    expect(rank("x-1.0-cp38-abi3-manylinux_2_17_x86_64.whl", linux312)).toBeTypeOf("number");
  });

  it("musllinux is rejected even when it is the only Linux wheel", () => {
    const files = ["MarkupSafe-3.0.2-cp312-cp312-musllinux_1_2_aarch64.whl", "MarkupSafe-3.0.2-cp312-cp312-win_amd64.whl"];
    expect(pick(files, { system: "aarch64-linux", pythonVersion: "3.12" })).toBeUndefined();
  });

  it("aarch64 manylinux starts at glibc 2.17 and has no manylinux1/2010 aliases", () => {
    const t: WheelTarget = { system: "aarch64-linux", pythonVersion: "3.12" };
    expect(rank("x-1.0-cp312-cp312-manylinux_2_17_aarch64.whl", t)).toBeTypeOf("number");
    expect(rank("x-1.0-cp312-cp312-manylinux2014_aarch64.whl", t)).toBeTypeOf("number");
    expect(rank("x-1.0-cp312-cp312-manylinux_2_12_aarch64.whl", t)).toBeUndefined();
    expect(rank("x-1.0-cp312-cp312-manylinux2010_aarch64.whl", t)).toBeUndefined();
    expect(rank("x-1.0-cp312-cp312-manylinux_2_17_x86_64.whl", t)).toBeUndefined();
  });

  it("the target glibc bounds manylinux", () => {
    const f = "x-1.0-cp312-cp312-manylinux_2_41_x86_64.whl";
    expect(rank(f, linux312)).toBeUndefined();
    expect(rank(f, { ...linux312, glibc: "2.42" })).toBeTypeOf("number");
    expect(rank("x-1.0-cp312-cp312-manylinux_2_28_x86_64.whl", { ...linux312, glibc: "2.27" })).toBeUndefined();
  });

  it("macOS: newest version first, specific arch over universal2", () => {
    const arm: WheelTarget = { system: "aarch64-darwin", pythonVersion: "3.12" };
    expectOrder(
      [
        "x-1.0-cp312-cp312-macosx_14_0_arm64.whl",
        "x-1.0-cp312-cp312-macosx_14_0_universal2.whl",
        "x-1.0-cp312-cp312-macosx_11_0_arm64.whl",
        "x-1.0-cp312-cp312-macosx_11_0_universal2.whl",
        "x-1.0-cp312-cp312-macosx_10_13_universal2.whl",
        "x-1.0-cp312-cp312-macosx_10_9_universal2.whl",
      ],
      arm,
    );
    const intel: WheelTarget = { system: "x86_64-darwin", pythonVersion: "3.12" };
    expectOrder(
      [
        "x-1.0-cp312-cp312-macosx_12_0_x86_64.whl",
        "x-1.0-cp312-cp312-macosx_11_0_universal2.whl",
        "x-1.0-cp312-cp312-macosx_10_15_x86_64.whl",
        "x-1.0-cp312-cp312-macosx_10_9_x86_64.whl",
        "x-1.0-cp312-cp312-macosx_10_9_intel.whl",
        "x-1.0-cp312-cp312-macosx_10_9_fat64.whl",
        "x-1.0-cp312-cp312-macosx_10_9_fat32.whl",
        "x-1.0-cp312-cp312-macosx_10_9_universal2.whl",
        "x-1.0-cp312-cp312-macosx_10_9_universal.whl",
        "x-1.0-cp312-cp312-macosx_10_6_intel.whl",
      ],
      intel,
    );
  });

  it("macOS: wrong arch, too new, or non-zero minor from 11 on are rejected", () => {
    const arm: WheelTarget = { system: "aarch64-darwin", pythonVersion: "3.12" };
    const intel: WheelTarget = { system: "x86_64-darwin", pythonVersion: "3.12" };
    expect(rank("x-1.0-cp312-cp312-macosx_10_9_x86_64.whl", arm)).toBeUndefined();
    expect(rank("x-1.0-cp312-cp312-macosx_10_9_intel.whl", arm)).toBeUndefined();
    expect(rank("x-1.0-cp312-cp312-macosx_11_0_arm64.whl", intel)).toBeUndefined();
    expect(rank("x-1.0-cp312-cp312-macosx_15_0_arm64.whl", arm)).toBeUndefined();
    expect(rank("x-1.0-cp312-cp312-macosx_14_0_arm64.whl", { ...arm, macosVersion: "13.5" })).toBeUndefined();
    expect(rank("x-1.0-cp312-cp312-macosx_14_0_arm64.whl", { ...arm, macosVersion: "14" })).toBeTypeOf("number");
    // Same major, later minor: the minor of the target counts for nothing from 11 on.
    expect(rank("x-1.0-cp312-cp312-macosx_14_0_arm64.whl", { ...arm, macosVersion: "14.5" })).toBe(
      rank("x-1.0-cp312-cp312-macosx_14_0_arm64.whl", arm),
    );
    // packaging only generates <major>_0 tags for macOS 11 and later.
    expect(rank("x-1.0-cp312-cp312-macosx_11_3_arm64.whl", arm)).toBeUndefined();
    expect(rank("x-1.0-cp312-cp312-macosx_10_16_x86_64.whl", intel)).toBeTypeOf("number");
    expect(rank("x-1.0-cp312-cp312-macosx_10_3_x86_64.whl", intel)).toBeUndefined();
    expect(rank("x-1.0-cp312-cp312-macosx_11_0_x86_64.whl", { ...intel, macosVersion: "10.15" })).toBeUndefined();
    expect(rank("x-1.0-cp312-cp312-manylinux_2_17_x86_64.whl", intel)).toBeUndefined();
  });

  it("universal2 is chosen when it is the only Mac wheel", () => {
    const files = [
      "charset_normalizer-3.4.4-cp312-cp312-macosx_10_13_universal2.whl",
      "charset_normalizer-3.4.4-cp312-cp312-musllinux_1_2_aarch64.whl",
    ];
    for (const system of ["x86_64-darwin", "aarch64-darwin"] as const) {
      expect(pick(files, { system, pythonVersion: "3.12" })).toBe(files[0]);
    }
  });

  it("Python before 3.8 uses the m ABI flag", () => {
    const t: WheelTarget = { system: "x86_64-linux", pythonVersion: "3.7" };
    expect(rank("x-1.0-cp37-cp37m-manylinux1_x86_64.whl", t)).toBeTypeOf("number");
    expect(rank("x-1.0-cp37-cp37-manylinux1_x86_64.whl", t)).toBeUndefined();
  });

  it("rejects bad targets", () => {
    const w = parseWheelFilename("x-1.0-py3-none-any.whl");
    expect(() => wheelTagRank(w, { system: "x86_64-linux", pythonVersion: "three" })).toThrow(Lock2nixError);
    expect(() => wheelTagRank(w, { system: "x86_64-linux", pythonVersion: "3.12", glibc: "musl" })).toThrow(/glibc/);
    expect(() => wheelTagRank(w, { system: "x86_64-windows" as never, pythonVersion: "3.12" })).toThrow(/x86_64-windows/);
  });
});
