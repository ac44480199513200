import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const child = join(dirname(fileURLToPath(import.meta.url)), "cannon-child.mjs");

/**
 * One autocannon run against `url` (POST JSON `body`, or GET), in a child process.
 * Returns executions/s (2xx per second), p50/p99 latency in ms, and errors (non-2xx + socket errors + timeouts).
 */
export async function load({ url, body, method = "POST", headers = {}, connections, seconds }) {
  const opts = {
    url,
    method,
    ...(method === "GET"
      ? { headers }
      : { body: JSON.stringify(body), headers: { "content-type": "application/json", ...headers } }),
    connections,
    duration: seconds,
    timeout: 10,
  };
  const out = await new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, JSON.stringify(opts)], { stdio: ["ignore", "pipe", "inherit"] });
    let text = "";
    p.stdout.on("data", (d) => {
      text += d;
    });
    p.on("error", reject);
    p.on("exit", (code) => (code === 0 ? resolve(text) : reject(new Error(`autocannon exited ${code}`))));
  });
  const r = JSON.parse(out);
  const ok = r["2xx"] ?? 0;
  return {
    execPerSec: ok / (r.duration || seconds),
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: (r.non2xx ?? 0) + (r.errors ?? 0) + (r.timeouts ?? 0),
    requests: r.requests.total,
    ok,
  };
}
