import { defineConfig } from "vitest/config";

// `npm run test:release`: what a release must pass beyond `npm test`: the packed CLI installed outside the
// checkout, and the README's first screen on a fresh clone. Slow (npm installs), so not in `npm test`.
export default defineConfig({
  test: {
    include: ["cli/test/release/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 900_000,
    pool: "forks",
    globalSetup: ["scripts/test-tmpdir.ts"],
    fileParallelism: false,
    env: { WRANGLER_SEND_METRICS: "false" },
  },
});
