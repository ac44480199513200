// http_request failures against real loopback services, through the real engine on workerd: which
// ones the step's `retry:` repeats (5xx, 429 after Retry-After) and which end it at once (404, SSRF).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { retryDecision } from "../src/engine/retry/index";
import { exposureConsent, startTestPlatform, type TestPlatform } from "./support/platform";

interface Run {
  status: string;
  output: unknown;
  nodes: Record<string, { status: string; attempts: number; data?: unknown; error?: Record<string, unknown> }>;
}

let p: TestPlatform;
let server: Server;
let origin: string;
const hits: Record<string, number[]> = {};

beforeAll(async () => {
  p = await startTestPlatform({ allowHosts: ["127.0.0.1"] });
  server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    const seen = hits[path] ?? [];
    hits[path] = seen;
    seen.push(performance.now());
    if (path === "/boom") {
      res.writeHead(500, { "content-type": "text/plain", "x-trace": "t1" });
      res.end("server on fire");
    } else if (path === "/busy" && seen.length === 1) {
      res.writeHead(429, { "retry-after": "1" });
      res.end("slow down");
    } else if (path === "/busy") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"done":true}');
    } else {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("no such thing");
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.close();
  await p?.dispose();
});

const consent = () =>
  JSON.stringify({ confirmed_by_human: true, understood: true, confirmed_at: new Date().toISOString() });

async function runFlow(name: string, url: string): Promise<Run> {
  const yaml = `name: ${name}
flow:
  - input >> ON_SUCCESS >> call
  - call >> ON_FAIL >> handle
config:
  call:
    component: http_request
    method: GET
    url: "${url}"
    retry: { max: 2, delay: 20ms }
  handle:
    component: set
    values:
      code: "{{ call.error.code }}"
      status: "{{ call.error.details.status }}"
      body: "{{ call.error.details.body }}"
`;
  const put = await p.call("PUT", `/v1/workflows/${name}`, yaml, {
    "content-type": "application/yaml",
    "x-arcrun-exposure-consent": consent(),
  });
  expect(put.status, await put.clone().text()).toBeLessThan(300);
  const res = await p.call("POST", `/v1/workflows/${name}/runs`, {});
  expect(res.status).toBe(200);
  return (await res.json()) as Run;
}

describe("http_request failures and retries", () => {
  it("a 500 fails the node, is retried as configured, then ON_FAIL reads the response", async () => {
    const r = await runFlow("boom", `${origin}/boom`);
    expect(hits["/boom"]).toHaveLength(3);
    expect(r.nodes.call).toMatchObject({ status: "failed", attempts: 3 });
    expect(r.nodes.call?.error).toMatchObject({
      code: "HTTP_STATUS",
      details: { status: 500, body: "server on fire" },
    });
    expect(r.nodes.handle?.data).toEqual({ code: "HTTP_STATUS", status: 500, body: "server on fire" });
  });

  it("a 404 is not retried", async () => {
    const r = await runFlow("missing", `${origin}/missing`);
    expect(hits["/missing"]).toHaveLength(1);
    expect(r.nodes.call).toMatchObject({ status: "failed", attempts: 1 });
    expect(r.nodes.handle?.data).toMatchObject({ code: "HTTP_STATUS", status: 404 });
  });

  it("a 429 with Retry-After: 1 is retried after about a second", async () => {
    const r = await runFlow("busy", `${origin}/busy`);
    expect(r.nodes.call).toMatchObject({ status: "succeeded", attempts: 2 });
    const [first, second] = hits["/busy"]!;
    expect(second! - first!).toBeGreaterThanOrEqual(950);
    expect(second! - first!).toBeLessThan(3000);
  });

  it("SSRF_BLOCKED is not retried", async () => {
    const r = await runFlow("blocked", "http://169.254.169.254/latest/meta-data");
    expect(r.nodes.call).toMatchObject({ status: "failed", attempts: 1 });
    expect(r.nodes.handle?.data).toMatchObject({ code: "SSRF_BLOCKED" });
  });

  it("fail_on_status: false keeps a 404 as data", async () => {
    const call = await p.call(
      "POST",
      "/v1/components/http_request/call",
      { input: { url: `${origin}/gone`, fail_on_status: false } },
      exposureConsent(),
    );
    const out = (await call.json()) as { status: string; data: unknown };
    expect(out.status).toBe("succeeded");
    expect(out.data).toMatchObject({ status: 404, ok: false, body: "no such thing" });
  });
});

describe("retryDecision (the classification table of docs/engine.md)", () => {
  const http = (status: number, headers: Record<string, string> = {}) => ({
    code: "HTTP_STATUS",
    message: "",
    details: { status, headers },
  });
  it.each([
    [http(500), true],
    [http(503), true],
    [http(408), true],
    [http(429), true],
    [http(404), false],
    [http(400), false],
    [http(401), false],
    [{ code: "SSRF_BLOCKED", message: "" }, false],
    [{ code: "HOST_NOT_ALLOWED", message: "" }, false],
    [{ code: "INVALID_URL", message: "" }, false],
    [{ code: "TIMEOUT", message: "" }, true],
    [{ code: "HTTP_UNREACHABLE", message: "" }, true],
  ])("%o retry=%s", (error, retry) => {
    expect(retryDecision(error).retry).toBe(retry);
  });
  it("honours Retry-After in seconds and as a date, and gives up past 60 s", () => {
    expect(retryDecision(http(429, { "retry-after": "2" }))).toEqual({ retry: true, delayMs: 2000 });
    const now = Date.parse("2026-12-05T10:00:00Z");
    expect(retryDecision(http(503, { "retry-after": "Sat, 05 Dec 2026 10:00:05 GMT" }), now)).toEqual({
      retry: true,
      delayMs: 5000,
    });
    expect(retryDecision(http(429, { "retry-after": "3600" }))).toEqual({ retry: false });
  });
});
