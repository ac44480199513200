// Issue 13, step logs: `console.log` of a `code` step is kept per node in the execution record (it was
// dropped although the component's README says it goes to the execution's logs), bounded in size.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendLogs, MAX_STEP_LOG_BYTES } from "../src/engine/step-logs";
import { startTestPlatform, type TestPlatform } from "./support/platform";

const YAML = `name: logs
flow:
  - input >> ON_SUCCESS >> calc
  - calc >> FOREACH item >> each
  - each >> ON_SUCCESS >> chatty
config:
  calc:
    component: code
    input: { a: "{{ input.a }}", b: "{{ input.b }}" }
    code: |
      console.log("total is", input.a + input.b);
      console.log({ items: 2 });
      return { items: [1, 2] };
  each:
    component: code
    input: { v: "{{ item }}" }
    code: |
      console.log("element", input.v);
      return input.v * 10;
  chatty:
    component: code
    code: |
      for (let i = 0; i < 5000; i++) console.log("line " + i + " of a step that logs far too much");
      return 1;
`;

interface Rec {
  status: string;
  nodes: Record<string, { logs?: string }>;
}

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
  expect((await p.call("PUT", "/v1/workflows/logs", YAML, { "content-type": "application/yaml" })).status).toBe(201);
});
afterAll(() => p?.dispose());

describe("step logs", () => {
  it("console.log lines are in the answer and the stored record, per node and per FOREACH element", async () => {
    const r = (await (await p.call("POST", "/v1/workflows/logs/runs", { a: 2, b: 3 })).json()) as Rec & {
      execution_id: string;
    };
    expect(r.status).toBe("succeeded");
    expect(r.nodes.calc?.logs).toContain("total is 5");
    expect(r.nodes.calc?.logs).toContain("items");
    expect(r.nodes.each?.logs?.split("\n").sort()).toEqual(["[0] element 1", "[1] element 2"]);
    const rec = (await (await p.call("GET", `/v1/executions/${r.execution_id}`)).json()) as Rec;
    expect(rec.nodes.calc?.logs).toBe(r.nodes.calc?.logs);
    // Bounded: a step that logs ~250 KB keeps at most 16 KiB.
    const chatty = rec.nodes.chatty?.logs ?? "";
    expect(chatty.length).toBeLessThanOrEqual(MAX_STEP_LOG_BYTES + 100);
    expect(chatty).toContain("line 0 of");
  });

  it("logs of several attempts or elements are cut at 16 KiB with a marker", () => {
    let logs: string | undefined;
    for (let i = 0; i < 10; i++) logs = appendLogs(logs, "x".repeat(4_000), `[${i}] `);
    expect(logs?.length).toBeLessThanOrEqual(MAX_STEP_LOG_BYTES + 100);
    expect(logs?.startsWith("[0] xxx")).toBe(true);
    expect(logs).toMatch(/logs cut at 16384 characters\)$/);
    expect(appendLogs(undefined, "")).toBeUndefined();
  });
});
