import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encryptCredential } from "../../js-sdk/src/index";
import { startTestPlatform, type TestPlatform } from "./support/platform";

const example = (name: string) => readFileSync(join(__dirname, "..", "..", "examples", `${name}.yaml`), "utf8");

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
  for (const name of ["hello", "open-webhook", "failures"]) {
    const res = await p.call("PUT", `/v1/workflows/${name}`, example(name), { "content-type": "application/yaml" });
    expect(res.status).toBe(201);
  }
});
afterAll(() => p?.dispose());

const signedYaml =
  "name: signed\ntrigger:\n  webhook: { auth: hmac, secret: hook_secret }\nflow:\n  - input >> ON_SUCCESS >> output\n" +
  "config:\n  output: { component: set, values: { got: '{{ input.event }}' } }\n";

describe("named webhook triggers", () => {
  it("api_key (the default): needs the owner's key; another tenant's key is refused", async () => {
    const url = `${p.url}/webhooks/named/${p.ns}/hello/trigger`;
    const body = JSON.stringify({ name: "Hook" });
    const none = await fetch(url, { method: "POST", body, headers: { "content-type": "application/json" } });
    expect(none.status).toBe(401);
    const other = await p.newKey();
    const wrong = await fetch(url, { method: "POST", body, headers: { "x-arcrun-api-key": other.apiKey } });
    expect(wrong.status).toBe(401);
    const ok = await fetch(url, { method: "POST", body, headers: { "x-arcrun-api-key": p.apiKey } });
    expect(ok.status).toBe(200);
    const r = (await ok.json()) as { status: string; output: unknown };
    expect(r).toMatchObject({ status: "succeeded", output: { greeting: "Hello Hook" } });
    expect(ok.headers.get("x-arcrun-kv-writes")).toBe("1");
    // Keys that authenticated are remembered per isolate: a remembered key of another tenant stays refused,
    // and the remembered owner's key keeps working.
    const whoami = await fetch(`${p.url}/v1/whoami`, { headers: { "x-arcrun-api-key": other.apiKey } });
    expect(whoami.status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const again = await fetch(url, { method: "POST", body, headers: { "x-arcrun-api-key": other.apiKey } });
      expect(again.status).toBe(401);
      const owner = await fetch(url, { method: "POST", body, headers: { "x-arcrun-api-key": p.apiKey } });
      expect(owner.status).toBe(200);
    }
  });

  it("none: open to anyone with the namespace URL; the trigger node sees method and headers but no key", async () => {
    const res = await fetch(`${p.url}/webhooks/named/${p.ns}/open-webhook/trigger`, {
      method: "POST",
      body: JSON.stringify({ a: 1 }),
      headers: { "content-type": "application/json", "user-agent": "tester/1" },
    });
    expect(res.status).toBe(200);
    const r = (await res.json()) as { output: { got: unknown; method: string; agent: string } };
    expect(r.output).toEqual({ got: { a: 1 }, method: "POST", agent: "tester/1" });
  });

  it("a caller without the owner's key gets the output, not every step's data; a failure says only where", async () => {
    // Third parties (forms, Stripe, GitHub) log webhook answers: what the steps saw stays in the record.
    const yaml =
      "name: open_steps\ntrigger:\n  webhook: { auth: none }\nflow:\n  - input >> ON_SUCCESS >> lookup\n" +
      "  - lookup >> ON_SUCCESS >> calc\nconfig:\n  lookup: { component: set, values: { internal: 'staff-only-42' } }\n" +
      "  calc: { component: number_ops, op: div, a: 1, b: '{{ input.b }}' }\n";
    const put = await p.call("PUT", "/v1/workflows/open_steps", yaml, { "content-type": "application/yaml" });
    expect(put.status).toBe(201);
    const url = `${p.url}/webhooks/named/${p.ns}/open_steps/trigger`;
    const post = (b: number) =>
      fetch(url, { method: "POST", body: JSON.stringify({ b }), headers: { "content-type": "application/json" } });
    const ok = await post(4);
    const okText = await ok.text();
    expect(ok.status).toBe(200);
    expect(JSON.parse(okText)).toMatchObject({ status: "succeeded", output: { result: 0.25 } });
    expect(JSON.parse(okText)).not.toHaveProperty("nodes");
    expect(okText).not.toContain("staff-only-42");

    const failed = await post(0);
    const failedBody = JSON.parse(await failed.text()) as { status: string; error: Record<string, unknown> };
    expect(failedBody.status).toBe("failed");
    expect(failedBody).not.toHaveProperty("nodes");
    expect(failedBody.error).toEqual({
      code: expect.any(String),
      node: "calc",
      message: "the workflow failed: see the execution record",
    });
    // The owner, with the key, gets the whole execution.
    const owned = await p.call("POST", "/webhooks/named/open_steps/trigger", { b: 4 });
    expect(JSON.stringify(await owned.json())).toContain("staff-only-42");
  });

  it("an unknown namespace or workflow answers an anonymous caller as an api_key webhook does (reveals nothing)", async () => {
    const a = await fetch(`${p.url}/webhooks/named/zzzzzzzzzz/open-webhook/trigger`, { method: "POST" });
    const b = await fetch(`${p.url}/webhooks/named/${p.ns}/nope/trigger`, { method: "POST" });
    expect(a.status).toBe(401);
    expect(b.status).toBe(401);
    expect(((await a.json()) as { error: { code: string } }).error.code).toBe("UNAUTHORIZED");
  });

  it("hmac: verifies X-Arcrun-Signature over the raw body with the secret credential", async () => {
    const secret = "s3cr3t-hook-key";
    const env = await encryptCredential(p.encryptionKey, "hook_secret", secret);
    expect((await p.call("PUT", "/v1/credentials/hook_secret", env)).status).toBeLessThan(300);
    expect(
      (await p.call("PUT", "/v1/workflows/signed", signedYaml, { "content-type": "application/yaml" })).status,
    ).toBe(201);
    const url = `${p.url}/webhooks/named/${p.ns}/signed/trigger`;
    // Spacing kept on purpose: the signature covers the bytes as sent, not a re-serialised JSON.
    const body = '{ "event":  "push" }';
    const sig = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
    const ok = await fetch(url, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", "x-arcrun-signature": sig },
    });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { output: unknown }).output).toEqual({ got: "push" });

    const missing = await fetch(url, { method: "POST", body, headers: { "content-type": "application/json" } });
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("SIGNATURE_REQUIRED");
    const bad = await fetch(url, {
      method: "POST",
      body: '{"event":"forged"}',
      headers: { "content-type": "application/json", "x-arcrun-signature": sig },
    });
    expect(bad.status).toBe(401);
    const text = await bad.text();
    expect(text).toContain("SIGNATURE_MISMATCH");
    expect(text).not.toContain(secret);
  });

  it("?async=1 answers 202 with an execution id that can be read back", async () => {
    const res = await fetch(`${p.url}/webhooks/named/${p.ns}/open-webhook/trigger?async=1`, {
      method: "POST",
      body: "{}",
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(202);
    const { execution_id } = (await res.json()) as { execution_id: string };
    let status = "";
    // The final record follows the running one no sooner than KV's one write per second per key.
    for (let i = 0; i < 100 && status !== "succeeded"; i++) {
      const rec = await p.call("GET", `/v1/executions/${execution_id}`);
      if (rec.status === 200) status = ((await rec.json()) as { status: string }).status;
      if (status !== "succeeded") await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe("succeeded");
  });

  it("answers a finished run with its headers, and refuses an ?async value the schema does not allow", async () => {
    const url = `${p.url}/webhooks/named/${p.ns}/open-webhook/trigger`;
    const ok = await fetch(url, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toMatch(/^application\/json/);
    const body = (await ok.json()) as { execution_id: string; kv_writes: number };
    expect(ok.headers.get("x-arcrun-execution-id")).toBe(body.execution_id);
    expect(ok.headers.get("x-arcrun-kv-writes")).toBe(String(body.kv_writes));
    const bad = await fetch(`${url}?async=maybe`, { method: "POST", body: "{}" });
    expect(bad.status).toBe(400);
    const err = (await bad.json()) as { error: { code: string; issues: Array<{ path: string }> } };
    expect(err.error.code).toBe("VALIDATION_FAILED");
    expect(err.error.issues.map((i) => i.path)).toEqual(["async"]);
  });

  it("POST /webhooks/named/{name}/trigger uses the caller's key", async () => {
    const res = await p.call("POST", "/webhooks/named/hello/trigger", { name: "Key" });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { output: unknown }).output).toEqual({ greeting: "Hello Key", at: "hello" });
    expect((await fetch(`${p.url}/webhooks/named/hello/trigger`, { method: "POST" })).status).toBe(401);
  });
});

