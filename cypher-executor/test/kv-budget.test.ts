// Issue 13, the Free plan's KV budget (1,000 writes, 1,000 lists, 1,000 deletes, 100,000 reads a day): the
// minute scheduler must not list KV when nothing is due. A simulated day of 1,440 ticks runs the real
// scheduler (src/triggers) over the real KV namespaces of a platform on workerd, each wrapped in a counter.
// Before the cron index and the wake marker, every tick listed `cron:` and `wait:`: 2,880 lists a day.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { takeLease } from "../src/durability/index";
import type { Platform } from "../src/engine/service";
import type { Env } from "../src/env";
import { resetWakeIndex } from "../src/schedule/index";
import { runScheduled } from "../src/triggers/index";
import { startTestPlatform, type TestPlatform } from "./support/platform";

type Kind = "get" | "put" | "list" | "delete";
const NAMESPACES = ["WEBHOOKS", "CREDENTIALS_KV", "RECIPES", "USERS_KV", "SESSIONS_KV", "ANALYTICS_KV", "EXEC_CONTEXT"];

/** The platform's KV namespaces, every call counted by kind. */
async function countingEnv(p: TestPlatform): Promise<{ env: Env; ops: Record<Kind, number>; reset(): void }> {
  const ops: Record<Kind, number> = { get: 0, put: 0, list: 0, delete: 0 };
  const env: Record<string, unknown> = {};
  for (const name of NAMESPACES) {
    const kv = await p.platform.mf.getKVNamespace(name);
    env[name] = new Proxy(kv, {
      get(target, prop) {
        const v = Reflect.get(target, prop);
        if (typeof v !== "function") return v;
        const kind = (prop === "getWithMetadata" ? "get" : prop) as Kind;
        return (...args: unknown[]) => {
          if (kind in ops) ops[kind]++;
          return v.apply(target, args);
        };
      },
    });
  }
  return {
    env: env as unknown as Env,
    ops,
    reset: () => {
      for (const k of Object.keys(ops) as Kind[]) ops[k] = 0;
    },
  };
}

/** Nothing due on an idle day calls the engine: any call is a failure of the test. */
const noEngine = new Proxy({} as Platform, {
  get() {
    throw new Error("the idle scheduler touched the engine");
  },
});

const DAY = 1_440;
const T0 = Date.UTC(2026, 11, 6, 0, 0, 0);

async function day(env: Env, from = T0): Promise<void> {
  for (let i = 0; i < DAY; i++) await runScheduled(env, noEngine, from + i * 60_000, () => undefined);
}

describe("KV budget of the scheduler", { timeout: 120_000 }, () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform();
    resetWakeIndex();
  });
  afterAll(() => p?.dispose());

  it("an idle day (1,440 ticks) makes 0 list calls and no writes once the indexes exist", async () => {
    const { env, ops, reset } = await countingEnv(p);
    // A platform's very first tick builds the two indexes (one list and one write each, once ever).
    await runScheduled(env, noEngine, T0 - 60_000, () => undefined);
    expect(ops.list).toBeLessThanOrEqual(2);
    expect(ops.put).toBeLessThanOrEqual(2);
    reset();
    await day(env);
    console.log(`idle day: ${JSON.stringify(ops)}`);
    expect(ops.list).toBe(0);
    expect(ops.put).toBe(0);
    expect(ops.delete).toBe(0);
    expect(ops.get).toBe(2 * DAY);
  });

  it("deployed workflows (a cron that does not fire today among them) keep the idle day at 0 lists", async () => {
    const yaml =
      "name: yearly\ntrigger:\n  cron: '0 0 1 1 *'\nflow:\n  - input >> ON_SUCCESS >> a\nconfig:\n  a: { component: set, values: { x: 1 } }\n";
    expect((await p.call("PUT", "/v1/workflows/yearly", yaml, { "content-type": "application/yaml" })).status).toBe(
      201,
    );
    const hello =
      "name: plain\nflow:\n  - input >> ON_SUCCESS >> a\nconfig:\n  a: { component: set, values: { x: 1 } }\n";
    expect((await p.call("PUT", "/v1/workflows/plain", hello, { "content-type": "application/yaml" })).status).toBe(
      201,
    );
    expect((await p.call("POST", "/v1/workflows/plain/runs", {})).status).toBe(200);
    const { env, ops, reset } = await countingEnv(p);
    // The deploy rebuilt the cron index: the scheduler finds the cron without listing.
    const index = (await env.WEBHOOKS.get("cron-index", "json")) as Record<string, string>;
    expect(Object.values(index)).toContain("0 0 1 1 *");
    reset();
    await day(env);
    console.log(`idle day with workflows: ${JSON.stringify(ops)}`);
    expect(ops).toEqual({ get: 2 * DAY, put: 0, list: 0, delete: 0 });
  });

  it("a lease (a long or background execution) costs one list, at the tick it falls due, then none", async () => {
    const { env, ops } = await countingEnv(p);
    const at = T0 + 10 * 60_000;
    // An execution that is not there any more (it finished): the sweep finds its lease and nothing to do.
    await takeLease(env, "0".repeat(64), "ex00000000000001234abcd", at);
    const indexing = { ...ops };
    console.log(`lease indexed: ${JSON.stringify(indexing)}`);
    expect(indexing.put).toBeLessThanOrEqual(2);
    expect(indexing.list).toBe(0);
    await day(env);
    console.log(`day with one lease: ${JSON.stringify(ops)}`);
    expect(ops.list).toBe(1);
    expect(ops.put - indexing.put).toBe(1);
    expect(ops.delete).toBe(1);
    const left = await env.EXEC_CONTEXT.list({ prefix: "wait:" });
    expect(left.keys).toHaveLength(0);
  });
});
