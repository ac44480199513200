// Issue 13, idempotency keys: a repeat of an Idempotency-Key answers the first execution, also when the
// repeats arrive at the same moment (one executor isolate: exactly one execution per key).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "./support/platform";

const YAML = `name: once
trigger:
  webhook:
    auth: api_key
flow:
  - input >> ON_SUCCESS >> a
config:
  a: { component: set, values: { n: "{{ input.n }}" } }
`;

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
  expect((await p.call("PUT", "/v1/workflows/once", YAML, { "content-type": "application/yaml" })).status).toBe(201);
});
afterAll(() => p?.dispose());

async function executions(): Promise<number> {
  const kv = await p.platform.mf.getKVNamespace("ANALYTICS_KV");
  return (await kv.list()).keys.length;
}

/** One delivery; a connection refused under load is retried, as webhook senders do (with the same key). */
async function deliver(path: string, n: number, key: string): Promise<Response> {
  try {
    return await p.call("POST", path, { n }, { "idempotency-key": key });
  } catch {
    await new Promise((r) => setTimeout(r, 200));
    return p.call("POST", path, { n }, { "idempotency-key": key });
  }
}

describe("Idempotency-Key", () => {
  for (const [label, path] of [
    ["runs", "/v1/workflows/once/runs"],
    ["webhook trigger", "/webhooks/named/once/trigger"],
  ] as const) {
    it(`${label}: 200 concurrent deliveries with 50 distinct keys make exactly 50 executions`, async () => {
      const before = await executions();
      const tag = `${label.replace(/ /g, "-")}-${Date.now()}`;
      const answers = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          deliver(path, i % 50, `${tag}-${i % 50}`).then(async (r) => {
            expect(r.status).toBe(200);
            return { key: i % 50, body: (await r.json()) as { execution_id: string; output: { n: number } } };
          }),
        ),
      );
      const idsByKey = new Map<number, Set<string>>();
      for (const a of answers) {
        const set = idsByKey.get(a.key) ?? new Set();
        set.add(a.body.execution_id);
        idsByKey.set(a.key, set);
        expect(a.body.output.n).toBe(a.key);
      }
      expect([...idsByKey.values()].every((s) => s.size === 1)).toBe(true);
      expect(new Set(answers.map((a) => a.body.execution_id)).size).toBe(50);
      expect((await executions()) - before).toBe(50);
    });
  }

  it("a later repeat answers the first execution (same id, status, output), marked as a replay", async () => {
    const first = (await (
      await p.call("POST", "/v1/workflows/once/runs", { n: 7 }, { "idempotency-key": "later-1" })
    ).json()) as { execution_id: string; output: unknown; idempotent_replay?: boolean };
    const again = (await (
      await p.call("POST", "/v1/workflows/once/runs", { n: 8 }, { "idempotency-key": "later-1" })
    ).json()) as { execution_id: string; status: string; output: unknown; idempotent_replay?: boolean };
    expect(first.idempotent_replay).toBeUndefined();
    expect(again).toMatchObject({ execution_id: first.execution_id, status: "succeeded", output: first.output });
    expect(again.idempotent_replay).toBe(true);
    // Without a key, every request runs.
    const a = (await (await p.call("POST", "/v1/workflows/once/runs", { n: 1 })).json()) as { execution_id: string };
    const b = (await (await p.call("POST", "/v1/workflows/once/runs", { n: 1 })).json()) as { execution_id: string };
    expect(a.execution_id).not.toBe(b.execution_id);
  });

  it("a key on a missing workflow stays free, and a bad key is a 400 naming the header", async () => {
    expect((await p.call("POST", "/v1/workflows/nope/runs", {}, { "idempotency-key": "k-free" })).status).toBe(404);
    const bad = await p.call("POST", "/v1/workflows/once/runs", {}, { "idempotency-key": "x".repeat(300) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe("Idempotency-Key");
  });
});
