// Issue 13, precise timers: a 5 s `wait` resumes within 5-7 s (not at the next minute tick), with no
// scheduler call; the `wait:` entry it leaves is consumed.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "./support/platform";

const YAML =
  "name: nap\nflow:\n  - input >> ON_SUCCESS >> hold\n  - hold >> ON_SUCCESS >> after\n" +
  "config:\n  hold: { component: wait, duration: '{{ input.wait }}' }\n" +
  "  after: { component: set, values: { woke: '{{ hold.data.woke_at }}' } }\n";

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
  expect((await p.call("PUT", "/v1/workflows/nap", YAML, { "content-type": "application/yaml" })).status).toBe(201);
});
afterAll(() => p?.dispose());

describe("precise timers", () => {
  it("a 5 s wait resumes within 5-7 s by itself", { timeout: 30_000 }, async () => {
    const t0 = Date.now();
    const r = (await (await p.call("POST", "/v1/workflows/nap/runs", { wait: "5s" })).json()) as {
      execution_id: string;
      status: string;
    };
    expect(r.status).toBe("waiting");
    let rec = { status: "", output: null as unknown, finished_at: "" };
    while (Date.now() - t0 < 10_000) {
      rec = (await (await p.call("GET", `/v1/executions/${r.execution_id}`)).json()) as typeof rec;
      if (rec.status === "succeeded") break;
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(rec.status).toBe("succeeded");
    const woke = Date.parse((rec.output as { woke: string }).woke) - t0;
    console.log(`5 s wait woke after ${woke} ms`);
    expect(woke).toBeGreaterThanOrEqual(4_900);
    expect(woke).toBeLessThanOrEqual(7_000);
    const kv = await p.platform.mf.getKVNamespace("EXEC_CONTEXT");
    const left = await kv.list({ prefix: "wait:" });
    expect(left.keys.filter((k) => k.name.endsWith(r.execution_id))).toEqual([]);
  });
});