describe("synchronous queries answer the output itself", () => {
  it("POST and GET /webhooks/named/{name}/query", async () => {
    const post = await p.call("POST", "/webhooks/named/hello/query", { name: "Q" });
    expect(await post.json()).toEqual({ greeting: "Hello Q", at: "hello" });
    const get = await p.call("GET", "/webhooks/named/hello/query?name=G");
    expect(await get.json()).toEqual({ greeting: "Hello G", at: "hello" });
  });

  it("GET /q/{ns}/{name} with the query string as input, auth as the trigger says", async () => {
    const open = await fetch(`${p.url}/q/${p.ns}/open-webhook?x=1`);
    expect(open.status).toBe(200);
    expect(((await open.json()) as { got: unknown }).got).toEqual({ x: "1" });
    expect((await fetch(`${p.url}/q/${p.ns}/hello?name=Z`)).status).toBe(401);
    const keyed = await fetch(`${p.url}/q/${p.ns}/hello?name=Z`, { headers: { authorization: `Bearer ${p.apiKey}` } });
    expect(await keyed.json()).toEqual({ greeting: "Hello Z", at: "hello" });
  });

  it("a failed query is a 422 naming the execution and the node", async () => {
    const yaml =
      "name: qfail\nflow:\n  - input >> ON_SUCCESS >> big\nconfig:\n" +
      "  big: { component: set, values: { t: 'longer than eight bytes' }, limits: { max_output_bytes: 8 } }\n";
    await p.call("PUT", "/v1/workflows/qfail", yaml, { "content-type": "application/yaml" });
    const res = await p.call("POST", "/webhooks/named/qfail/query", {});
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: { code: string; node: string; execution_id: string } };
    expect(body.error).toMatchObject({ code: "EXECUTION_FAILED", node: "big" });
    expect(body.error.execution_id).toMatch(/^ex\d{13}[0-9a-f]{8}$/);
  });
});

