import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "./support/platform";

const examples = join(__dirname, "..", "..", "examples");
const example = (name: string) => readFileSync(join(examples, `${name}.yaml`), "utf8");

interface Run {
  execution_id: string;
  status: string;
  output: unknown;
  kv_writes: number;
  error?: { code: string; node?: string };
  nodes: Record<
    string,
    { status: string; attempts: number; data?: unknown; error?: { code: string }; reused?: boolean }
  >;
}

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(() => p?.dispose());

async function deploy(name: string, yaml = example(name)): Promise<Response> {
  return p.call("PUT", `/v1/workflows/${name}`, yaml, { "content-type": "application/yaml" });
}

async function run(name: string, input: unknown = {}): Promise<Run> {
  const res = await p.call("POST", `/v1/workflows/${name}/runs`, input);
  expect(res.status).toBe(200);
  const body = (await res.json()) as Run;
  expect(res.headers.get("x-arcrun-kv-writes")).toBe(String(body.kv_writes));
  return body;
}

/** The history write happens after the response: poll until it is there. */
async function record(id: string): Promise<Record<string, unknown> & Run> {
  for (let i = 0; i < 50; i++) {
    const res = await p.call("GET", `/v1/executions/${id}`);
    if (res.status === 200) return (await res.json()) as Record<string, unknown> & Run;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`execution ${id} was never recorded`);
}

describe("workflow storage", () => {
  it("deploys, versions, lists, shows and deletes a workflow", async () => {
    const first = await deploy("hello");
    expect(first.status).toBe(201);
    expect(((await first.json()) as { version: number }).version).toBe(1);
    // A byte-identical redeploy keeps version 1; an edited one makes version 2.
    const same = await deploy("hello");
    expect(same.status).toBe(200);
    expect(((await same.json()) as { version: number }).version).toBe(1);
    const second = await deploy("hello", `${example("hello")}# edited\n`);
    expect(second.status).toBe(200);
    expect(((await second.json()) as { version: number }).version).toBe(2);

    const list = (await (await p.call("GET", "/v1/workflows")).json()) as { workflows: { name: string }[] };
    expect(list.workflows.map((w) => w.name)).toContain("hello");
    const versions = (await (await p.call("GET", "/v1/workflows/hello/versions")).json()) as {
      versions: { version: number }[];
    };
    expect(versions.versions.map((v) => v.version)).toEqual([1, 2]);
    const shown = (await (await p.call("GET", "/v1/workflows/hello")).json()) as { source: string; version: number };
    expect(shown.source).toBe(`${example("hello")}# edited\n`);
    expect(shown.version).toBe(2);

    await deploy("chain-cypher");
    expect((await p.call("DELETE", "/v1/workflows/chain-cypher")).status).toBe(200);
    expect((await p.call("GET", "/v1/workflows/chain-cypher")).status).toBe(404);
    expect((await p.call("GET", "/v1/workflows/chain-cypher/versions")).status).toBe(404);
  });

  it("answers a bad YAML with every diagnostic and keeps what was stored", async () => {
    await deploy("hello");
    const before = (await (await p.call("GET", "/v1/workflows/hello")).json()) as { version: number };
    const bad = "name: hello\nflow:\n  - input >> ON_SUCESS >> greet\nconfig:\n  greet: { component: nope }\n";
    const res = await deploy("hello", bad);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; diagnostics: { code: string; pos?: unknown }[] } };
    expect(body.error.code).toBe("WORKFLOW_INVALID");
    expect(body.error.diagnostics.length).toBeGreaterThanOrEqual(2);
    expect(body.error.diagnostics.every((d) => d.pos !== undefined)).toBe(true);
    const after = (await (await p.call("GET", "/v1/workflows/hello")).json()) as { version: number };
    expect(after.version).toBe(before.version);
  });

  it("asks for exposure consent before storing a workflow that sends data to a third-party host", async () => {
    const yaml =
      "name: outbound\nflow:\n  - input >> ON_SUCCESS >> post\n" +
      "config:\n  post: { component: http_request, method: POST, url: 'https://example.com/hook', body: '{{ input }}' }\n";
    const refused = await deploy("outbound", yaml);
    expect(refused.status).toBe(403);
    const body = (await refused.json()) as { error: { code: string; review: { destinations: { host: string }[] } } };
    expect(body.error.code).toBe("EXPOSURE_CONSENT_REQUIRED");
    expect(body.error.review.destinations.map((d) => d.host)).toEqual(["example.com"]);
    expect((await p.call("GET", "/v1/workflows/outbound")).status).toBe(404);
    const consent = { confirmed_by_human: true, understood: true, confirmed_at: new Date().toISOString() };
    const ok = await p.call("PUT", "/v1/workflows/outbound", yaml, {
      "content-type": "application/yaml",
      "x-arcrun-exposure-consent": JSON.stringify(consent),
    });
    expect(ok.status).toBe(201);
  });

  it("answers a run with a body that is not JSON with INVALID_JSON", async () => {
    await deploy("hello");
    const res = await p.call("POST", "/v1/workflows/hello/runs", '{"name": ', { "content-type": "application/json" });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; field: string } };
    expect(body.error).toMatchObject({ code: "INVALID_JSON", field: "body" });
  });

  it("keeps tenants apart: another key sees no workflow and no execution", async () => {
    await deploy("hello");
    const mine = await run("hello", { name: "Ada" });
    const other = await p.newKey();
    const h = { authorization: `Bearer ${other.apiKey}` };
    const list = (await (await fetch(`${p.url}/v1/workflows`, { headers: h })).json()) as { workflows: unknown[] };
    expect(list.workflows).toEqual([]);
    expect((await fetch(`${p.url}/v1/workflows/hello/runs`, { method: "POST", headers: h })).status).toBe(404);
    expect((await fetch(`${p.url}/v1/executions/${mine.execution_id}`, { headers: h })).status).toBe(404);
    const ex = (await (await fetch(`${p.url}/v1/executions`, { headers: h })).json()) as { executions: unknown[] };
    expect(ex.executions).toEqual([]);
  });
});

