import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encryptCredential } from "../../js-sdk/src/index";
import { exposureConsent, startTestPlatform, type TestPlatform } from "./support/platform";

// A credential used by a workflow reaches the outside service, and nowhere else: not the execution
// record, not the run answer, not any KV value the engine writes.
const SECRET = "tok_live_7f3a9c1e5b2d4086";

let p: TestPlatform;
let server: Server;
let seen = "";
let base = "";
beforeAll(async () => {
  server = createServer((req, res) => {
    seen = String(req.headers.authorization ?? "");
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ ok: true }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  p = await startTestPlatform({ allowHosts: [new URL(base).host] });
});
afterAll(async () => {
  await p?.dispose();
  server?.close();
});

describe("credentials in executions", () => {
  it("stay placeholders in records and KV while the service receives the real value", async () => {
    const env = await encryptCredential(p.encryptionKey, "svc", SECRET);
    expect((await p.call("PUT", "/v1/credentials/svc", env)).status).toBeLessThan(300);
    const yaml =
      "name: uses_secret\nflow:\n  - input >> ON_SUCCESS >> call\n  - call >> ON_SUCCESS >> output\nconfig:\n" +
      `  call: { component: http_request, url: '${base}/x', headers: { authorization: 'Bearer {{ credential.svc }}' } }\n` +
      "  output: { component: set, values: { status: '{{ call.status }}' } }\n";
    const put = await p.call("PUT", "/v1/workflows/uses_secret", yaml, {
      "content-type": "application/yaml",
      ...exposureConsent(),
    });
    expect(put.status).toBe(201);

    const res = await p.call("POST", "/v1/workflows/uses_secret/runs", {});
    const text = await res.text();
    const run = JSON.parse(text) as { execution_id: string; status: string; output: unknown };
    expect(run.status).toBe("succeeded");
    expect(run.output).toEqual({ status: 200 });
    expect(seen).toBe(`Bearer ${SECRET}`);
    expect(text).not.toContain(SECRET);
    expect(text).toMatch(/\{\{\s*credential\.svc\s*\}\}/);

    let record = "";
    for (let i = 0; i < 50 && !record; i++) {
      const r = await p.call("GET", `/v1/executions/${run.execution_id}`);
      if (r.status === 200) record = await r.text();
      else await new Promise((x) => setTimeout(x, 50));
    }
    expect(record).toMatch(/\{\{\s*credential\.svc\s*\}\}/);
    expect(record).not.toContain(SECRET);

    for (const ns of ["ANALYTICS_KV", "EXEC_CONTEXT", "WEBHOOKS"]) {
      const kv = await p.platform.mf.getKVNamespace(ns);
      const { keys } = await kv.list();
      for (const k of keys) expect((await kv.get(k.name)) ?? "").not.toContain(SECRET);
    }
  });
});
