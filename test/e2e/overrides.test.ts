import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildFixturePackages, removeFixtures, type FixtureSet } from "../support/fixture-packages.js";
import { startIndexServer, type IndexServer } from "../support/index-server.js";
import { writePoetryLock, writePyproject, type RootProject } from "../support/poetry-lock-writer.js";
import { NIX_SKIP_REASON, tempDir } from "../helpers.js";
import { generateInto, nixBuild, runPython } from "./nix-build.js";

/**
 * Overrides for real: `needs-native` is an sdist whose build looks for libxml-2.0.pc with
 * pkg-config, so it builds in Nix's sandbox (with the stand-in for nixpkgs in test/nix) only
 * when a user override file, passed as --overrides, gives it pkg-config and libxml2.
 */

let fixtures: FixtureSet;
let index: IndexServer;

function project(): string {
  const dir = tempDir("lock2nix-e2e-overrides-");
  const root: RootProject = { name: "e2e-app", version: "0.1.0", python: "^3.11", dependencies: [{ name: "needs-native" }], source: { name: "loopback", url: index.simpleUrl } };
  const packages = fixtures.packages.filter((p) => p.name !== "phones-home");
  writeFileSync(join(dir, "pyproject.toml"), writePyproject(root));
  writeFileSync(join(dir, "poetry.lock"), writePoetryLock(packages, { lockVersion: "2.0", sourceUrl: index.simpleUrl, sourceName: "loopback", root }));
  return dir;
}

describe.skipIf(NIX_SKIP_REASON)("override files in the Nix sandbox", () => {
  beforeAll(async () => {
    fixtures = await buildFixturePackages({ phonesHomePort: 9 });
    index = await startIndexServer({ files: fixtures.indexFiles });
  });

  afterAll(async () => {
    await index?.close();
    removeFixtures();
  });

  it("fails to build needs-native without an override", async () => {
    const dir = project();
    const file = await generateInto(dir, []);
    const built = await nixBuild(file, "packages.needs-native", { outLink: join(dir, "result") });
    expect(built.ok).toBe(false);
    expect(built.log).toContain("needs-native: libxml-2.0.pc not found on PKG_CONFIG_PATH");
  }, 600_000);

  it("builds needs-native with --overrides giving it pkg-config and libxml2", async () => {
    const dir = project();
    const overrides = join(dir, "overrides.yaml");
    writeFileSync(overrides, "needs-native: { nativeBuildInputs: [pkg-config], buildInputs: [libxml2] }\n");
    const file = await generateInto(dir, [overrides]);
    const built = await nixBuild(file, "env", { outLink: join(dir, "result") });
    expect(built.ok, built.log).toBe(true);
    expect(runPython(built.out, "import needs_native; print(needs_native.NAME)").output.trim()).toBe("needs-native");
  }, 600_000);
});
