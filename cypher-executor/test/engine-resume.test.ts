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
  reused?: boolean;
  pending?: { task_id: string; resume_at?: string };
}
interface Run {
  execution_id: string;
  status: string;
  output: unknown;
  nodes: Record<string, NodeView>;
}

/** A human's consent to the exposure review (the crash test's workflow calls a service on 127.0.0.1). */
const consent = JSON.stringify({ confirmed_by_human: true, understood: true, confirmed_at: new Date().toISOString() });
const deploy = (p: TestPlatform, name: string, yaml: string) =>
  p.call("PUT", `/v1/workflows/${name}`, yaml, {
    "content-type": "application/yaml",
    "x-arcrun-exposure-consent": consent,
  });

async function run(p: TestPlatform, name: string, input: unknown = {}): Promise<Run> {
  const res = await p.call("POST", `/v1/workflows/${name}/runs`, input);
  expect(res.status).toBe(200);
  return (await res.json()) as Run;
}

async function recordOf(p: TestPlatform, id: string, until?: (r: Run) => boolean): Promise<Run> {
  let last: Run | undefined;
  for (let i = 0; i < 100; i++) {
    const res = await p.call("GET", `/v1/executions/${id}`);
    if (res.status === 200) {
      last = (await res.json()) as Run;
      if (!until || until(last)) return last;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`execution ${id}: ${JSON.stringify(last)}`);
}

/** Fires the worker's `scheduled` handler, as Cloudflare's cron trigger does every minute. */
async function scheduled(p: TestPlatform, at: Date): Promise<void> {
  const worker = await p.platform.mf.getWorker("arcrun-cypher-executor");
  await worker.scheduled({ scheduledTime: at, cron: "* * * * *" });
}

const pauseYaml =
  "name: pause\nflow:\n  - input >> ON_SUCCESS >> first\n  - first >> ON_SUCCESS >> hold\n  - hold >> ON_SUCCESS >> after\n" +
  "config:\n  first: { component: set, values: { n: '{{ input.n }}' } }\n" +
  "  hold: { component: wait, duration: '{{ input.wait }}' }\n" +
  "  after: { component: set, values: { n: '{{ first.n }}', woke: '{{ hold.data }}' } }\n";

describe("pause and resume", () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform();
    expect((await deploy(p, "pause", pauseYaml)).status).toBe(201);
  });
  afterAll(() => p?.dispose());

  it("parks on a pending node and continues with the task's result, without re-running finished nodes", async () => {
    const r = await run(p, "pause", { n: 1, wait: "1h" });
    expect(r.status).toBe("waiting");
    const task = r.nodes.hold?.pending?.task_id as string;
    expect(task).toBeTruthy();
    expect(r.nodes.after).toBeUndefined();
    expect((await recordOf(p, r.execution_id)).status).toBe("waiting");
    // The due time is indexed for the scheduled handler.
    const ctx = await p.platform.mf.getKVNamespace("EXEC_CONTEXT");
    const waits = await ctx.list({ prefix: "wait:" });
    expect(waits.keys.some((k) => k.name.endsWith(`:${r.execution_id}`))).toBe(true);

    const wrong = await p.call("POST", `/v1/executions/${r.execution_id}/resume`, { task_id: "nope", result: {} });
    expect(wrong.status).toBe(404);
    const noTask = await p.call("POST", `/v1/executions/${r.execution_id}/resume`, {});
    expect(noTask.status).toBe(400);

    const res = await p.call("POST", `/v1/executions/${r.execution_id}/resume`, { task_id: task, result: { ok: 1 } });
    expect(res.status).toBe(200);
    const done = (await res.json()) as Run;
    expect(done.status).toBe("succeeded");
    expect(done.output).toEqual({ n: 1, woke: { ok: 1 } });
    expect(done.nodes.first).toMatchObject({ attempts: 1, reused: true });
    // The stored record follows once KV's per-key write spacing allows; then there is nothing to resume.
    await recordOf(p, r.execution_id, (x) => x.status === "succeeded");
    expect((await p.call("POST", `/v1/executions/${r.execution_id}/resume`, {})).status).toBe(409);
  });

  it("the scheduled handler wakes a due wait", async () => {
    const r = await run(p, "pause", { n: 2, wait: "2s" });
    expect(r.status).toBe("waiting");
    await recordOf(p, r.execution_id);
    await scheduled(p, new Date(Date.now() + 60_000));
    const done = await recordOf(p, r.execution_id, (x) => x.status === "succeeded");
    expect((done.output as { n: number }).n).toBe(2);
    expect(done.nodes.first?.reused).toBe(true);
  });

  it("the scheduled handler fires cron workflows of that minute only", async () => {
    const yaml =
      "name: nightly\ntrigger: { cron: '0 3 * * *' }\nflow:\n  - input >> ON_SUCCESS >> beat\n" +
      "config:\n  beat: { component: set, values: { at: '{{ input.scheduled_time }}' } }\n";
    expect((await deploy(p, "nightly", yaml)).status).toBe(201);
    await scheduled(p, new Date("2026-01-01T02:59:00Z"));
    await scheduled(p, new Date("2026-01-01T03:00:00Z"));
    let list: { executions: { id: string; trigger: string }[] } = { executions: [] };
    for (let i = 0; i < 50 && list.executions.length === 0; i++) {
      list = (await (await p.call("GET", "/v1/executions?workflow=nightly")).json()) as typeof list;
      if (list.executions.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(list.executions).toHaveLength(1);
    expect(list.executions[0]?.trigger).toBe("cron");
    const rec = await recordOf(p, list.executions[0]?.id as string);
    expect(rec.output).toEqual({ at: "2026-01-01T03:00:00.000Z" });
  });
});

