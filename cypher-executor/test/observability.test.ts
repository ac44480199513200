import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "./support/platform";

// /health checks storage; /metrics is Prometheus text behind the operator token or an admin key.
let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(() => p?.dispose());

const example = (name: string) =>
  readFileSync(join(import.meta.dirname, "..", "..", "examples", `${name}.yaml`), "utf8");

/** A strict reading of the Prometheus text format 0.0.4: every sample named, labelled, numeric, and TYPEd. */
function parsePrometheus(text: string): Map<string, number> {
  const types = new Map<string, string>();
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (meta) {
      if (meta[1] === "TYPE") {
        expect(["counter", "gauge", "histogram", "summary", "untyped"]).toContain(meta[3]);
        types.set(meta[2] ?? "", meta[3] ?? "");
      }
      continue;
    }
    const m =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+]+|\+Inf|NaN)$/.exec(
        line,
      );
    expect(m, `not a Prometheus sample: ${line}`).not.toBeNull();
    const name = m?.[1] ?? "";
    const family = [...types.keys()].find((t) => name === t || name.startsWith(`${t}_`));
    expect(family, `sample without # TYPE: ${line}`).toBeDefined();
    samples.set(`${name}${m?.[2] ?? ""}`, Number(m?.[3]));
  }
  return samples;
}

describe("observability", () => {
  it("/health answers ok with KV and R2 checked", async () => {
    const res = await fetch(`${p.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, storage: { kv: "ok", r2: "ok" } });
  });

  it("/metrics: 401 without the operator token or an admin key; Prometheus text that counts runs", async () => {
    expect((await fetch(`${p.url}/metrics`)).status).toBe(401);
    const user = await p.newKey("user");
    expect((await fetch(`${p.url}/metrics`, { headers: { authorization: `Bearer ${user.apiKey}` } })).status).toBe(401);

    expect(
      (await p.call("PUT", "/v1/workflows/hello", example("hello"), { "content-type": "application/yaml" })).status,
    ).toBe(201);
    for (let i = 0; i < 3; i++)
      expect((await p.call("POST", "/v1/workflows/hello/runs", { name: "Ada" })).status).toBe(200);

    const res = await fetch(`${p.url}/metrics`, { headers: { authorization: `Bearer ${p.adminToken}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    const text = await res.text();
    const samples = parsePrometheus(text);
    const succeeded = [...samples].find(
      ([k]) => k.startsWith("arcrun_executions_total") && k.includes('status="succeeded"'),
    );
    expect(succeeded?.[1]).toBeGreaterThanOrEqual(3);
    const count = [...samples].find(([k]) => k.startsWith("arcrun_step_duration_ms_count"))?.[1] ?? 0;
    const inf = [...samples].find(
      ([k]) => k.startsWith("arcrun_step_duration_ms_bucket") && k.includes('le="+Inf"'),
    )?.[1];
    expect(count).toBeGreaterThanOrEqual(6);
    expect(inf).toBe(count);
    // An admin API key may scrape too; nothing secret is in the text.
    expect((await p.call("GET", "/metrics")).status).toBe(200);
    expect(text).not.toContain(p.apiKey);
  });

  it("/metrics counts every KV operation by namespace and kind: reads, writes, lists and deletes", async () => {
    const scrape = async () =>
      parsePrometheus(
        await (await fetch(`${p.url}/metrics`, { headers: { authorization: `Bearer ${p.adminToken}` } })).text(),
      );
    const ops = (s: Map<string, number>, ns: string, op: string) =>
      [...s].find(([k]) => k.includes(`namespace="${ns}",op="${op}"`))?.[1] ?? 0;
    const delta = async (action: () => Promise<Response>, ns: string, op: string) => {
      const before = ops(await scrape(), ns, op);
      expect((await action()).ok).toBe(true);
      // The final record of a run is written in waitUntil, just after the answer.
      await new Promise((r) => setTimeout(r, 200));
      return ops(await scrape(), ns, op) - before;
    };
    expect(
      (await p.call("PUT", "/v1/workflows/hello", example("hello"), { "content-type": "application/yaml" })).ok,
    ).toBe(true);
    const res = await p.call("POST", "/v1/workflows/hello/runs", { name: "Kv" });
    const id = ((await res.json()) as { execution_id: string }).execution_id;

    expect(await delta(() => p.call("POST", "/v1/workflows/hello/runs", { name: "Kv" }), "ANALYTICS_KV", "write")).toBe(
      1,
    );
    expect(await delta(() => p.call("GET", "/v1/executions"), "ANALYTICS_KV", "list")).toBe(1);
    expect(await delta(() => p.call("GET", `/v1/executions/${id}`), "ANALYTICS_KV", "read")).toBe(1);
    const wf = example("hello").replace("name: hello", "name: kv-gone");
    expect((await p.call("PUT", "/v1/workflows/kv-gone", wf, { "content-type": "application/yaml" })).status).toBe(201);
    expect(await delta(() => p.call("DELETE", "/v1/workflows/kv-gone"), "WEBHOOKS", "delete")).toBeGreaterThanOrEqual(
      1,
    );
  });
});
