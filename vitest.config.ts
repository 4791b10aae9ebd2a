import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: timing-sensitive tests (simulator, client) must not fight for them.
    maxWorkers: 2,
  },
});
