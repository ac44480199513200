// With Cloudflare's Rate Limiting binding (ARCRUN_WEBHOOK_LIMITER, simulated by Miniflare as workerd runs it),
// open webhooks without their own rate_limit are counted by the binding, not by the isolate's memory;
// a webhook's own rate_limit keeps its in-memory window. No KV write either way.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "./support/platform";

let p: TestPlatform;
const flow = (name: string, hook: string) => `name: ${name}
trigger:
  webhook: ${hook}
flow:
  - input >> ON_SUCCESS >> out
config:
  out: { component: set, values: { got: "{{ input }}" } }
`;

beforeAll(async () => {
  p = await startTestPlatform({ rateLimits: { ARCRUN_WEBHOOK_LIMITER: { simple: { limit: 3, period: 60 } } } });
  for (const [name, hook] of [
    ["open_default", "{ auth: none }"],
    ["open_own", "{ auth: none, rate_limit: 10/1m }"],
  ]) {
    const res = await p.call("PUT", `/v1/workflows/${name}`, flow(name as string, hook as string), {
      "content-type": "application/yaml",
    });
    expect(res.status, await res.clone().text()).toBe(201);
  }
});
afterAll(() => p?.dispose());

const post = (name: string) =>
  fetch(`${p.url}/webhooks/named/${p.ns}/${name}/trigger`, {
    method: "POST",
    body: "a=1",
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });

describe("the Rate Limiting binding", () => {
  it("counts open webhooks without a rate_limit (its limit, 429 + Retry-After)", async () => {
    const codes: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 6; i++) {
      last = await post("open_default");
      codes.push(last.status);
    }
    expect(codes).toEqual([200, 200, 200, 429, 429, 429]);
    const refused = last as Response;
    expect(refused.headers.get("retry-after")).toBe("60");
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("RATE_LIMITED");
  });

  it("leaves a webhook's own rate_limit to its in-memory window", async () => {
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) codes.push((await post("open_own")).status);
    expect(codes).toEqual([200, 200, 200, 200, 200, 200]);
  });
});

describe("platform-wide defaults from the environment (acr dev / acr serve pass them to the worker)", () => {
  let q: TestPlatform;
  beforeAll(async () => {
    process.env.ARCRUN_OPEN_WEBHOOK_RATE_LIMIT = "2/1m";
    process.env.ARCRUN_TENANT_WEBHOOK_RATE_LIMIT = "5/1m";
    try {
      q = await startTestPlatform();
    } finally {
      delete process.env.ARCRUN_OPEN_WEBHOOK_RATE_LIMIT;
      delete process.env.ARCRUN_TENANT_WEBHOOK_RATE_LIMIT;
    }
    for (const [name, hook] of [
      ["open", "{ auth: none }"],
      ["keyed", "{ auth: api_key }"],
    ] as const) {
      const res = await q.call("PUT", `/v1/workflows/${name}`, flow(name, hook), {
        "content-type": "application/yaml",
      });
      expect(res.status, await res.clone().text()).toBe(201);
    }
  });
  afterAll(() => q?.dispose());

  it("ARCRUN_OPEN_WEBHOOK_RATE_LIMIT sets the open default; ARCRUN_TENANT_WEBHOOK_RATE_LIMIT caps the tenant", async () => {
    const send = (name: string, key?: string) =>
      fetch(`${q.url}/webhooks/named/${q.ns}/${name}/trigger`, {
        method: "POST",
        body: "{}",
        headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
      });
    const open: number[] = [];
    for (let i = 0; i < 3; i++) open.push((await send("open")).status);
    expect(open).toEqual([200, 200, 429]);
    // The tenant took 2 (the 429 was not counted): 3 more of any webhook, then 429.
    const keyed: number[] = [];
    for (let i = 0; i < 4; i++) keyed.push((await send("keyed", q.apiKey)).status);
    expect(keyed).toEqual([200, 200, 200, 429]);
  });
});