describe("every example runs green through the API", () => {
  it("hello: input → greet → output, one KV write", async () => {
    await deploy("hello");
    const r = await run("hello", { name: "Ada" });
    expect(r.status).toBe("succeeded");
    expect(r.output).toEqual({ greeting: "Hello Ada", at: "hello" });
    expect(r.nodes.greet?.data).toEqual({ message: "Hello Ada", length: 3 });
    expect(r.kv_writes).toBe(1);
    const rec = await record(r.execution_id);
    expect(rec.status).toBe("succeeded");
    expect(rec.nodes.greet?.attempts).toBe(1);
  });

  it("chain-cypher: the Cypher syntax with PIPE/NEXT aliases", async () => {
    await deploy("chain-cypher");
    const r = await run("chain-cypher", { n: 7 });
    expect(r.status).toBe("succeeded");
    expect(r.output).toEqual({ n: 7, steps: 3 });
  });

  it("fanout-join: the join waits for all three branches", async () => {
    await deploy("fanout-join");
    const r = await run("fanout-join", { x: 42 });
    expect(r.output).toEqual({ parts: ["a", "b", "c"], x: 42 });
  });

  it("branching: IF/ELSE, ON_TRUE/ON_FALSE, ON_BRANCH; untaken branches are skipped", async () => {
    await deploy("branching");
    const big = await run("branching", { total: 150, vip: true, region: "eu" });
    expect(big.status).toBe("succeeded");
    expect(big.nodes.big?.status).toBe("succeeded");
    expect(big.nodes.small?.status).toBe("skipped");
    expect(big.nodes.vip_yes?.status).toBe("succeeded");
    expect(big.nodes.vip_no?.status).toBe("skipped");
    expect(big.nodes.eu?.data).toEqual({ shipping: "eu-warehouse" });
    expect(big.nodes.us?.status).toBe("skipped");
    expect(big.output).toEqual({ big: { size: "big" }, vip_yes: { vip: "yes" }, eu: { shipping: "eu-warehouse" } });

    const small = await run("branching", { total: 5, vip: false, region: "us" });
    expect(small.nodes.big?.status).toBe("skipped");
    expect(small.nodes.small?.data).toEqual({ size: "small" });
    expect(small.nodes.vip_no?.status).toBe("succeeded");
    expect(small.nodes.us?.status).toBe("succeeded");
  });

  it("failures: retried 3 times, handled by ON_FAIL, ON_COMPLETE runs, the execution succeeds", async () => {
    await deploy("failures");
    const r = await run("failures");
    expect(r.status).toBe("succeeded");
    expect(r.nodes.risky?.status).toBe("failed");
    expect(r.nodes.risky?.attempts).toBe(3);
    expect(r.nodes.risky?.error?.code).toBe("OUTPUT_TOO_LARGE");
    expect(r.nodes.recover?.data).toEqual({ recovered: true, reason: "OUTPUT_TOO_LARGE" });
    expect(r.nodes.cleanup?.status).toBe("succeeded");
    expect(r.nodes.done_ok?.status).toBe("skipped");
  });

  it("foreach: one call per element, results in order", async () => {
    await deploy("foreach");
    const items = Array.from({ length: 20 }, (_, i) => ({ sku: `s${i}`, qty: i, price: 2 }));
    const r = await run("foreach", { items });
    expect(r.status).toBe("succeeded");
    const out = r.output as { lines: { index: number; sku: string; total: number }[]; count: number };
    expect(out.count).toBe(20);
    expect(out.lines[13]).toEqual({ index: 13, sku: "s13", total: 26 });
    expect(r.nodes.line?.attempts).toBe(20);
  });

  it("subflow: runs hello in-process", async () => {
    await deploy("hello");
    await deploy("subflow");
    const r = await run("subflow", { who: "Grace" });
    expect(r.status).toBe("succeeded");
    expect(r.output).toEqual({ wrapped: { greeting: "Hello Grace", at: "hello" } });
  });

  it("a subflow cycle fails with SUBFLOW_CYCLE instead of recursing", async () => {
    const loop =
      "name: loop\nflow:\n  - input >> ON_SUCCESS >> again\n  - again >> ON_SUCCESS >> done\n" +
      "config:\n  again: { workflow: loop2 }\n  done: { component: set }\n";
    const loop2 = "name: loop2\nflow:\n  - input >> CALLS_SUBFLOW >> back\nconfig:\n  back: { workflow: loop }\n";
    expect((await deploy("loop2", loop2)).status).toBe(201);
    const res = await deploy("loop", loop.replace("input >> ON_SUCCESS >> again", "input >> CALLS_SUBFLOW >> again"));
    expect(res.status).toBe(201);
    const r = await run("loop");
    expect(r.status).toBe("failed");
    expect(r.error?.node).toBe("again");
    expect(JSON.stringify(r.nodes.again?.error)).toContain("SUBFLOW_CYCLE");
  });

  it("order-routing: if_control, switch and try_catch route with ON_TRUE/ON_FALSE/ON_BRANCH", async () => {
    await deploy("order-routing");
    const big = await run("order-routing", { total: 2500, country: "FR", label: "fragile" });
    expect(big.status).toBe("succeeded");
    expect(big.output).toEqual({
      review: { decision: "review", total: 2500 },
      ship_eu: { warehouse: "eu-1" },
      label_ok: { label: "fragile" },
    });
    const small = await run("order-routing", {
      total: 20,
      country: "JP",
      label: "a label far longer than the forty-eight bytes allowed",
    });
    expect(small.status).toBe("succeeded");
    expect(small.nodes.label?.status).toBe("failed");
    expect(small.output).toEqual({
      auto_approve: { decision: "approved" },
      ship_other: { warehouse: "none", country: "JP" },
      label_fallback: { label: "(label too long)", reason: "OUTPUT_TOO_LARGE" },
    });
  });

  it("remind-later: parks on wait, resumes with the task's result", async () => {
    await deploy("remind-later");
    const r = await run("remind-later", { delay: "10m", note: "stretch" });
    expect(r.status).toBe("waiting");
    const task = (r.nodes.pause as { pending?: { task_id: string } }).pending?.task_id;
    await record(r.execution_id);
    const res = await p.call("POST", `/v1/executions/${r.execution_id}/resume`, {
      task_id: task,
      result: { early: true },
    });
    expect(((await res.json()) as Run).output).toEqual({ reminder: "stretch", woke: { early: true } });
  });

  it("every-minute: the cron index is kept and the workflow runs", async () => {
    await deploy("every-minute");
    const kv = await p.platform.mf.getKVNamespace("WEBHOOKS");
    const { keys } = await kv.list({ prefix: "cron:" });
    expect(keys.map((k) => k.name)).toEqual([expect.stringMatching(/^cron:[0-9a-f]{64}:every-minute$/)]);
    const r = await run("every-minute", { scheduled_time: "2026-01-01T00:00:00.000Z" });
    expect(r.output).toEqual({ beat: true, at: "2026-01-01T00:00:00.000Z" });
  });
});

