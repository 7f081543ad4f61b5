import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup.ts"],
    // Nix builds in the end-to-end tests take minutes on two cores.
    testTimeout: 30_000,
    hookTimeout: 600_000,
  },
});
