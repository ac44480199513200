// acr serve's group commit of execution records: concurrent executions share one store call per batch
// (ANALYTICS_KV_BULK → POST /bulk/put on ANALYTICS_KV's front worker) and each still answers only after
// its record is on disk: a SIGKILL right after the answers loses none of them.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadOrCreateSecrets } from "../src/platform/secrets.js";
import { startServePlatform } from "../src/platform/serve/index.js";

type ServeConfig = Parameters<NonNullable<Parameters<typeof startServePlatform>[0]["transformConfig"]>>[0];

const WORKFLOW = `name: gc_three
trigger:
  webhook:
    auth: api_key
flow:
  - "input >> ON_SUCCESS >> compute"
  - "compute >> ON_SUCCESS >> respond"
config:
  compute:
    component: set
    values:
      doubled: "{{input.n * 2}}"
  respond:
    component: set
    values:
      doubled: "{{compute.data.doubled}}"
`;

// Counts what reaches ANALYTICS_KV's front worker: bulk calls and their puts, and single KV-binding PUTs.
const COUNTER = `
const counts = { bulkCalls: 0, bulkPuts: 0, kvPuts: 0 };
export default {
  async fetch(request, env) {
    if (request.headers.get("x-count-stats") === "1") return Response.json(counts);
    const url = new URL(request.url);
    if (request.method === "POST" && url.pathname === "/bulk/put") {
      counts.bulkCalls++;
      // Read before adding: "x += await y" reads x before the await and loses concurrent batches' counts.
      const puts = (await request.clone().json()).length;
      counts.bulkPuts += puts;
    } else if (request.method === "PUT") counts.kvPuts++;
    return env.TARGET.fetch(request);
  },
};`;

/** Puts the counter between the executor and ANALYTICS_KV (both the bulk service and the KV binding). */
function counted(config: ServeConfig): ServeConfig {
  const executor = config.services?.find((s) => s.name === "arcrun-cypher-executor");
  if (!executor || !("worker" in executor) || !executor.worker) throw new Error("no executor service");
  const bindings = executor.worker.bindings ?? [];
  const bulk = bindings.find((b) => b.name === "ANALYTICS_KV_BULK");
  const kv = bindings.find((b) => b.name === "ANALYTICS_KV");
  if (!bulk || !("service" in bulk) || !kv || !("kvNamespace" in kv)) throw new Error("ANALYTICS_KV bindings missing");
  bulk.service = { name: "test:count" };
  kv.kvNamespace = { name: "test:count" };
  return {
    ...config,
    services: [
      ...(config.services ?? []),
      {
        name: "test:count",
        worker: {
          compatibilityDate: "2026-04-01",
          modules: [{ name: "count.mjs", esModule: COUNTER }],
          bindings: [{ name: "TARGET", service: { name: "serve:kv:ANALYTICS_KV" } }],
        },
      },
    ],
    sockets: [
      ...(config.sockets ?? []),
      { name: "stats", address: "127.0.0.1:0", http: {}, service: { name: "test:count" } },
    ],
  };
}

// Holds every POST /bulk/put (the executor's record batches) until the test releases it by number, then
// passes it to the real store and answers with the store's answer. The held request waits on a timer of
// its own, so the store call is made in its own request.
const GATE = `
const batches = [];
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (request.headers.get("x-gate") === "state") return Response.json(batches.map(({ keys, released, written }) => ({ keys, released, written })));
    if (request.headers.get("x-gate") === "release") {
      const b = batches[Number(url.searchParams.get("n"))];
      if (!b) return new Response("no such batch", { status: 404 });
      b.released = true;
      return new Response(null);
    }
    const body = await request.text();
    const b = { keys: JSON.parse(body).map((p) => p.key), released: false, written: false };
    batches.push(b);
    while (!b.released) await new Promise((r) => setTimeout(r, 5));
    const res = await env.TARGET.fetch(request.url, { method: "POST", body });
    const text = await res.text();
    b.written = res.ok;
    return new Response(text, { status: res.status, headers: { "content-type": "application/json" } });
  },
};`;

