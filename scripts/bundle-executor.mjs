// Bundles the cypher-executor exactly as `wrangler deploy` would, into cypher-executor/dist,
// which the local platform (acr dev / acr serve) then runs on workerd.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cwd = join(root, "cypher-executor");
const dist = join(cwd, "dist");
// Bundle beside dist, then swap file by file: wrangler names wasm modules by content hash, so without the
// sweep every rebuild would leave the old modules behind (and inflate what we measure and ship).
const fresh = mkdtempSync(join(cwd, ".dist-"));
try {
  execFileSync(
    process.execPath,
    [join(root, "node_modules/wrangler/bin/wrangler.js"), "deploy", "--dry-run", "--outdir", fresh],
    {
      cwd,
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_LOG: process.env.WRANGLER_LOG ?? "warn" },
    },
  );
  mkdirSync(dist, { recursive: true });
  const keep = new Set(readdirSync(fresh));
  for (const f of keep) renameSync(join(fresh, f), join(dist, f));
  for (const f of readdirSync(dist)) if (!keep.has(f)) rmSync(join(dist, f), { recursive: true, force: true });
} finally {
  if (existsSync(fresh)) rmSync(fresh, { recursive: true, force: true });
}
console.log("bundled cypher-executor → cypher-executor/dist");
