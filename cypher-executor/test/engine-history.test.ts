// `history: failed` (docs/workflow-format.md): a workflow that runs often keeps records only of the
// executions that did not succeed, like n8n's "save successful production executions: off". A success
// writes nothing to KV; a failure, an async start and a resumed run are recorded as always.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Env } from "../src/env";
import { historyTtl } from "../src/executions/index";
import { compileWorkflow } from "../src/workflow/index";
import { testCatalog } from "./fixtures/catalog";
import { startTestPlatform, type TestPlatform } from "./support/platform";

const DIVIDE = `name: divide
history: failed
flow:
  - input >> ON_SUCCESS >> q
config:
  q: { component: number_ops, op: div, a: 10, b: "{{ input.b }}" }
`;

interface Run {
  execution_id: string;
  status: string;
  output: unknown;
  kv_writes: number;
}

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
  const res = await p.call("PUT", "/v1/workflows/divide", DIVIDE, { "content-type": "application/yaml" });
  expect(res.status).toBe(201);
});
afterAll(() => p?.dispose());

async function run(input: unknown, path = "/v1/workflows/divide/runs"): Promise<Run> {
  const res = await p.call("POST", path, input);
  expect(res.status).toBeLessThan(300);
  return (await res.json()) as Run;
}

/** Polls for the record the engine writes after the response; undefined if none appears. */
async function record(id: string, tries = 20): Promise<{ status: string } | undefined> {
  for (let i = 0; i < tries; i++) {
    const res = await p.call("GET", `/v1/executions/${id}`);
    if (res.status === 200) return (await res.json()) as { status: string };
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
}

describe("history: failed", () => {
  it("a success answers as usual and writes nothing: no record, no KV write", async () => {
    const kv = await p.platform.mf.getKVNamespace("ANALYTICS_KV");
    const before = (await kv.list()).keys.length;
    const r = await run({ b: 4 });
    expect(r).toMatchObject({ status: "succeeded", output: { result: 2.5 }, kv_writes: 0 });
    expect(await record(r.execution_id, 10)).toBeUndefined();
    expect((await kv.list()).keys.length).toBe(before);
  });

  it("a failure is recorded, with its error, as for any workflow, and expires after 30 days", async () => {
    const r = await run({ b: 0 });
    expect(r).toMatchObject({ status: "failed", kv_writes: 1 });
    expect(await record(r.execution_id)).toMatchObject({ status: "failed" });
    const kv = await p.platform.mf.getKVNamespace("ANALYTICS_KV");
    const key = (await kv.list()).keys.find((k) => k.name.includes(r.execution_id));
    const days = ((key?.expiration ?? 0) - Date.now() / 1000) / 86_400;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
  });

  it("an async start keeps its record to the end (the caller polls it)", async () => {
    const res = await p.call("POST", "/v1/workflows/divide/runs?wait=false", { b: 5 });
    expect(res.status).toBe(202);
    const { execution_id } = (await res.json()) as Run;
    let rec: { status: string } | undefined;
    for (let i = 0; i < 40 && rec?.status !== "succeeded"; i++) {
      rec = await record(execution_id);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(rec).toMatchObject({ status: "succeeded" });
  });

  it("any other value is an error at its line and column", () => {
    const yaml = DIVIDE.replace("history: failed", "history: sometimes").replace("number_ops, op: div", "set");
    const r = compileWorkflow(yaml, testCatalog);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors).toEqual([
      expect.objectContaining({ code: "INVALID_VALUE", path: "history", pos: expect.objectContaining({ line: 2 }) }),
    ]);
  });
});

describe("retention (ARCRUN_HISTORY_DAYS)", () => {
  const env = (days?: string) => ({ ARCRUN_HISTORY_DAYS: days }) as Env;
  it("finished records expire after 30 days by default (or when the value is not a number), or the configured days; 0 keeps them", () => {
    expect(historyTtl(env(), "succeeded")).toBe(30 * 86_400);
    expect(historyTtl(env("7"), "failed")).toBe(7 * 86_400);
    expect(historyTtl(env("0"), "failed")).toBeUndefined();
    expect(historyTtl(env("soon"), "failed")).toBe(30 * 86_400);
  });
  it("running and waiting records never expire (they are resumed or finished later)", () => {
    expect(historyTtl(env("1"), "running")).toBeUndefined();
    expect(historyTtl(env("1"), "waiting")).toBeUndefined();
  });
});