/** Puts the gate between the executor's record batches (ANALYTICS_KV_BULK) and ANALYTICS_KV's front worker, 2 in flight. */
function gated(config: ServeConfig): ServeConfig {
  const executor = config.services?.find((s) => s.name === "arcrun-cypher-executor");
  if (!executor || !("worker" in executor) || !executor.worker) throw new Error("no executor service");
  const bulk = (executor.worker.bindings ?? []).find((b) => b.name === "ANALYTICS_KV_BULK");
  if (!bulk || !("service" in bulk)) throw new Error("ANALYTICS_KV_BULK binding missing");
  bulk.service = { name: "test:gate" };
  // Two batches in flight (the default is one: docs/performance.md "Round 2").
  executor.worker.bindings?.push({ name: "ARCRUN_HISTORY_BATCHES_IN_FLIGHT", text: "2" });
  return {
    ...config,
    services: [
      ...(config.services ?? []),
      {
        name: "test:gate",
        worker: {
          compatibilityDate: "2026-04-01",
          modules: [{ name: "gate.mjs", esModule: GATE }],
          bindings: [{ name: "TARGET", service: { name: "serve:kv:ANALYTICS_KV" } }],
        },
      },
    ],
    sockets: [
      ...(config.sockets ?? []),
      { name: "gate", address: "127.0.0.1:0", http: {}, service: { name: "test:gate" } },
    ],
  };
}

async function json<T>(res: Response): Promise<T> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

