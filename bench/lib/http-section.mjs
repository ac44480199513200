// Section 3 and 4: HTTP throughput of arcrun (acr serve, acr dev), the bare worker ceiling and Node-RED,
// all on this machine in one run. Rows are plain objects; run.mjs prints and saves them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "./cannon.mjs";
import { countKvOps, readKvCounts } from "./kv-counter.mjs";
import { kvIdleDay } from "./kv-idle.mjs";
import { ensureNodeRed, startNodeRed } from "./nodered.mjs";
import { createKey, root, startBareMiniflare, startBareWorkerd, startDev, startServe } from "./platforms.mjs";
import { cpuMs, sampleRss } from "./proc.mjs";
import { ROW } from "./targets.mjs";

const BODY = { n: 21 };
export const WORKFLOWS = {
  three: { name: "bench_three", file: join(root, "bench", "workflows", "three.yaml") },
  chain10: { name: "bench_chain10", file: join(root, "bench", "workflows", "chain10.yaml") },
  three_failed: { name: "bench_three_failed", file: join(root, "bench", "workflows", "three_failed.yaml") },
};
/** Row labels of the workflows (targets.mjs picks rows by these). */
export const TARGETS = { three: ROW.three, chain10: ROW.chain10, three_failed: ROW.threeFailed };

/** One measured row: warm up, then one autocannon run per connection count. */
async function measure(rows, { system, target, url, headers, pid, plan, method = "POST" }) {
  await load({ url, body: BODY, method, headers, connections: 8, seconds: plan.warmup }).catch(() => undefined);
  for (const connections of plan.connections) {
    const cpu0 = cpuMs(pid);
    const rss = sampleRss(pid);
    let r;
    try {
      r = await load({ url, body: BODY, method, headers, connections, seconds: plan.seconds });
    } catch (err) {
      rows.push({ system, target, connections, failed: err.message });
      rss.stop();
      continue;
    }
    const cpu1 = cpuMs(pid);
    rows.push({
      system,
      target,
      connections,
      execPerSec: Math.round(r.execPerSec),
      p50: r.p50,
      p99: r.p99,
      errors: r.errors,
      rssMb: Math.round(rss.stop()),
      cpuMsPerExec: cpu0 !== null && cpu1 !== null && r.ok > 0 ? (cpu1 - cpu0) / r.ok : null,
    });
  }
}

/**
 * Deploys a workflow and checks its webhook answers 200; returns the trigger URL, or the reason it
 * cannot run yet (route missing, component missing, validation errors).
 */
export async function deploy(platform, key, wf) {
  const put = await fetch(`${platform.url}/v1/workflows/${wf.name}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${key.apiKey}`, "content-type": "application/yaml" },
    body: readFileSync(wf.file, "utf8"),
  });
  if (put.status === 404) return { unavailable: "PUT /v1/workflows/{name} not available yet" };
  if (put.status >= 300) return { unavailable: `deploy failed (${put.status}): ${(await put.text()).slice(0, 300)}` };
  const url = `${platform.url}/webhooks/named/${key.ns}/${wf.name}/trigger`;
  const headers = { authorization: `Bearer ${key.apiKey}` };
  const probe = await fetch(url, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify(BODY),
  });
  const text = await probe.text();
  if (probe.status === 404 && text.includes("No route"))
    return { unavailable: "webhook trigger route not available yet" };
  if (probe.status !== 200) return { unavailable: `webhook answered ${probe.status}: ${text.slice(0, 300)}` };
  return { url, headers, sample: text.slice(0, 200) };
}

/** arcrun on one platform: an API route that always exists, then each workflow that can run. */
async function benchPlatform(rows, notes, start, plan) {
  const platform = await start();
  try {
    const key = await createKey(platform);
    // The API-key check (hash + USERS_KV read) and Hono routing, without the engine.
    await measure(rows, {
      system: platform.name,
      target: ROW.whoami,
      url: `${platform.url}/v1/whoami`,
      method: "GET",
      headers: { authorization: `Bearer ${key.apiKey}` },
      pid: platform.pid,
      plan,
    });
    for (const [id, wf] of Object.entries(WORKFLOWS)) {
      if (plan.quick && id === "chain10") continue;
      const d = await deploy(platform, key, wf);
      const target = TARGETS[id];
      if (d.unavailable) {
        rows.push({ system: platform.name, target, skipped: d.unavailable });
        continue;
      }
      notes.samples[`${platform.name} ${target}`] = d.sample;
      await measure(rows, { system: platform.name, target, url: d.url, headers: d.headers, pid: platform.pid, plan });
    }
  } finally {
    await platform.dispose();
  }
}

