#!/usr/bin/env node
// `node bench/kv-store.mjs`: the KV cost on `acr serve`, serve's own KV service against Miniflare's KV
// workers, measured with a one-line worker in place of the executor (16 connections, 3 s each).
// The numbers behind docs/adr/0003-acr-serve-on-plain-workerd.md.
import { load } from "./lib/cannon.mjs";
import { startBareWorkerd, startServe } from "./lib/platforms.mjs";

const seconds = process.argv.includes("--quick") ? 1 : 3;
const worker = (op) =>
  `export default { async fetch(req, env) { const b = await req.json(); ${op} return Response.json({ n: b.n, doubled: b.n * 2 }); } };`;
const ops = {
  "1 KV get (same key)": 'await env.USERS_KV.get("user:bench");',
  "1 KV put (new key)": 'await env.EXEC_CONTEXT.put("ctx:" + crypto.randomUUID(), "{}");',
  "1 KV put (same key)": 'await env.EXEC_CONTEXT.put("ctx:same", String(Date.now()));',
};

async function run(url) {
  await load({ url, body: { n: 21 }, connections: 8, seconds: 1 });
  const r = await load({ url, body: { n: 21 }, connections: 16, seconds });
  return `${Math.round(r.execPerSec)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, errors ${r.errors}`;
}

const bare = await startBareWorkerd();
console.log(`bare worker, no KV: ${await run(bare.url)}`);
await bare.dispose();
for (const kv of ["arcrun", "miniflare"]) {
  for (const [label, op] of Object.entries(ops)) {
    const p = await startServe({
      kv,
      transformConfig: (c) => {
        c.services.find((s) => s.name === "arcrun-cypher-executor").worker.modules = [
          { name: "w.mjs", esModule: worker(op) },
        ];
        return c;
      },
    });
    console.log(`${kv} KV, ${label}: ${await run(p.url)}`);
    await p.dispose();
  }
}
