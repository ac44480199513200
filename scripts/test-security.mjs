// `npm run test:security`: the security suite (cypher-executor/test/security, TLS outbound on serve),
// then its summary: inputs tried, refused, 5xx and breaches per area (scripts/test-summary.mjs).
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { summaryFile } from "./test-summary.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
process.env.WRANGLER_SEND_METRICS = "false";
const summary = summaryFile();
const vitest = spawnSync(
  join(root, "node_modules", ".bin", "vitest"),
  ["run", "cypher-executor/test/security", "cli/test/serve-tls.test.ts", ...process.argv.slice(2)],
  { cwd: root, stdio: "inherit", env: { ...process.env, ARCRUN_TEST_SUMMARY: summary.path } },
);
summary.print();
summary.remove();
process.exit(vitest.status === 0 ? 0 : 1);