/** KV operations per successful execution, counted on acr serve with pass-through counters. */
async function kvPerExecution(plan) {
  const platform = await startServe({ transformConfig: countKvOps });
  const out = {};
  try {
    const key = await createKey(platform);
    for (const [id, wf] of Object.entries(WORKFLOWS)) {
      const d = await deploy(platform, key, wf);
      if (d.unavailable) {
        out[id] = { skipped: d.unavailable };
        continue;
      }
      // Let work scheduled after the probe's response (history writes) finish before counting.
      await new Promise((r) => setTimeout(r, 500));
      const before = await readKvCounts(platform.ports.stats);
      let ok = 0;
      for (let i = 0; i < plan.kvSamples; i++) {
        const r = await fetch(d.url, {
          method: "POST",
          headers: { ...d.headers, "content-type": "application/json" },
          body: JSON.stringify(BODY),
        });
        await r.arrayBuffer();
        if (r.status === 200) ok++;
      }
      await new Promise((r) => setTimeout(r, 500));
      const after = await readKvCounts(platform.ports.stats);
      const per = (k) => (ok > 0 ? (after[k] - before[k]) / ok : null);
      const byNamespace = {};
      for (const [ns, c] of Object.entries(after.byNamespace)) {
        const b = before.byNamespace[ns];
        const d2 = {
          reads: c.reads - b.reads,
          writes: c.writes - b.writes,
          deletes: c.deletes - b.deletes,
          lists: c.lists - b.lists,
        };
        if (Object.values(d2).some((v) => v > 0))
          byNamespace[ns] = Object.fromEntries(Object.entries(d2).map(([k, v]) => [k, v / ok]));
      }
      out[id] = {
        executions: ok,
        reads: per("reads"),
        writes: per("writes"),
        deletes: per("deletes"),
        lists: per("lists"),
        byNamespace,
      };
    }
    // Waits for execution work (leases due later) to be out of the way: an idle hour, scaled to a day.
    out.idle_day = await kvIdleDay(platform, plan.quick ? 20 : 60);
  } finally {
    await platform.dispose();
  }
  return out;
}

/** Runs the HTTP section (and peers unless quick); returns `{ rows, kv, notes }`. */
export async function runHttpSection({ quick, log, seconds }) {
  const plan = quick
    ? { quick, connections: [16], seconds: 2, warmup: 1, kvSamples: 20 }
    : { quick, connections: [1, 16, 64], seconds: 10, warmup: 2, kvSamples: 100 };
  if (seconds) plan.seconds = seconds;
  const rows = [];
  const notes = { samples: {}, errors: [] };
  const step = async (label, fn) => {
    log(`  · ${label}`);
    try {
      await fn();
    } catch (err) {
      notes.errors.push(`${label}: ${err.message}`);
      log(`    failed: ${err.message}`);
    }
  };

  await step("bare worker on plain workerd", async () => {
    const p = await startBareWorkerd();
    try {
      await measure(rows, { system: p.name, target: "bare JS worker", url: p.url, headers: {}, pid: p.pid, plan });
    } finally {
      await p.dispose();
    }
  });
  if (!quick) {
    await step("bare worker through Miniflare", async () => {
      const p = await startBareMiniflare();
      try {
        await measure(rows, { system: p.name, target: "bare JS worker", url: p.url, headers: {}, pid: p.pid, plan });
      } finally {
        await p.dispose();
      }
    });
  }
  await step("arcrun on acr serve (plain workerd)", () => benchPlatform(rows, notes, () => startServe(), plan));
  await step("arcrun on acr dev (what npm start runs)", () => benchPlatform(rows, notes, () => startDev(), plan));
  let kv = {};
  await step("KV operations per execution (acr serve)", async () => {
    kv = await kvPerExecution(plan);
  });

  if (quick) {
    notes.peers = "skipped in --quick (run `npm run bench` for Node-RED)";
  } else {
    await step("Node-RED (same machine, same run)", async () => {
      if (!ensureNodeRed(log)) {
        notes.peers = "Node-RED could not be installed";
        return;
      }
      const p = await startNodeRed();
      try {
        await measure(rows, {
          system: p.name,
          target: ROW.nodeRedThree,
          url: `${p.url}/three`,
          headers: {},
          pid: p.pid,
          plan,
        });
        await measure(rows, {
          system: p.name,
          target: ROW.nodeRedChain,
          url: `${p.url}/chain10`,
          headers: {},
          pid: p.pid,
          plan,
        });
      } finally {
        await p.dispose();
      }
    });
  }
  return { rows, kv, notes };
}
