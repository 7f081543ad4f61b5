import { afterAll } from "vitest";
import { removeTempDirs } from "./helpers.js";

// Vitest ends its workers without exit hooks: clean up after each test file instead.
afterAll(() => removeTempDirs());
