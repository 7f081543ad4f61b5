import { describe, expect, it } from "vitest";
import { manylinuxSet } from "../../src/emit/index.js";

describe("the manylinux library set of a Linux binary wheel", () => {
  it.each([
    ["a-1-cp312-cp312-manylinux1_x86_64.whl", "manylinux1"],
    ["a-1-cp312-cp312-manylinux2010_x86_64.whl", "manylinux2010"],
    ["a-1-cp312-cp312-manylinux2014_aarch64.whl", "manylinux2014"],
    ["a-1-cp312-cp312-manylinux_2_5_x86_64.manylinux1_x86_64.whl", "manylinux1"],
    ["a-1-cp312-cp312-manylinux_2_12_x86_64.manylinux2010_x86_64.whl", "manylinux2010"],
    ["a-1-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "manylinux2014"],
    ["a-1-cp312-cp312-manylinux_2_28_x86_64.whl", "manylinux2014"],
    ["a-1-cp312-cp312-musllinux_1_2_x86_64.whl", "manylinux2014"],
    ["a-1-cp312-cp312-linux_x86_64.whl", "manylinux2014"],
  ])("%s gets %s", (filename, set) => {
    expect(manylinuxSet(filename)).toBe(set);
  });

  it("is none for a macOS or pure wheel", () => {
    expect(manylinuxSet("a-1-cp312-cp312-macosx_11_0_arm64.whl")).toBeUndefined();
    expect(manylinuxSet("a-1-py3-none-any.whl")).toBeUndefined();
  });
});
