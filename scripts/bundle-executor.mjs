// Bundles the cypher-executor exactly as `wrangler deploy` would, into cypher-executor/dist,
// which the local platform (acr dev / acr serve) then runs on workerd.
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cwd = join(root, "cypher-executor");
execFileSync(
  process.execPath,
  [join(root, "node_modules/wrangler/bin/wrangler.js"), "deploy", "--dry-run", "--outdir", "dist"],
  {
    cwd,
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_LOG: process.env.WRANGLER_LOG ?? "warn" },
  },
);
console.log("bundled cypher-executor → cypher-executor/dist");
