// Issue 12 item 5: what a caller is told happened is stored. A run answered 200 has its record at once
// (no write after the response); a body over the limit or nested too deep is refused before any step
// runs; a record too large for one KV value is stored truncated with markers instead of dropped.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { boundedRecordJson, MAX_BODY_BYTES, MAX_DEPTH } from "../src/durability/index";
import { startTestPlatform, type TestPlatform } from "./support/platform";

const COPY = `name: copy
flow:
  - input >> ON_SUCCESS >> a
  - a >> ON_SUCCESS >> b
config:
  a: { component: set, values: { big: "{{ input.big }}" } }
  b: { component: set, values: { big: "{{ a.data.big }}" } }
`;

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
  const res = await p.call("PUT", "/v1/workflows/copy", COPY, { "content-type": "application/yaml" });
  expect(res.status).toBe(201);
});
afterAll(() => p?.dispose());

async function recordCount(): Promise<number> {
  const kv = await p.platform.mf.getKVNamespace("ANALYTICS_KV");
  return (await kv.list()).keys.length;
}

describe("durable before 2xx", () => {
  it("every one of 24 concurrent runs answered 200 has its record when the answer arrives", async () => {
    const runs = await Promise.all(
      Array.from({ length: 24 }, (_, i) => p.call("POST", "/v1/workflows/copy/runs", { big: `v${i}` })),
    );
    const ids = await Promise.all(
      runs.map(async (r) => {
        expect(r.status).toBe(200);
        return ((await r.json()) as { execution_id: string }).execution_id;
      }),
    );
    // No polling: the record must already be there.
    const found = await Promise.all(ids.map((id) => p.call("GET", `/v1/executions/${id}`).then((r) => r.status)));
    expect(found.filter((s) => s !== 200)).toEqual([]);
  });
});

describe("input limits, before anything runs", () => {
  it("a 20 MB body is refused with 413 naming the limit, and nothing is recorded", async () => {
    const before = await recordCount();
    const res = await p.call("POST", "/v1/workflows/copy/runs", { big: "x".repeat(20 * 1024 * 1024) });
    expect(res.status).toBe(413);
    const body = (await res.json()) as { error: { code: string; limit: number; message: string } };
    expect(body.error).toMatchObject({ code: "BODY_TOO_LARGE", limit: MAX_BODY_BYTES });
    expect(body.error.message).toContain(String(MAX_BODY_BYTES));
    expect(await recordCount()).toBe(before);
  });

  it("a body nested 10,000 levels is refused with 400 naming the limit, and nothing is recorded", async () => {
    const before = await recordCount();
    const deep = `{"big":${"[".repeat(10_000)}${"]".repeat(10_000)}}`;
    const res = await p.call("POST", "/v1/workflows/copy/runs", deep);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; limit: number } };
    expect(body.error).toMatchObject({ code: "BODY_TOO_DEEP", limit: MAX_DEPTH });
    expect(await recordCount()).toBe(before);
  });

  it("the same limits hold on the webhook trigger", async () => {
    const res = await p.call("POST", "/webhooks/named/copy/trigger", { big: "y".repeat(MAX_BODY_BYTES + 10) });
    expect(res.status).toBe(413);
  });

  it("brackets inside strings do not count as nesting", async () => {
    const res = await p.call("POST", "/v1/workflows/copy/runs", { big: "[".repeat(5_000) });
    expect(res.status).toBe(200);
  });
});

describe("records too large for one KV value", () => {
  it("a 900 KB input copied through two steps (~2.7 MB of record) is stored truncated, with markers", async () => {
    const res = await p.call("POST", "/v1/workflows/copy/runs", { big: "z".repeat(900_000) });
    expect(res.status).toBe(200);
    const { execution_id, status } = (await res.json()) as { execution_id: string; status: string };
    expect(status).toBe("succeeded");
    const rec = await p.call("GET", `/v1/executions/${execution_id}`);
    expect(rec.status).toBe(200);
    const text = await rec.text();
    expect(text.length).toBeLessThan(2_000_000);
    const stored = JSON.parse(text) as { status: string; truncated?: boolean };
    expect(stored).toMatchObject({ status: "succeeded", truncated: true });
    expect(text).toMatch(/"truncated":true,"bytes":900\d{3}/);
  });

  it("boundedRecordJson leaves a small record as it is and cuts the largest values first", () => {
    const small = { id: "x", input: { a: 1 }, nodes: {} };
    expect(boundedRecordJson(small)).toBe(JSON.stringify(small));
    const big = { id: "x", input: "i".repeat(600), nodes: { a: { data: "d".repeat(300), input: "s" } } };
    const out = JSON.parse(boundedRecordJson(big, 700));
    expect(out.truncated).toBe(true);
    expect(out.input).toMatchObject({ truncated: true, bytes: 602 });
    expect(out.nodes.a.input).toBe("s");
  });
});
