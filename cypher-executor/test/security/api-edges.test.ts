import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "../support/platform";

// The smaller breaks of the attack run: each answered 500, leaked, or told an anonymous caller too much.
let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(() => p?.dispose());

const deploy = (name: string, yaml: string) =>
  p.call("PUT", `/v1/workflows/${name}`, yaml, { "content-type": "application/yaml" });
const simple = (name: string, extra = "") =>
  `name: ${name}\n${extra}flow:\n  - input >> ON_SUCCESS >> output\nconfig:\n  output: { component: set, values: { h: "{{ trigger.headers }}" } }\n`;

describe("API edges", () => {
  it("a self-referencing YAML anchor is a clear 400 naming the cycle, not a 500", async () => {
    const res = await deploy(
      "anchor",
      "name: anchor\nflow:\n  - input >> ON_SUCCESS >> output\nconfig:\n  output: { component: set, values: { a: &a [*a] } }\n",
    );
    const text = await res.text();
    expect(res.status, text).toBe(400);
    expect(text).toMatch(/refers to itself|cycle/);
  });

  it("a workflow larger than 512 KiB is refused with 413 naming the limit; nothing is stored", async () => {
    const res = await deploy("huge", simple("huge", `description: "${"x".repeat(600 * 1024)}"\n`));
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(res.status).toBe(413);
    expect(body.error).toMatchObject({ code: "WORKFLOW_TOO_LARGE" });
    expect(body.error.message).toContain("524288");
    expect((await p.call("GET", "/v1/workflows/huge")).status).toBe(404);
  });

  it("?cursor=!!! is a 400 on list routes", async () => {
    const res = await p.call("GET", "/v1/executions?cursor=!!!");
    expect(res.status).toBe(400);
    for (const path of ["/v1/workflows", "/v1/credentials", "/v1/recipes", "/webhooks/named"]) {
      expect((await p.call("GET", `${path}?cursor=!!!`)).status).toBeLessThan(500);
    }
  });

  it("platform credentials never reach trigger.headers", async () => {
    expect((await deploy("hdrs", simple("hdrs"))).status).toBe(201);
    const res = await p.call(
      "POST",
      "/v1/workflows/hdrs/runs",
      {},
      {
        "x-arcrun-admin-token": "ADMINTOKEN",
        "x-api-key": "XAPIKEY",
        "proxy-authorization": "Basic PROXY",
        cookie: "s=COOKIE",
        "x-visible": "yes",
      },
    );
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(text).toContain("x-visible");
    for (const s of ["ADMINTOKEN", "XAPIKEY", "PROXY", "COOKIE", p.apiKey]) expect(text).not.toContain(s);
  });

  it("anonymous callers get the same answer for a missing and an existing api_key webhook", async () => {
    expect((await deploy("exists", simple("exists"))).status).toBe(201);
    const a = await fetch(`${p.url}/webhooks/named/${p.ns}/exists/trigger`, { method: "POST" });
    const b = await fetch(`${p.url}/webhooks/named/${p.ns}/missing/trigger`, { method: "POST" });
    const c = await fetch(`${p.url}/webhooks/named/ns_nobody/missing/trigger`, { method: "POST" });
    const [ta, tb, tc] = [await a.text(), await b.text(), await c.text()];
    expect([a.status, b.status, c.status]).toEqual([401, 401, 401]);
    expect(tb).toBe(ta);
    expect(tc).toBe(ta);
    // The owner still learns that it is missing.
    const own = await fetch(`${p.url}/webhooks/named/${p.ns}/missing/trigger`, {
      method: "POST",
      headers: { authorization: `Bearer ${p.apiKey}` },
    });
    expect(own.status).toBe(404);
  });

  it("a signed webhook whose secret credential is missing answers an anonymous caller without naming it", async () => {
    const yaml = simple("signed").replace(
      "flow:",
      "trigger:\n  webhook: { auth: hmac, secret: whsec_missing_cred }\nflow:",
    );
    expect((await deploy("signed", yaml)).status).toBe(201);
    const body = "{}";
    const sig = `sha256=${createHmac("sha256", "x").update(body).digest("hex")}`;
    const res = await fetch(`${p.url}/webhooks/named/${p.ns}/signed/trigger`, {
      method: "POST",
      body,
      headers: { "x-arcrun-signature": sig, "content-type": "application/json" },
    });
    const text = await res.text();
    expect(res.status).toBe(500);
    expect(text).not.toContain("whsec_missing_cred");
    expect(text).toContain("WEBHOOK_MISCONFIGURED");
  });
});
