#!/usr/bin/env node
// Engine benchmark: what the workflow engine costs per node and per execution, on `acr serve`.
// `runEngineBench({ quick })` returns rows (bench/run.mjs prints and saves them); run alone with
// `node bench/engine.mjs [--quick]`. It measures; it never fails on slow numbers.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { load } from "./lib/cannon.mjs";
import { createKey, root, startDev, startServe } from "./lib/platforms.mjs";

process.env.WRANGLER_SEND_METRICS = "false";

const set = (values) => ({ component: "set", values });

/** The workflows measured in-process: a 1-node baseline, a 10-node chain, fan-out 8 + join, EACH over 100. */
function workflows() {
  const chain = ["input >> ON_SUCCESS >> s1"];
  const chainCfg = {};
  for (let i = 1; i <= 10; i++) {
    if (i > 1) chain.push(`s${i - 1} >> ON_SUCCESS >> s${i}`);
    chainCfg[`s${i}`] = set({ step: i, n: i === 1 ? "{{ input.n }}" : `{{ s${i - 1}.n }}` });
  }
  const fan = [];
  const fanCfg = { join: set({ parts: Array.from({ length: 8 }, (_, i) => `{{ b${i}.i }}`) }) };
  for (let i = 0; i < 8; i++) {
    fan.push(`input >> ON_SUCCESS >> b${i}`, `b${i} >> ON_SUCCESS >> join`);
    fanCfg[`b${i}`] = set({ i, n: "{{ input.n }}" });
  }
  return {
    engine_one: { nodes: 1, doc: { flow: ["input >> ON_SUCCESS >> s1"], config: { s1: set({ n: "{{ input.n }}" }) } } },
    engine_chain10: { nodes: 10, doc: { flow: chain, config: chainCfg } },
    engine_fanout8: { nodes: 9, doc: { flow: fan, config: fanCfg } },
    engine_each100: {
      nodes: 101,
      input: { n: 1, items: Array.from({ length: 100 }, (_, i) => ({ i })) },
      doc: {
        flow: ["input >> ON_SUCCESS >> list", "list >> FOREACH item >> one"],
        config: { list: set({ items: "{{ input.items }}" }), one: set({ i: "{{ item.i }}", at: "{{ each.index }}" }) },
      },
    },
  };
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const round = (x, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

/** Sequential runs through `POST /v1/workflows/{name}/runs`: client latency, in-process total, KV writes. */
async function inProcess(url, apiKey, name, spec, runs) {
  const headers = { authorization: `Bearer ${apiKey}`, "content-type": "application/json" };
  const body = JSON.stringify(spec.input ?? { n: 21 });
  const client = [];
  const engine = [];
  let writes = 0;
  for (let i = 0; i < runs + 10; i++) {
    const t0 = performance.now();
    const res = await fetch(`${url}/v1/workflows/${name}/runs`, { method: "POST", headers, body });
    const r = await res.json();
    const t1 = performance.now();
    if (r.status !== "succeeded") throw new Error(`${name}: ${JSON.stringify(r.error ?? r)}`);
    if (i < 10) continue; // warm-up: plan cache, module instances
    client.push(t1 - t0);
    engine.push(r.duration_ms);
    writes += Number(res.headers.get("x-arcrun-kv-writes"));
  }
  client.sort((a, b) => a - b);
  engine.sort((a, b) => a - b);
  return {
    client_p50_ms: round(pct(client, 50)),
    client_p99_ms: round(pct(client, 99)),
    engine_p50_ms: round(pct(engine, 50)),
    kv_writes_per_exec: round(writes / runs, 2),
  };
}

/**
 * Runs the engine benchmark on a fresh `acr serve` platform.
 *
 * @example
 * const rows = await runEngineBench({ quick: true });
 */
export async function runEngineBench({ quick = false } = {}) {
  // `acr serve` is the measured target; `acr dev` stands in when serve cannot start here (named in each row).
  let platform;
  try {
    platform = await startServe();
  } catch (err) {
    console.error(`acr serve did not start (${err.message.split("\n")[0]}); measuring on acr dev`);
    platform = await startDev();
  }
  const rows = [];
  try {
    const { apiKey, ns } = await createKey(platform);
    const auth = { authorization: `Bearer ${apiKey}` };
    const specs = workflows();
    const { stringify } = await import("yaml");
    for (const [name, spec] of Object.entries(specs)) {
      const yaml = stringify({ name, ...spec.doc });
      const res = await fetch(`${platform.url}/v1/workflows/${name}`, {
        method: "PUT",
        headers: { ...auth, "content-type": "application/yaml" },
        body: yaml,
      });
      if (!res.ok) throw new Error(`deploy ${name}: ${res.status} ${await res.text()}`);
    }
    const runs = quick ? 40 : 300;
    const measured = {};
    for (const [name, spec] of Object.entries(specs)) {
      measured[name] = await inProcess(platform.url, apiKey, name, spec, name === "engine_each100" ? runs / 4 : runs);
    }
    // Cost of one more node: the chain's median minus the 1-node median, over the 9 extra nodes. This
    // includes the `set` call itself (a fresh WASM instance), so it bounds the engine's own overhead.
    const perNode = (measured.engine_chain10.client_p50_ms - measured.engine_one.client_p50_ms) / 9;
    for (const [name, spec] of Object.entries(specs)) {
      rows.push({
        section: "in-process",
        platform: platform.name,
        workflow: name,
        nodes: spec.nodes,
        ...measured[name],
        ...(name === "engine_chain10" ? { per_extra_node_ms: round(perNode) } : {}),
      });
    }

    // The 3-node webhook workflow over HTTP, 1 and 16 clients.
    const three = readFileSync(join(root, "bench", "workflows", "three.yaml"), "utf8");
    const put = await fetch(`${platform.url}/v1/workflows/bench_three`, {
      method: "PUT",
      headers: { ...auth, "content-type": "application/yaml" },
      body: three,
    });
    if (!put.ok) throw new Error(`deploy bench_three: ${put.status} ${await put.text()}`);
    const url = `${platform.url}/webhooks/named/${ns}/bench_three/trigger`;
    const headers = { "x-arcrun-api-key": apiKey };
    await load({ url, body: { n: 21 }, headers, connections: 8, seconds: quick ? 1 : 3 }).catch(() => undefined);
    for (const connections of [1, 16]) {
      const r = await load({ url, body: { n: 21 }, headers, connections, seconds: quick ? 3 : 10 });
      const probe = await fetch(url, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: "{}",
      });
      rows.push({
        section: "webhook 3-node over HTTP",
        platform: platform.name,
        workflow: "bench_three",
        nodes: 3,
        connections,
        exec_per_s: Math.round(r.execPerSec),
        client_p50_ms: r.p50,
        client_p99_ms: r.p99,
        errors: r.errors,
        kv_writes_per_exec: Number(probe.headers.get("x-arcrun-kv-writes")),
      });
    }
  } finally {
    await platform.dispose();
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const rows = await runEngineBench({ quick: process.argv.includes("--quick") });
  console.table(rows);
}