describe("crash in the middle of a long execution", () => {
  let server: Server;
  let slowUrl = "";
  let hits = 0;
  const state = mkdtempSync(join(tmpdir(), "arcrun-crash-"));
  const secrets = {
    encryptionKey: randomBytes(32).toString("base64"),
    adminToken: `adm_${randomBytes(16).toString("hex")}`,
  };
  beforeAll(async () => {
    // A slow service on 127.0.0.1: each call takes 2.5 s, long enough to kill the platform mid-call.
    server = createServer((_req, res) => {
      hits++;
      setTimeout(() => res.end(JSON.stringify({ ok: true })), 2_500);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    slowUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/slow`;
  });
  afterAll(async () => {
    server?.close();
    rmSync(state, { recursive: true, force: true });
  });

  it("is listed as interrupted after a restart, and resume completes it without re-running finished nodes", {
    timeout: 120_000,
  }, async () => {
    const host = new URL(slowUrl).host;
    const p1 = await startTestPlatform({ stateDir: state, allowHosts: [host], ...secrets });
    const yaml =
      "name: long\nflow:\n  - input >> ON_SUCCESS >> fast\n  - fast >> ON_SUCCESS >> slow1\n" +
      "  - slow1 >> ON_SUCCESS >> slow2\n  - slow2 >> ON_SUCCESS >> output\n" +
      `config:\n  fast: { component: set, values: { a: 1 } }\n` +
      `  slow1: { component: http_request, url: '${slowUrl}' }\n` +
      `  slow2: { component: http_request, url: '${slowUrl}' }\n` +
      "  output: { component: set, values: { done: true, a: '{{ fast.a }}' } }\n";
    expect((await deploy(p1, "long", yaml)).status).toBe(201);
    const started = await p1.call("POST", "/v1/workflows/long/runs?wait=false", {});
    expect(started.status).toBe(202);
    const { execution_id: id } = (await started.json()) as { execution_id: string };

    // Wait until slow1 is done and slow2 is running (2 calls reached the service), then kill workerd.
    for (let i = 0; i < 100 && hits < 2; i++) await new Promise((r) => setTimeout(r, 100));
    expect(hits).toBe(2);
    await new Promise((r) => setTimeout(r, 300));
    killWorkerd();
    await p1.dispose().catch(() => {});

    const p2 = await startTestPlatform({ stateDir: state, allowHosts: [host], ...secrets });
    try {
      const as = (path: string, init: RequestInit = {}) =>
        fetch(p2.url + path, {
          ...init,
          headers: { authorization: `Bearer ${p1.apiKey}`, "content-type": "application/json" },
        });
      // The heartbeat stops with the process: after STALE_MS the record reads as interrupted.
      let status = "";
      for (let i = 0; i < 100 && status !== "interrupted"; i++) {
        status = ((await (await as(`/v1/executions/${id}`)).json()) as { status: string }).status;
        if (status !== "interrupted") await new Promise((r) => setTimeout(r, 200));
      }
      expect(status).toBe("interrupted");
      const listed = (await (await as("/v1/executions?status=interrupted")).json()) as { executions: { id: string }[] };
      expect(listed.executions.map((e) => e.id)).toContain(id);

      const res = await as(`/v1/executions/${id}/resume`, { method: "POST", body: "{}" });
      expect(res.status).toBe(200);
      const done = (await res.json()) as Run;
      expect(done.status).toBe("succeeded");
      expect(done.output).toEqual({ done: true, a: 1 });
      expect(done.nodes.fast).toMatchObject({ attempts: 1, reused: true });
      expect(done.nodes.slow1).toMatchObject({ attempts: 1, reused: true });
      expect(done.nodes.slow2?.reused).toBeUndefined();
      // slow1 was not called again: 2 calls before the crash, 1 (slow2) after.
      expect(hits).toBe(3);
    } finally {
      await p2.dispose();
    }
  });
});
