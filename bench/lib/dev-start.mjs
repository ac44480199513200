// `acr dev` start time: from spawning `node cli/dist/bin.js dev` to its first 200 on GET /health, and to its
// banner (the platform seeded with recipes and examples, ready to use). Each run is a fresh process on a fresh
// state folder, with HOME, ARCRUN_HOME and the working directory in a temporary folder, so nothing of the
// user's own platform is read or written.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, root } from "./platforms.mjs";

const bin = join(root, "cli", "dist", "bin.js");

async function once(timeoutMs) {
  const dir = mkdtempSync(join(tmpdir(), "arcrun-bench-devstart-"));
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [bin, "dev", "--port", String(port), "--state", join(dir, "state")], {
    cwd: dir,
    env: { ...process.env, HOME: dir, ARCRUN_HOME: join(dir, "home"), WRANGLER_SEND_METRICS: "false" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr = (stderr + d).slice(-2000);
  });
  const ready = new Promise((resolve) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("arcrun is running locally")) resolve(performance.now() - t0);
    });
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  try {
    let healthMs = null;
    const deadline = t0 + timeoutMs;
    while (healthMs === null && performance.now() < deadline && child.exitCode === null) {
      const r = await fetch(`http://127.0.0.1:${port}/health`).catch(() => null);
      if (r?.status === 200) healthMs = performance.now() - t0;
      else await new Promise((res) => setTimeout(res, 20));
      await r?.arrayBuffer().catch(() => undefined);
    }
    if (healthMs === null) throw new Error(`acr dev did not answer /health: ${stderr.trim().slice(-300)}`);
    let timer;
    const readyMs = await Promise.race([
      ready,
      exited.then(() => null),
      new Promise((r) => {
        timer = setTimeout(r, 60_000, null);
      }),
    ]);
    clearTimeout(timer);
    return { healthMs: Math.round(healthMs), readyMs: readyMs === null ? null : Math.round(readyMs) };
  } finally {
    if (child.exitCode === null) child.kill("SIGTERM");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Starts `acr dev` `runs` times; returns each run and the medians (`healthMs`, `readyMs`).
 *
 * @example
 * const { healthMs } = await measureDevStart({ runs: 3 });
 */
export async function measureDevStart({ runs = 3, timeoutMs = 120_000 } = {}) {
  const all = [];
  for (let i = 0; i < runs; i++) all.push(await once(timeoutMs));
  const median = (k) => {
    const xs = all.map((r) => r[k]).filter((x) => x !== null);
    return xs.length ? xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] : null;
  };
  return { runs: all, healthMs: median("healthMs"), readyMs: median("readyMs") };
}
