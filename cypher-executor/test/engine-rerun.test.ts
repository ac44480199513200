// Issue 13, re-run and replay: POST /v1/executions/{id}/rerun makes a new execution with the same input,
// on the original or the current version, from the start, from the failed part or from a node; resume
// can continue on the current version when it still fits. A loopback service counts the calls per path.

import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "./support/platform";

interface Run {
  execution_id: string;
  status: string;
  output: unknown;
  nodes: Record<string, { status: string; reused?: boolean; attempts: number }>;
  error?: { code: string; message: string; node?: string; changes?: Array<{ node: string; change: string }> };
}

const consent = JSON.stringify({ confirmed_by_human: true, understood: true, confirmed_at: new Date().toISOString() });
const yamlFor = (url: string, bPath = "b", aComponent = "http_request") =>
  "name: rr\nflow:\n  - input >> ON_SUCCESS >> a\n  - a >> ON_SUCCESS >> b\n  - b >> ON_SUCCESS >> out\n" +
  "config:\n" +
  (aComponent === "http_request"
    ? `  a: { component: http_request, url: '${url}/a/{{ input.n }}', fail_on_status: true }\n`
    : `  a: { component: set, values: { body: { n: '{{ input.n }}' } } }\n`) +
  `  b: { component: http_request, url: '${url}/${bPath}', fail_on_status: true }\n` +
  "  out: { component: set, values: { n: '{{ input.n }}', b: '{{ b.json.path }}' } }\n";

let server: Server;
let base = "";
const calls = new Map<string, number>();
let bStatus = 500;

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = (req.url ?? "").split("/")[1] ?? "";
    calls.set(path, (calls.get(path) ?? 0) + 1);
    res.statusCode = path === "b" ? bStatus : 200;
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ path }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => server?.close());