describe("acr serve group commit", () => {
  it("stores concurrent executions' records in shared store calls, each on disk before its 200", async () => {
    const dir = mkdtempSync(join(tmpdir(), "arcrun-serve-gc-"));
    const secrets = loadOrCreateSecrets(join(dir, "secrets.json"));
    const first = await startServePlatform({
      stateDir: dir,
      secrets,
      address: "127.0.0.1:0",
      transformConfig: counted,
    });
    const ids: string[] = [];
    let key: { api_key: string; tenant: { ns: string } };
    let counts: { bulkCalls: number; bulkPuts: number; kvPuts: number };
    try {
      key = await json(
        await fetch(`${first.url}/v1/keys`, {
          method: "POST",
          headers: { authorization: `Bearer ${secrets.adminToken}`, "content-type": "application/json" },
          body: JSON.stringify({ role: "admin", label: "gc" }),
        }),
      );
      const auth = { authorization: `Bearer ${key.api_key}` };
      await json(
        await fetch(`${first.url}/v1/workflows/gc_three`, {
          method: "PUT",
          headers: { ...auth, "content-type": "application/yaml" },
          body: WORKFLOW,
        }),
      );
      const trigger = (n: number) =>
        fetch(`${first.url}/webhooks/named/${key.tenant.ns}/gc_three/trigger`, {
          method: "POST",
          headers: { ...auth, "content-type": "application/json" },
          body: JSON.stringify({ n }),
        });
      // Rounds of 24 concurrent executions: while one batch is on its way, the others gather.
      for (let round = 0; round < 3; round++) {
        const answers = await Promise.all(Array.from({ length: 24 }, (_, i) => trigger(round * 100 + i)));
        for (const a of answers) {
          const body = await json<{ execution_id: string; status: string }>(a);
          expect(body.status).toBe("succeeded");
          ids.push(body.execution_id);
        }
      }
      counts = await json(await fetch(`http://127.0.0.1:${first.ports.stats}/`, { headers: { "x-count-stats": "1" } }));
      // Durable before the 200: killed without a chance to flush anything.
      process.kill(first.pid, "SIGKILL");
    } finally {
      await first.dispose();
    }
    expect(counts.kvPuts).toBe(0);
    expect(counts.bulkPuts).toBe(ids.length);
    expect(counts.bulkCalls).toBeLessThan(ids.length);

    const second = await startServePlatform({ stateDir: dir, secrets, address: "127.0.0.1:0" });
    try {
      const missing: string[] = [];
      for (const id of ids) {
        const res = await fetch(`${second.url}/v1/executions/${id}`, {
          headers: { authorization: `Bearer ${key.api_key}` },
        });
        if (res.status !== 200) missing.push(`${id}: ${res.status}`);
        else expect((await res.json()) as { status: string }).toMatchObject({ status: "succeeded" });
      }
      expect(missing).toEqual([]);
    } finally {
      await second.dispose();
    }
  }, 120_000);

  it("keeps two batches in flight, and each execution answers only after its own batch is written", async () => {
    const dir = mkdtempSync(join(tmpdir(), "arcrun-serve-gc2-"));
    const secrets = loadOrCreateSecrets(join(dir, "secrets.json"));
    const serve = await startServePlatform({ stateDir: dir, secrets, address: "127.0.0.1:0", transformConfig: gated });
    type Batch = { keys: string[]; released: boolean; written: boolean };
    const gate = `http://127.0.0.1:${serve.ports.gate}/`;
    const state = async () => json<Batch[]>(await fetch(gate, { headers: { "x-gate": "state" } }));
    const release = async (n: number) => {
      const res = await fetch(`${gate}?n=${n}`, { method: "POST", headers: { "x-gate": "release" } });
      expect(res.status).toBe(200);
    };
    const until = async <T>(what: string, check: () => Promise<T | undefined>): Promise<T> => {
      for (const deadline = Date.now() + 5_000; Date.now() < deadline; ) {
        const v = await check();
        if (v !== undefined) return v;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`timed out waiting for ${what}`);
    };
    try {
      const key = await json<{ api_key: string; tenant: { ns: string } }>(
        await fetch(`${serve.url}/v1/keys`, {
          method: "POST",
          headers: { authorization: `Bearer ${secrets.adminToken}`, "content-type": "application/json" },
          body: JSON.stringify({ role: "admin", label: "gc2" }),
        }),
      );
      const auth = { authorization: `Bearer ${key.api_key}` };
      await json(
        await fetch(`${serve.url}/v1/workflows/gc_three`, {
          method: "PUT",
          headers: { ...auth, "content-type": "application/yaml" },
          body: WORKFLOW,
        }),
      );
      // Every answer, with the batches' state at the moment it arrived.
      const answered: { id: string; status: string; batches: Batch[] }[] = [];
      const runs = Array.from({ length: 6 }, async (_, i) => {
        const res = await fetch(`${serve.url}/webhooks/named/${key.tenant.ns}/gc_three/trigger`, {
          method: "POST",
          headers: { ...auth, "content-type": "application/json" },
          body: JSON.stringify({ n: i }),
        });
        const body = await json<{ execution_id: string; status: string }>(res);
        answered.push({ id: body.execution_id, status: body.status, batches: await state() });
      });
      const all = Promise.all(runs);

      // The first two records leave at once, each alone; the other four wait for one of them to land.
      const two = await until("two batches in flight", async () => {
        const b = await state();
        return b.length >= 2 ? b : undefined;
      });
      await new Promise((r) => setTimeout(r, 300));
      expect((await state()).length).toBe(2);
      expect(two.map((b) => b.keys.length)).toEqual([1, 1]);
      expect(answered).toEqual([]);

      // The second lands first: only its execution answers; the waiting four leave together.
      await release(1);
      const third = await until("the third batch", async () => {
        const b = await state();
        return b.length >= 3 ? b[2] : undefined;
      });
      expect(third.keys.length).toBe(4);
      await until("the second batch's answer", async () => (answered.length >= 1 ? true : undefined));
      await new Promise((r) => setTimeout(r, 200));
      expect(answered.map((a) => a.id)).toEqual([two[1].keys[0].split(":").pop()]);

      await release(0);
      await release(2);
      await all;
      expect(answered).toHaveLength(6);
      for (const a of answered) {
        expect(a.status).toBe("succeeded");
        const batch = a.batches.find((b) => b.keys.some((k) => k.endsWith(`:${a.id}`)));
        // Its record's batch was written (the store answered) before the execution answered.
        expect(batch).toMatchObject({ released: true, written: true });
      }
      expect((await state()).length).toBe(3);
    } finally {
      await serve.dispose();
    }
  }, 60_000);

  it("POST /bulk/put stores the valid puts with metadata and TTL, and refuses each bad one alone", async () => {
    const dir = mkdtempSync(join(tmpdir(), "arcrun-serve-bulk-"));
    const secrets = loadOrCreateSecrets(join(dir, "secrets.json"));
    const probe = `export default { async fetch(r, env) {
      const puts = [
        { key: "a", value: "alpha", metadata: { s: "succeeded" }, expiration_ttl: 3600 },
        { key: "x".repeat(600), value: "too long a key" },
        { key: "b", value: "beta", expiration_ttl: 30 },
        { key: "c", value: "gamma" },
      ];
      const res = await env.ANALYTICS_KV_BULK.fetch("http://kv/bulk/put", { method: "POST", body: JSON.stringify(puts) });
      const { results } = await res.json();
      const a = await env.ANALYTICS_KV.getWithMetadata("a");
      const listed = await env.ANALYTICS_KV.list();
      return Response.json({ results, a: a.value, meta: a.metadata, b: await env.ANALYTICS_KV.get("b"),
        c: await env.ANALYTICS_KV.get("c"), expires: listed.keys.find((k) => k.name === "a")?.expiration > 0 });
    } };`;
    const serve = await startServePlatform({
      stateDir: dir,
      secrets,
      address: "127.0.0.1:0",
      transformConfig: (config) => {
        const executor = config.services?.find((s) => s.name === "arcrun-cypher-executor");
        if (executor && "worker" in executor && executor.worker && "modules" in executor.worker) {
          executor.worker.modules = [{ name: "probe.mjs", esModule: probe }];
        }
        return config;
      },
    });
    try {
      const out = await json<Record<string, unknown>>(await fetch(serve.url, { method: "POST" }));
      expect(out).toMatchObject({
        results: [null, { status: 414 }, { status: 400 }, null],
        a: "alpha",
        meta: { s: "succeeded" },
        b: null,
        c: "gamma",
        expires: true,
      });
    } finally {
      await serve.dispose();
    }
  }, 60_000);
});
