// Benchmark-only: counts the storage operations the executor sends to each KV namespace, by wrapping
// every `kvNamespace` binding in a pass-through worker. Counts are read on a separate `stats` socket.

const COUNTER_SCRIPT = `
const counts = { reads: 0, writes: 0, deletes: 0, lists: 0 };
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (request.headers.get("x-bench-stats") === "1") return Response.json(counts);
    if (request.method === "GET") { if (url.pathname === "/" ) counts.lists++; else counts.reads++; }
    else if (request.method === "POST") {
      // Bulk get: billed per key, so counted per key.
      const body = await request.clone().json().catch(() => ({}));
      // acr serve's group commit of execution records: one call, one write per record.
      if (url.pathname.endsWith("/bulk/put")) counts.writes += Array.isArray(body) ? body.length : 1;
      else counts.reads += Array.isArray(body.keys) ? body.keys.length : 1;
    }
    else if (request.method === "PUT") counts.writes++;
    else if (request.method === "DELETE") counts.deletes++;
    return env.TARGET.fetch(request);
  },
};`;

const STATS_SCRIPT = `
export default {
  async fetch(_request, env) {
    const out = {};
    for (const name of JSON.parse(env.NAMES)) {
      const r = await env["C_" + name].fetch("http://stats/", { headers: { "x-bench-stats": "1" } });
      out[name] = await r.json();
    }
    return Response.json(out);
  },
};`;

/**
 * Returns a `transformConfig` for `startServePlatform` that counts KV operations per binding,
 * served as JSON on the `stats` socket (`GET http://127.0.0.1:{ports.stats}/`).
 */
export function countKvOps(config) {
  const executor = config.services.find((s) => s.name === "arcrun-cypher-executor");
  const names = [];
  const services = [];
  for (const b of executor.worker.bindings) {
    if (!b.kvNamespace) continue;
    const counter = `bench-kv-count:${b.name}`;
    services.push({
      name: counter,
      worker: {
        compatibilityDate: "2026-04-01",
        modules: [{ name: "counter.mjs", esModule: COUNTER_SCRIPT }],
        bindings: [{ name: "TARGET", service: { name: b.kvNamespace.name } }],
      },
    });
    b.kvNamespace = { name: counter };
    names.push(b.name);
  }
  // Records written in bulk (ANALYTICS_KV_BULK, a service binding to the same store) pass the same counter; the
  // store's own binding (ANALYTICS_KV_STORE, records straight to the Durable Object) is taken away so they do.
  for (const b of executor.worker.bindings) {
    if (b.name === "ANALYTICS_KV_BULK" && names.includes("ANALYTICS_KV"))
      b.service = { name: "bench-kv-count:ANALYTICS_KV" };
  }
  if (names.includes("ANALYTICS_KV"))
    executor.worker.bindings = executor.worker.bindings.filter((b) => b.name !== "ANALYTICS_KV_STORE");
  services.push({
    name: "bench-kv-stats",
    worker: {
      compatibilityDate: "2026-04-01",
      modules: [{ name: "stats.mjs", esModule: STATS_SCRIPT }],
      bindings: [
        { name: "NAMES", text: JSON.stringify(names) },
        ...names.map((n) => ({ name: `C_${n}`, service: { name: `bench-kv-count:${n}` } })),
      ],
    },
  });
  return {
    ...config,
    services: [...config.services, ...services],
    sockets: [
      ...config.sockets,
      { name: "stats", address: "127.0.0.1:0", http: {}, service: { name: "bench-kv-stats" } },
    ],
  };
}

/** Sums the per-namespace counts: `{ reads, writes, deletes, lists, byNamespace }`. */
export async function readKvCounts(statsPort) {
  const byNamespace = await (await fetch(`http://127.0.0.1:${statsPort}/`)).json();
  const total = { reads: 0, writes: 0, deletes: 0, lists: 0 };
  for (const c of Object.values(byNamespace)) for (const k of Object.keys(total)) total[k] += c[k];
  return { ...total, byNamespace };
}