describe("execution history", () => {
  it("pages newest first with a cursor, filtered by workflow", async () => {
    const yaml = example("hello").replace("name: hello", "name: paged");
    expect((await deploy("paged", yaml)).status).toBe(201);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await run("paged", { name: `n${i}` })).execution_id);
    for (const id of ids) await record(id);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const q = new URLSearchParams({ workflow: "paged", limit: "2", ...(cursor ? { cursor } : {}) });
      const body = (await (await p.call("GET", `/v1/executions?${q}`)).json()) as {
        executions: { id: string; workflow: string; status: string }[];
        cursor: string | null;
      };
      for (const e of body.executions) {
        expect(e).toMatchObject({ workflow: "paged", status: "succeeded" });
        seen.push(e.id);
      }
      cursor = body.cursor;
      if (!cursor) break;
    }
    expect(seen).toEqual([...ids].reverse());
  });
});

describe("an unhandled failure", () => {
  it("fails the execution, names the node, and resume re-runs only the failed part", async () => {
    const yaml =
      "name: fragile\nflow:\n  - input >> ON_SUCCESS >> ok\n  - ok >> ON_SUCCESS >> boom\n" +
      "config:\n  ok: { component: set, values: { a: 1 } }\n" +
      "  boom: { component: set, values: { text: 'far too long for the limit' }, limits: { max_output_bytes: 8 } }\n";
    await deploy("fragile", yaml);
    const r = await run("fragile");
    expect(r.status).toBe("failed");
    expect(r.error).toMatchObject({ code: "OUTPUT_TOO_LARGE", node: "boom" });
    await record(r.execution_id);
    const failedList = (await (await p.call("GET", "/v1/executions?workflow=fragile&status=failed")).json()) as {
      executions: { id: string }[];
    };
    expect(failedList.executions.map((e) => e.id)).toContain(r.execution_id);

    // Fix the workflow by deploying a new version? Resume runs the recorded version: it fails again,
    // but `ok` is reused, not re-run.
    const res = await p.call("POST", `/v1/executions/${r.execution_id}/resume`, {});
    expect(res.status).toBe(200);
    const again = (await res.json()) as Run;
    expect(again.execution_id).toBe(r.execution_id);
    expect(again.nodes.ok?.reused).toBe(true);
    expect(again.nodes.boom?.attempts).toBe(1);
    expect(again.status).toBe("failed");
  });
});