describe("re-run and replay", () => {
  let p: TestPlatform;
  const deploy = async (yaml: string) => {
    const res = await p.call("PUT", "/v1/workflows/rr", yaml, {
      "content-type": "application/yaml",
      "x-arcrun-exposure-consent": consent,
    });
    expect([200, 201]).toContain(res.status);
  };
  const rerun = async (id: string, body?: unknown) => {
    const res = await p.call("POST", `/v1/executions/${id}/rerun`, body);
    return { status: res.status, body: (await res.json()) as Run };
  };
  const failedRun = async (n: number): Promise<Run> => {
    bStatus = 500;
    const r = (await (await p.call("POST", "/v1/workflows/rr/runs", { n })).json()) as Run;
    expect(r.status).toBe("failed");
    expect(r.error?.node).toBe("b");
    return r;
  };

  beforeAll(async () => {
    p = await startTestPlatform({ allowHosts: [new URL(base).host] });
    await deploy(yamlFor(base));
  });
  afterAll(() => p?.dispose());

  it("from the failed part: a new execution linked to the old one; the succeeded node is not called again", async () => {
    calls.clear();
    const first = await failedRun(1);
    expect(calls.get("a")).toBe(1);
    bStatus = 200;
    const again = await rerun(first.execution_id, { from: "failed" });
    expect(again.status).toBe(200);
    expect(again.body.execution_id).not.toBe(first.execution_id);
    expect(again.body.status).toBe("succeeded");
    expect(again.body.output).toEqual({ n: 1, b: "b" });
    expect(again.body.nodes.a?.reused).toBe(true);
    expect(calls.get("a")).toBe(1);
    expect(calls.get("b")).toBe(2);
    const rec = (await (await p.call("GET", `/v1/executions/${again.body.execution_id}`)).json()) as {
      trigger: string;
      rerun_of: unknown;
      input: unknown;
    };
    expect(rec.trigger).toBe("rerun");
    expect(rec.input).toEqual({ n: 1 });
    expect(rec.rerun_of).toEqual({ execution_id: first.execution_id, from: "failed", version: 1 });
    // The earlier execution stays as it was.
    const old = (await (await p.call("GET", `/v1/executions/${first.execution_id}`)).json()) as { status: string };
    expect(old.status).toBe("failed");
  });

  it("from the start runs every node again; from a node reuses the nodes before it", async () => {
    calls.clear();
    bStatus = 200;
    const r = (await (await p.call("POST", "/v1/workflows/rr/runs", { n: 2 })).json()) as Run;
    expect(r.status).toBe("succeeded");
    const all = await rerun(r.execution_id);
    expect(all.body.status).toBe("succeeded");
    expect(all.body.nodes.a?.reused).toBeUndefined();
    expect(calls.get("a")).toBe(2);
    const fromB = await rerun(r.execution_id, { from: "b" });
    expect(fromB.body.status).toBe("succeeded");
    expect(fromB.body.nodes.a?.reused).toBe(true);
    expect(fromB.body.nodes.b?.reused).toBeUndefined();
    expect(calls.get("a")).toBe(2);
    expect(calls.get("b")).toBe(3);
  });

  it("?wait=false answers 202 and the re-run is recorded", async () => {
    bStatus = 200;
    const r = (await (await p.call("POST", "/v1/workflows/rr/runs", { n: 3 })).json()) as Run;
    const res = await p.call("POST", `/v1/executions/${r.execution_id}/rerun?wait=false`, {});
    expect(res.status).toBe(202);
    const { execution_id } = (await res.json()) as { execution_id: string };
    let status = "running";
    for (let i = 0; i < 50 && status === "running"; i++) {
      await new Promise((w) => setTimeout(w, 100));
      status = ((await (await p.call("GET", `/v1/executions/${execution_id}`)).json()) as { status: string }).status;
    }
    expect(status).toBe("succeeded");
  });

  it("clear errors: unknown execution 404, unknown node 400, from failed of a success 409, bad body 400", async () => {
    bStatus = 200;
    const ok = (await (await p.call("POST", "/v1/workflows/rr/runs", { n: 4 })).json()) as Run;
    expect((await rerun("ex00000000000000000000000")).status).toBe(404);
    const node = await rerun(ok.execution_id, { from: "nope" });
    expect(node.status).toBe(400);
    expect(node.body.error?.code).toBe("UNKNOWN_NODE");
    const notFailed = await rerun(ok.execution_id, { from: "failed" });
    expect(notFailed.status).toBe(409);
    expect(notFailed.body.error?.code).toBe("EXECUTION_NOT_FAILED");
    const bad = await rerun(ok.execution_id, { version: "latest" });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.error)).toContain('"path":"version"');
  });

  it("the current version: a deployed fix re-runs (and resumes) from the failed part; a changed node is named", async () => {
    await deploy(yamlFor(base));
    calls.clear();
    const first = await failedRun(5);
    const second = await failedRun(6);
    // The fix: b calls another path. The original version still fails.
    await deploy(yamlFor(base, "b2"));
    expect((await rerun(first.execution_id, { from: "failed" })).body.status).toBe("failed");
    const fixed = await rerun(first.execution_id, { from: "failed", version: "current" });
    expect(fixed.body).toMatchObject({ status: "succeeded", output: { n: 5, b: "b2" } });
    expect(fixed.body.nodes.a?.reused).toBe(true);
    const resumed = await p.call("POST", `/v1/executions/${second.execution_id}/resume`, { version: "current" });
    expect(resumed.status).toBe(200);
    expect(((await resumed.json()) as Run).output).toEqual({ n: 6, b: "b2" });
    expect(calls.get("a")).toBe(2);
    // `a` now calls another component: its earlier result no longer fits.
    await deploy(yamlFor(base, "b2", "set"));
    const changed = await rerun(first.execution_id, { from: "failed", version: "current" });
    expect(changed.status).toBe(409);
    expect(changed.body.error?.code).toBe("WORKFLOW_CHANGED");
    expect(changed.body.error?.changes).toEqual([{ node: "a", change: "component http_request → set" }]);
    // From the start, the current version runs whatever changed.
    expect((await rerun(first.execution_id, { version: "current" })).body.status).toBe("succeeded");
  });
});
