// Issue 13, checkpoints per FOREACH element: a resume never calls a finished element again, neither after
// a failed element nor after a crash (kill -9 of workerd) in the middle of the FOREACH. A loopback service
// counts the calls per element.

import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { killWorkerd } from "./support/crash";
import { startTestPlatform, type TestPlatform } from "./support/platform";

interface NodeView {
  status: string;
  attempts: number;
  data?: unknown;
  elements?: { done: number[] };
}
interface Run {
  execution_id: string;
  status: string;
  nodes: Record<string, NodeView>;
}

const consent = JSON.stringify({ confirmed_by_human: true, understood: true, confirmed_at: new Date().toISOString() });
const yamlFor = (url: string) =>
  "name: each\nflow:\n  - input >> ON_SUCCESS >> list\n  - list >> FOREACH item >> call\n" +
  "config:\n  list: { component: set, values: { items: '{{ input.items }}' } }\n" +
  `  call: { component: http_request, url: '${url}/item/{{ item }}', fail_on_status: true }\n`;

let server: Server;
let base = "";
const calls = new Map<number, number>();
/** Element indexes whose first call answers 500. */
const failOnce = new Set<number>();
/** Per-call delay (ms): long enough in the crash test to kill the platform mid-FOREACH. */
let delayMs = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const i = Number(req.url?.split("/").pop());
    const n = (calls.get(i) ?? 0) + 1;
    calls.set(i, n);
    const status = failOnce.has(i) && n === 1 ? 500 : 200;
    setTimeout(() => {
      res.statusCode = status;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ i }));
    }, delayMs);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => server?.close());

const items = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("FOREACH element checkpoints", () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform({ allowHosts: [new URL(base).host] });
    const res = await p.call("PUT", "/v1/workflows/each", yamlFor(base), {
      "content-type": "application/yaml",
      "x-arcrun-exposure-consent": consent,
    });
    expect(res.status).toBe(201);
  });
  afterAll(() => p?.dispose());

  it("element 7 of 10 fails; the resume calls element 7 only, and every element was called exactly once", async () => {
    calls.clear();
    failOnce.clear();
    failOnce.add(7);
    delayMs = 0;
    const r = (await (await p.call("POST", "/v1/workflows/each/runs", { items: items(10) })).json()) as Run;
    expect(r.status).toBe("failed");
    expect(r.nodes.call?.elements?.done).toHaveLength(9);
    const res = await p.call("POST", `/v1/executions/${r.execution_id}/resume`, {});
    expect(res.status).toBe(200);
    const done = (await res.json()) as Run;
    expect(done.status).toBe("succeeded");
    expect(((done.nodes.call?.data ?? []) as { json: { i: number } }[]).map((d) => d.json.i)).toEqual(items(10));
    expect(done.nodes.call?.attempts).toBe(1);
    // 7 twice (its failure, then the resume), every other element once.
    expect(items(10).map((i) => calls.get(i))).toEqual(items(10).map((i) => (i === 7 ? 2 : 1)));
  });
});

describe("crash in the middle of a FOREACH", () => {
  const state = mkdtempSync(join(tmpdir(), "arcrun-foreach-crash-"));
  const secrets = {
    encryptionKey: randomBytes(32).toString("base64"),
    adminToken: `adm_${randomBytes(16).toString("hex")}`,
  };
  afterAll(() => rmSync(state, { recursive: true, force: true }));

  it("kill -9 during 48 elements, restart: the next tick resumes it by itself, finished elements are not called again", {
    timeout: 120_000,
  }, async () => {
    calls.clear();
    failOnce.clear();
    // 48 elements, 8 at once, 300 ms each: 6 waves, ~1.8 s, so the execution is long (> 1 s) and
    // checkpoints its progress once a second from then on.
    delayMs = 300;
    const host = new URL(base).host;
    const p1 = await startTestPlatform({ stateDir: state, allowHosts: [host], ...secrets });
    expect(
      (
        await p1.call("PUT", "/v1/workflows/each", yamlFor(base), {
          "content-type": "application/yaml",
          "x-arcrun-exposure-consent": consent,
        })
      ).status,
    ).toBe(201);
    const started = await p1.call("POST", "/v1/workflows/each/runs?wait=false", { items: items(48) });
    expect(started.status).toBe(202);
    const { execution_id: id } = (await started.json()) as { execution_id: string };
    // When the fifth wave of 8 started (32 elements finished, checkpointed at ~1.2 s), the platform dies.
    for (let i = 0; i < 300 && calls.size < 33; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 150));
    killWorkerd();
    await p1.dispose().catch(() => {});
    const before = new Map(calls);
    const p2 = await startTestPlatform({ stateDir: state, allowHosts: [host], ...secrets });
    try {
      const as = (path: string, init: RequestInit = {}) =>
        fetch(p2.url + path, {
          ...init,
          headers: { authorization: `Bearer ${p1.apiKey}`, "content-type": "application/json" },
        });
      let status = "";
      for (let i = 0; i < 100 && status !== "interrupted"; i++) {
        status = ((await (await as(`/v1/executions/${id}`)).json()) as { status: string }).status;
        if (status !== "interrupted") await new Promise((r) => setTimeout(r, 200));
      }
      expect(status).toBe("interrupted");
      // No manual step: the next scheduler tick finds the execution's lease due and resumes it.
      const worker = await p2.platform.mf.getWorker("arcrun-cypher-executor");
      await worker.scheduled({ scheduledTime: new Date(Date.now() + 61_000), cron: "* * * * *" });
      let done = { status: "" } as Run & { recoveries?: number };
      for (let i = 0; i < 100 && done.status !== "succeeded"; i++) {
        done = (await (await as(`/v1/executions/${id}`)).json()) as typeof done;
        if (done.status !== "succeeded") await new Promise((r) => setTimeout(r, 100));
      }
      expect(done.status).toBe("succeeded");
      expect(done.recoveries).toBe(1);
      expect(((done.nodes.call?.data ?? []) as { json: { i: number } }[]).map((d) => d.json.i)).toEqual(items(48));
      // Each element was called once, except those in flight or finished after the last checkpoint
      // (checkpoints are at most one a second per node: up to ~1 s of elements, here <= 4 waves of 8).
      const again = items(48).filter((i) => (calls.get(i) ?? 0) > 1);
      expect(again.length).toBeLessThanOrEqual(32);
      const once = items(48).filter((i) => (before.get(i) ?? 0) === 1 && !again.includes(i));
      expect(once.length).toBeGreaterThanOrEqual(16);
      for (const i of items(48)) expect(calls.get(i)).toBeLessThanOrEqual(2);
      console.log(`FOREACH crash: ${before.size} elements called before the kill, ${again.length} called again`);
    } finally {
      await p2.dispose();
    }
  });
});
