// Issue 13, `trigger.idempotency_key`: a workflow names its idempotency key from the request (a webhook
// sender's delivery id header, or a body field), for senders that do not send `Idempotency-Key`.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "./support/platform";

const BY_HEADER = `name: delivery
trigger:
  webhook:
    auth: none
    # 62 deliveries in a burst: over the open webhook's default 60 a minute, which this test is not about.
    rate_limit: off
  idempotency_key: "{{ trigger.headers['x-github-delivery'] }}"
flow:
  - input >> ON_SUCCESS >> a
config:
  a: { component: set, values: { n: "{{ input.n }}" } }
`;
const BY_BODY = `name: orders
trigger:
  idempotency_key: "order-{{ input.order_id }}"
flow:
  - input >> ON_SUCCESS >> a
config:
  a: { component: set, values: { n: "{{ input.n }}" } }
`;

interface Answer {
  execution_id: string;
  output: { n: number };
  idempotent_replay?: boolean;
}

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
  for (const [name, yaml] of [
    ["delivery", BY_HEADER],
    ["orders", BY_BODY],
  ]) {
    const res = await p.call("PUT", `/v1/workflows/${name}`, yaml, { "content-type": "application/yaml" });
    expect(res.status, await res.clone().text()).toBe(201);
  }
});
afterAll(() => p?.dispose());

async function executions(workflow: string): Promise<number> {
  const r = (await (await p.call("GET", `/v1/executions?workflow=${workflow}&limit=200`)).json()) as {
    executions: unknown[];
  };
  return r.executions.length;
}

describe("trigger.idempotency_key", () => {
  it("a sender's delivery id header: 60 concurrent deliveries of 20 ids make 20 executions", async () => {
    const path = `/webhooks/named/${p.ns}/delivery/trigger`;
    const answers = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const res = await fetch(p.url + path, {
          method: "POST",
          headers: { "content-type": "application/json", "x-github-delivery": `d-${i % 20}` },
          body: JSON.stringify({ n: i % 20 }),
        });
        expect(res.status).toBe(200);
        return { key: i % 20, body: (await res.json()) as Answer };
      }),
    );
    const ids = new Map<number, Set<string>>();
    for (const a of answers) ids.set(a.key, (ids.get(a.key) ?? new Set()).add(a.body.execution_id));
    expect([...ids.values()].every((s) => s.size === 1)).toBe(true);
    expect(answers.every((a) => a.body.output.n === a.key)).toBe(true);
    expect(await executions("delivery")).toBe(20);
    // Without the header the template resolves to nothing: every delivery runs.
    for (let i = 0; i < 2; i++) {
      const res = await fetch(p.url + path, { method: "POST", body: JSON.stringify({ n: 1 }) });
      expect(((await res.json()) as Answer).idempotent_replay).toBeUndefined();
    }
    expect(await executions("delivery")).toBe(22);
  });

  it("a body field names the key on runs; the header wins; a re-run still runs", async () => {
    const run = async (body: unknown, headers: Record<string, string> = {}) =>
      (await (await p.call("POST", "/v1/workflows/orders/runs", body, headers)).json()) as Answer;
    const first = await run({ order_id: 7, n: 1 });
    const again = await run({ order_id: 7, n: 2 });
    expect(again).toMatchObject({ execution_id: first.execution_id, idempotent_replay: true, output: { n: 1 } });
    const other = await run({ order_id: 8, n: 3 });
    expect(other.execution_id).not.toBe(first.execution_id);
    const header = await run({ order_id: 7, n: 4 }, { "idempotency-key": "explicit-1" });
    expect(header.execution_id).not.toBe(first.execution_id);
    expect(header.output.n).toBe(4);
    const rerun = (await (await p.call("POST", `/v1/executions/${first.execution_id}/rerun`, {})).json()) as Answer;
    expect(rerun.execution_id).not.toBe(first.execution_id);
    expect(rerun.idempotent_replay).toBeUndefined();
  });

  it("a template reading a node is refused at deploy time, with its place", async () => {
    const bad = BY_BODY.replace("order-{{ input.order_id }}", "{{ a.n }}").replace("name: orders", "name: bad_key");
    const res = await p.call("PUT", "/v1/workflows/bad_key", bad, { "content-type": "application/yaml" });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain("trigger.idempotency_key");
    expect(text).toContain("request only");
  });
});
