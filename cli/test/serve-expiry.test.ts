import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Config } from "miniflare";
import { describe, expect, it } from "vitest";
import { loadOrCreateSecrets } from "../src/platform/secrets.js";
import { startServePlatform } from "../src/platform/serve/index.js";

// serve's KV store deleted an expired entry only when something read it: an execution record past its retention
// (ARCRUN_HISTORY_DAYS) that nobody opened again stayed on disk for good, and a busy platform's disk only grew.
// The store now sweeps expired entries on an alarm. Checked on the SQLite file itself, after workerd stopped.

// Runs in place of the executor, bound to the store's Durable Object: writes entries through its RPC (expirations
// in the past cannot come through the KV protocol, which refuses TTLs under 60 s).
const PROBE = `export default {
  async fetch(request, env) {
    const store = env.STORE.get(env.STORE.idFromName("arcrun-users_kv"));
    // A GET only wakes the store, as any KV access of the platform does.
    if (request.method === "GET") return Response.json(await store.list("", 10));
    const now = Math.floor(Date.now() / 1000);
    const v = (s) => new TextEncoder().encode(s).buffer;
    await store.writeMany([
      ["old:1", { value: v("a"), expiration: now - 10 }],
      ["old:2", { value: v("b"), expiration: now - 5 }],
      ["keep:ttl", { value: v("c"), expiration: now + 3600 }],
      ["keep:plain", { value: v("d") }],
      // Rewritten without an expiration after an expiring write: its stale index row must not delete it.
      ["keep:rewritten", { value: v("e"), expiration: now - 1 }],
    ]);
    await store.writeMany([["keep:rewritten", { value: v("f") }]]);
    return new Response("seeded");
  },
  async scheduled() {},
};`;

function withProbe(sweepMs: number | undefined) {
  return (config: Config): Config => {
    for (const s of config.services ?? []) {
      if (!("worker" in s) || !s.worker) continue;
      if (s.name === "arcrun-cypher-executor" && "modules" in s.worker) {
        s.worker.modules = [{ name: "probe.mjs", esModule: PROBE }];
        s.worker.bindings = [
          { name: "STORE", durableObjectNamespace: { className: "KvStore", serviceName: "serve:kv-store" } },
        ];
      }
      if (s.name === "serve:kv-store" && sweepMs !== undefined) {
        s.worker.bindings = [...(s.worker.bindings ?? []), { name: "SWEEP_MS", text: String(sweepMs) }];
      }
    }
    return config;
  };
}

/** Rows of one table in every SQLite file of the store (python3's sqlite3: Node 20 has no SQLite). */
function rows(stateDir: string, sql: string): string[] {
  const dir = join(stateDir, "kv-serve", "serve:kv-store");
  const out: string[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".sqlite"))) {
    // workerd's own metadata.sqlite (alarms) holds no entries: only files with the entries' table count.
    const script = `import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nif c.execute("SELECT 1 FROM sqlite_master WHERE name = '_cf_KV'").fetchone():\n  for r in c.execute(sys.argv[2]): print(r[0])`;
    const text = execFileSync("python3", ["-c", script, join(dir, f), sql], { encoding: "utf8" });
    out.push(...text.split("\n").filter(Boolean));
  }
  return out.sort();
}

async function run(stateDir: string, sweepMs: number | undefined, seed: boolean, waitMs: number) {
  const secrets = loadOrCreateSecrets(join(stateDir, "secrets.json"));
  const p = await startServePlatform({
    stateDir,
    secrets,
    address: "127.0.0.1:0",
    transformConfig: withProbe(sweepMs),
  });
  try {
    if (seed) expect(await (await fetch(p.url, { method: "POST" })).text()).toBe("seeded");
    else expect((await fetch(p.url)).status).toBe(200);
    await new Promise((r) => setTimeout(r, waitMs));
  } finally {
    await p.dispose();
  }
}

const KEPT = ["keep:plain", "keep:rewritten", "keep:ttl"];

describe("acr serve KV: expired entries leave the disk", () => {
  it("sweeps expired entries nobody reads, keeps live ones and keys rewritten without a TTL", async () => {
    const state = mkdtempSync(join(tmpdir(), "arcrun-serve-expiry-"));
    await run(state, 300, true, 2_000);
    expect(rows(state, "SELECT key FROM _cf_KV WHERE key NOT LIKE 'seed%'")).toEqual(KEPT);
    expect(rows(state, "SELECT key FROM expiry")).toEqual(["keep:ttl"]);
  }, 60_000);

  it("indexes and sweeps entries written before the index existed", async () => {
    const state = mkdtempSync(join(tmpdir(), "arcrun-serve-expiry-"));
    // Written with the default one-minute sweep, stopped before it ran.
    await run(state, undefined, true, 0);
    expect(rows(state, "SELECT key FROM _cf_KV")).toEqual(expect.arrayContaining(["old:1", "old:2"]));
    // As a store from before the index: no rows, backfill not started.
    for (const f of readdirSync(join(state, "kv-serve", "serve:kv-store")).filter((n) => n.endsWith(".sqlite"))) {
      const db = join(state, "kv-serve", "serve:kv-store", f);
      if (f === "metadata.sqlite") continue;
      const script = `import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.execute("DELETE FROM expiry")\nc.execute("UPDATE sweep_state SET value = '' WHERE name = 'backfill'")\nc.commit()`;
      execFileSync("python3", ["-c", script, db]);
    }
    expect(rows(state, "SELECT key FROM expiry")).toEqual([]);
    await run(state, 300, false, 2_000);
    expect(rows(state, "SELECT key FROM _cf_KV")).toEqual(KEPT);
    expect(rows(state, "SELECT value FROM sweep_state WHERE name = 'backfill'")).toEqual(["done"]);
  }, 60_000);
});
