import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // The cluster suite has its own config (a real control plane): npm run test:cluster.
    exclude: ["tests/cluster/**", "**/node_modules/**"],
    // The CLI the tests spawn runs the compiled JavaScript: built (when stale) before any test.
    globalSetup: ["tests/support/build-js.ts"],
    testTimeout: 60_000,
    pool: "forks",
  },
});
