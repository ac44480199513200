import { describe, expect, it } from "vitest";
import { countKvOps, readKvCounts } from "./kv-counter.mjs";
import { startServe } from "./platforms.mjs";

// The benchmark's "KV operations per execution" must count what the executor really sends: a probe worker
// in the executor's place makes known operations, and the counters must report exactly those.
const PROBE = `export default {
  async fetch(request, env) {
    await env.EXEC_CONTEXT.put("a", "1");
    await env.EXEC_CONTEXT.put("b", "2");
    await env.ANALYTICS_KV.put("c", "3");
    await env.EXEC_CONTEXT.get("a");
    await env.EXEC_CONTEXT.get("missing");
    await env.USERS_KV.get("x");
    await env.EXEC_CONTEXT.get(["a", "b"]);
    await env.EXEC_CONTEXT.delete("b");
    await env.EXEC_CONTEXT.list({ prefix: "a" });
    // Records sent straight to the store (ANALYTICS_KV_STORE) would pass no counter: the counters take it away.
    if (env.ANALYTICS_KV_STORE) return new Response("ANALYTICS_KV_STORE is bound: records would not be counted");
    // acr serve's group commit: two execution records in one bulk call are two writes.
    const bulk = await env.ANALYTICS_KV_BULK.fetch("http://kv/bulk/put", {
      method: "POST",
      body: JSON.stringify([{ key: "r1", value: "1" }, { key: "r2", value: "2" }]),
    });
    if (!bulk.ok) return new Response("bulk " + bulk.status + " " + (await bulk.text()));
    return new Response("ok");
  },
};`;

describe("bench KV counters", () => {
  it("count each KV read, write, delete and list the executor makes, per namespace", async () => {
    const platform = await startServe({
      transformConfig: (config: { services: { name: string; worker?: { modules?: unknown[] } }[] }) => {
        const counted = countKvOps(config);
        const executor = counted.services.find((s: { name: string }) => s.name === "arcrun-cypher-executor");
        executor.worker.modules = [{ name: "probe.mjs", esModule: PROBE }];
        return counted;
      },
    });
    try {
      const before = await readKvCounts(platform.ports.stats);
      expect(await (await fetch(platform.url)).text()).toBe("ok");
      const after = await readKvCounts(platform.ports.stats);
      const delta = (ns: string) =>
        Object.fromEntries(
          Object.entries(after.byNamespace[ns]).map(([k, v]) => [k, (v as number) - before.byNamespace[ns][k]]),
        );
      // get a, get missing, and a bulk get of two keys (billed per key).
      expect(delta("EXEC_CONTEXT")).toEqual({ reads: 4, writes: 2, deletes: 1, lists: 1 });
      expect(delta("ANALYTICS_KV")).toEqual({ reads: 0, writes: 3, deletes: 0, lists: 0 });
      expect(delta("USERS_KV")).toEqual({ reads: 1, writes: 0, deletes: 0, lists: 0 });
      expect(after.writes - before.writes).toBe(5);
    } finally {
      await platform.dispose();
    }
  });
});