describe("named webhook registry", () => {
  it("registers from YAML and from JSON, lists, shows the definition and deletes", async () => {
    const yaml = example("hello").replace("name: hello", "name: reg_yaml");
    const a = await p.call("POST", "/webhooks/named", yaml, { "content-type": "application/yaml" });
    expect(a.status).toBe(201);
    expect(await a.json()).toMatchObject({ success: true, name: "reg_yaml", version: 1 });
    const b = await p.call("POST", "/webhooks/named", { name: "reg_json", yaml: yaml.replace("reg_yaml", "reg_json") });
    expect(b.status).toBe(201);
    const doc = {
      name: "reg_doc",
      flow: ["input >> ON_SUCCESS >> output"],
      config: { output: { component: "set", values: { ok: true } } },
    };
    const c = await p.call("POST", "/webhooks/named", doc);
    expect(c.status).toBe(201);
    const run = await p.call("POST", "/webhooks/named/reg_doc/query", {});
    expect(await run.json()).toEqual({ ok: true });

    const list = (await (await p.call("GET", "/webhooks/named")).json()) as { workflows: { name: string }[] };
    expect(list.workflows.map((w) => w.name)).toEqual(expect.arrayContaining(["reg_yaml", "reg_json", "reg_doc"]));
    const def = (await (await p.call("GET", "/webhooks/named/reg_yaml/definition")).json()) as { yaml: string };
    expect(def.yaml).toBe(yaml);
    expect((await p.call("DELETE", "/webhooks/named/reg_yaml")).status).toBe(200);
    expect((await p.call("GET", "/webhooks/named/reg_yaml/definition")).status).toBe(404);
    expect((await fetch(`${p.url}/webhooks/named`)).status).toBe(401);
  });

  it("accepts the original arcrun's { name, graph: { nodes, edges } } registration", async () => {
    const res = await p.call("POST", "/webhooks/named", {
      name: "reg_graph",
      description: "from a deploy script",
      graph: {
        nodes: [
          { id: "input", role: "trigger" },
          { id: "check", componentId: "set", data: { values: { total: "{{ input.total }}" } } },
          { id: "big", componentId: "set", data: { values: { size: "big" } } },
          { id: "small", componentId: "set", data: { values: { size: "small" } } },
        ],
        edges: [
          { from: "input", to: "check", kind: "ON_SUCCESS" },
          { from: "check", to: "big", kind: "IF", condition: "check.total > 10" },
          { from: "check", to: "small", kind: "ELSE" },
        ],
      },
    });
    expect(res.status).toBe(201);
    const out = await p.call("POST", "/webhooks/named/reg_graph/query", { total: 50 });
    expect(await out.json()).toEqual({ size: "big" });
  });

  it("a registration without a name is a 400 naming the field", async () => {
    const res = await p.call("POST", "/webhooks/named", "flow: []\n", { "content-type": "application/yaml" });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; issues: { path: string }[] } };
    expect(body.error.issues[0]?.path).toBe("name");
  });
});

describe("OpenAPI", () => {
  it("documents every engine route", async () => {
    const doc = (await (await fetch(`${p.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/v1/workflows",
        "/v1/workflows/{name}",
        "/v1/workflows/{name}/versions",
        "/v1/workflows/{name}/runs",
        "/v1/executions",
        "/v1/executions/{id}",
        "/v1/executions/{id}/resume",
        "/webhooks/named",
        "/webhooks/named/{ns}/{name}/trigger",
        "/webhooks/named/{name}/trigger",
        "/webhooks/named/{name}/query",
        "/webhooks/named/{name}/definition",
        "/webhooks/named/{name}",
        "/q/{ns}/{name}",
      ]),
    );
  });
});
