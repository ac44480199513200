import { defineConfig } from "vitest/config";

// One suite for the whole monorepo. Worker tests start the real workers on workerd through
// Miniflare (see cypher-executor/test/support/platform.ts); nothing mocks Hono, KV or WASM.
export default defineConfig({
  test: {
    include: ["{cypher-executor,cli,registry,js-sdk,landing,bench,scripts}/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**", ".component-builds/**", "cli/test/release/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    globalSetup: ["scripts/test-tmpdir.ts"],
    env: { WRANGLER_SEND_METRICS: "false" },
  },
});
