import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "../../cypher-executor/test/support/platform";
import {
  ArcrunClient,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  NotFoundError,
  PermissionDeniedError,
  parseRetryAfter,
  RateLimitError,
  ServerError,
  UnprocessableError,
  webhooks,
} from "../src/index";

// Every SDK method against the real platform on workerd (Miniflare), over HTTP on 127.0.0.1.
let p: TestPlatform;
let arc: ArcrunClient;
beforeAll(async () => {
  p = await startTestPlatform();
  arc = new ArcrunClient({ url: p.url, apiKey: p.apiKey, encryptionKey: p.encryptionKey });
});
afterAll(() => p?.dispose());

const hello = ["name: hello", "flow:", '  - "input >> ON_SUCCESS >> greet"', "config:"].join("\n");
const helloYaml = `${hello}\n  greet: { component: set, values: { message: "Hello {{ input.name }}" } }\n`;
const pauseYaml =
  "name: pause\nflow:\n  - \"input >> ON_SUCCESS >> hold\"\nconfig:\n  hold: { component: wait, duration: '1h' }\n";

describe("workflows, runs, executions", () => {
  it("deploys, lists, gets, versions, validates, compiles and deletes", async () => {
    expect(await arc.workflows.deploy("hello", helloYaml)).toMatchObject({ name: "hello", version: 1 });
    expect((await arc.workflows.deploy("hello", helloYaml.replace("Hello", "Hi"))).version).toBe(2);
    expect((await arc.workflows.list()).map((w) => w.name)).toContain("hello");
    expect((await arc.workflows.get("hello", { version: 1 })).source).toContain("Hello");
    expect((await arc.workflows.versions("hello")).map((v) => v.version)).toEqual([1, 2]);
    expect(await arc.workflows.validate(helloYaml)).toMatchObject({ valid: true });
    const graph = await arc.workflows.compile({ mode: "compile", triplets: ["input >> ON_SUCCESS >> greet"] });
    expect(JSON.stringify(graph)).toContain("greet");
    await arc.workflows.deploy("gone", helloYaml.replace("name: hello", "name: gone"));
    expect(await arc.workflows.delete("gone")).toMatchObject({ deleted: true, name: "gone" });
    await expect(arc.workflows.get("gone")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("a repeated idempotencyKey answers the first execution (runs and triggers) instead of running again", async () => {
    const first = await arc.runs.create("hello", { name: "Once" }, { idempotencyKey: "sdk-run-1" });
    const again = await arc.runs.create("hello", { name: "Twice" }, { idempotencyKey: "sdk-run-1" });
    expect(again).toMatchObject({ execution_id: first.execution_id, idempotent_replay: true, output: first.output });
    await arc.webhooks.register(helloYaml.replace("name: hello", "name: once"));
    const hook = await arc.webhooks.trigger("once", { name: "H" }, { idempotencyKey: "sdk-hook-1" });
    const hookAgain = await arc.webhooks.trigger("once", { name: "H2" }, { idempotencyKey: "sdk-hook-1" });
    expect(hookAgain.execution_id).toBe(hook.execution_id);
    const bad = await arc.runs.create("hello", {}, { idempotencyKey: "no spaces" }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ status: 400, code: "INVALID_IDEMPOTENCY_KEY" });
  });

  it("runs wait for the result, or answer at once with wait: false; executions list, iterate and get", async () => {
    const run = await arc.runs.create("hello", { name: "Ada" });
    expect(run).toMatchObject({ status: "succeeded", output: { message: "Hi Ada" } });
    const started = await arc.runs.create("hello", { name: "Bo" }, { wait: false });
    expect(started).toMatchObject({ status: "running" });
    for (let i = 0; i < 3; i++) await arc.runs.create("hello", { name: `n${i}` });
    const page = await arc.executions.list({ workflow: "hello", limit: 2 });
    expect(page.executions).toHaveLength(2);
    expect(page.cursor).toBeTruthy();
    const all: string[] = [];
    for await (const ex of arc.executions.iterate({ workflow: "hello", limit: 2 })) all.push(ex.id);
    expect(all.length).toBeGreaterThanOrEqual(4);
    expect(new Set(all).size).toBe(all.length);
    expect(all).toContain(run.execution_id);
    expect((await arc.executions.get(run.execution_id)).status).toBe("succeeded");
  });

  it("resumes a waiting execution; resuming a finished one is a ConflictError", async () => {
    await arc.workflows.deploy("pause", pauseYaml);
    const r = await arc.runs.create("pause", {});
    expect(r.status).toBe("waiting");
    const task = (r.nodes?.hold as { pending?: { task_id: string } } | undefined)?.pending?.task_id;
    const done = await arc.executions.resume(r.execution_id, { task_id: task, result: { ok: 1 } });
    expect(done).toMatchObject({ status: "succeeded" });
    const first = await arc.runs.create("hello", { name: "x" });
    const err = await arc.executions.resume(first.execution_id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect(err).toMatchObject({ status: 409 });
  });

  it("re-runs an execution: a new one with the same input, linked to the first", async () => {
    const first = await arc.runs.create("hello", { name: "Re" });
    const again = await arc.executions.rerun(first.execution_id, { from: "start" });
    expect(again).toMatchObject({ status: "succeeded", output: first.output });
    expect(again.execution_id).not.toBe(first.execution_id);
    const rec = (await arc.executions.get(again.execution_id)) as { rerun_of?: { execution_id: string } };
    expect(rec.rerun_of?.execution_id).toBe(first.execution_id);
  });
});

describe("catalog", () => {
  it("components list, get and call", async () => {
    expect(JSON.stringify(await arc.components.list())).toContain('"set"');
    expect(await arc.components.get("set")).toMatchObject({ name: "set" });
    const out = await arc.components.call("set", { values: { a: 1 } });
    expect(JSON.stringify(out)).toContain('"a":1');
    await expect(arc.components.get("no_such")).rejects.toMatchObject({ code: expect.any(String), status: 404 });
  });

  it("a component that sends data out is called only with the exposure consent", async () => {
    // A host of its own per run: a consent is stored per key, component and destinations.
    const input = { method: "GET", url: `https://c${Date.now()}.example.invalid/x` };
    await expect(arc.components.call("http_request", input)).rejects.toMatchObject({
      status: 403,
      code: "EXPOSURE_CONSENT_REQUIRED",
    });
    const exposureConsent = { confirmed_by_human: true, understood: true, confirmed_at: new Date().toISOString() };
    // With the consent the call runs (the host does not resolve, so the component itself reports a failure).
    const ran = await arc.components.call("http_request", input, { exposureConsent }).catch((e) => e);
    expect((ran as { code?: string }).code).not.toBe("EXPOSURE_CONSENT_REQUIRED");
    expect(JSON.stringify(ran)).not.toContain("EXPOSURE_CONSENT_REQUIRED");
  });

  it("recipes seed, list, get, review; auth recipes list and get", async () => {
    expect(await arc.recipes.seed()).toBeTruthy();
    const list = JSON.stringify(await arc.recipes.list("slack"));
    expect(list).toContain("slack");
    expect(JSON.stringify(await arc.recipes.get("slack_post"))).toContain("slack_post");
    const review = await arc.recipes.review((await arc.recipes.get("slack_post")) as Record<string, unknown>);
    expect(review).toBeTruthy();
    const auth = JSON.stringify(await arc.authRecipes.list());
    const service = /"service":"([a-z_]+)"/.exec(auth)?.[1] ?? "slack";
    expect(JSON.stringify(await arc.authRecipes.get(service))).toContain(service);
  });

  it("keys: create (admin), whoami; a user key may not create keys (PermissionDeniedError)", async () => {
    const made = await arc.keys.create({ role: "user", label: "sdk" });
    const user = new ArcrunClient({ url: p.url, apiKey: made.api_key });
    expect(await user.whoami()).toMatchObject({ ns: made.tenant.ns, role: "user" });
    await expect(user.keys.create({ role: "user" })).rejects.toBeInstanceOf(PermissionDeniedError);
    expect(await arc.health()).toMatchObject({ ok: true });
  });

  it("credentials set, list, get, key, delete", async () => {
    await arc.credentials.set("sdk_secret", "s3cr3t");
    expect((await arc.credentials.list()).map((c) => c.name)).toContain("sdk_secret");
    expect((await arc.credentials.get("sdk_secret")).kid).toBe((await arc.credentials.key()).kid);
    await arc.credentials.delete("sdk_secret");
    await expect(arc.credentials.get("sdk_secret")).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("webhooks", () => {
  it("register, list, definition, trigger (owner, signed by namespace), query, delete", async () => {
    const secret = "whsec_sdk";
    await arc.credentials.set("hook_secret", secret);
    const signed = `${helloYaml.replace("name: hello", "name: signed")}trigger:\n  webhook: { auth: hmac, secret: hook_secret }\n`;
    expect(await arc.webhooks.register(signed)).toMatchObject({ name: "signed" });
    expect(JSON.stringify(await arc.webhooks.list())).toContain("signed");
    expect(JSON.stringify(await arc.webhooks.definition("signed"))).toContain("hmac");
    expect(await arc.webhooks.trigger("signed", { name: "Own" })).toMatchObject({ status: "succeeded" });
    const open = new ArcrunClient({ url: p.url, apiKey: "" });
    expect(await open.webhooks.trigger("signed", { name: "Sig" }, { ns: p.ns, secret })).toMatchObject({
      status: "succeeded",
    });
    await expect(open.webhooks.trigger("signed", { name: "x" }, { ns: p.ns, secret: "wrong" })).rejects.toBeInstanceOf(
      AuthenticationError,
    );
    await arc.webhooks.register(helloYaml);
    expect(await arc.webhooks.query("hello", { name: "Q" })).toMatchObject({ message: "Hello Q" });
    expect(await arc.webhooks.query("hello", { name: "G" }, { method: "GET" })).toMatchObject({ message: "Hello G" });
    expect(await arc.webhooks.delete("signed")).toBeTruthy();
  });

  it("webhooks.sign is sha256=<hex HMAC-SHA256>", async () => {
    const { createHmac } = await import("node:crypto");
    expect(await webhooks.sign("k", "body")).toBe(`sha256=${createHmac("sha256", "k").update("body").digest("hex")}`);
  });
});

describe("errors and retries", () => {
  it("a malformed request is a BadRequestError with the API's code", async () => {
    const err = await arc.executions.list({ limit: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err).toMatchObject({ status: 400, code: "VALIDATION_FAILED" });
  });

  it("an unknown key is an AuthenticationError UNAUTHORIZED", async () => {
    const err = await new ArcrunClient({ url: p.url, apiKey: "acr_nope" }).whoami().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err).toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("429 is retried on idempotent calls after Retry-After; POST is not; 5xx is a ServerError", async () => {
    const answers: number[] = [];
    const s = await standIn((n, method) => {
      answers.push(n);
      if (method === "GET" && n === 1) return { status: 429, headers: { "retry-after": "1" }, body: rateLimited };
      if (method === "GET") return { status: 200, body: { ns: "x", role: "user" } };
      return { status: 503, body: { error: { code: "UNAVAILABLE", message: "down" } } };
    });
    const c = new ArcrunClient({ url: s.url, apiKey: "k" });
    const t0 = Date.now();
    expect(await c.whoami()).toMatchObject({ ns: "x" });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    const post = await c.runs.create("w", {}).catch((e: unknown) => e);
    expect(post).toBeInstanceOf(ServerError);
    expect(answers).toEqual([1, 2, 3]);
    await s.close();
  });

  it("429 without retries is a RateLimitError carrying retryAfterMs", async () => {
    const s = await standIn(() => ({ status: 429, headers: { "retry-after": "7" }, body: rateLimited }));
    const err = await new ArcrunClient({ url: s.url, apiKey: "k", maxRetries: 0 }).whoami().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err).toMatchObject({ code: "RATE_LIMITED", retryAfterMs: 7000 });
    await s.close();
  });

  it("a 422 is an UnprocessableError", async () => {
    const s = await standIn(() => ({ status: 422, body: { error: { code: "WORKFLOW_FAILED", message: "x" } } }));
    const err = await new ArcrunClient({ url: s.url, apiKey: "k" }).webhooks.query("w").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnprocessableError);
    await s.close();
  });

  it("no answer in time is a ConnectionError TIMEOUT; a signal aborts the call", async () => {
    const s = await standIn(() => "hang");
    const c = new ArcrunClient({ url: s.url, apiKey: "k", maxRetries: 0 });
    const err = await c.whoami({ timeoutMs: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err).toMatchObject({ code: "TIMEOUT" });
    const ctrl = new AbortController();
    setTimeout(() => ctrl.abort(new Error("stop")), 100);
    await expect(c.whoami({ signal: ctrl.signal })).rejects.toThrow("stop");
    await s.close();
  });
});

describe("retry rules", () => {
  it("a 5xx on an idempotent call is retried with backoff until maxRetries, then a ServerError", async () => {
    const s = await standIn((n) =>
      n < 3
        ? { status: 502, body: { error: { code: "BAD_GATEWAY", message: "x" } } }
        : { status: 200, body: { ok: 1 } },
    );
    const c = new ArcrunClient({ url: s.url, apiKey: "k" });
    expect(await c.request("GET", "/v1/whoami", undefined, { maxRetries: 2 })).toEqual({ ok: 1 });
    expect(s.seen.map((r) => r.method)).toEqual(["GET", "GET", "GET"]);
    await s.close();
    const down = await standIn(() => ({ status: 500, body: { error: { code: "INTERNAL", message: "x" } } }));
    const err = await new ArcrunClient({ url: down.url, apiKey: "k", maxRetries: 1 }).health().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect(down.seen).toHaveLength(2);
    await down.close();
  });

  it("runs and triggers are retried only with an idempotencyKey, sent as Idempotency-Key on every attempt", async () => {
    const s = await standIn(() => ({ status: 503, body: { error: { code: "UNAVAILABLE", message: "x" } } }));
    const c = new ArcrunClient({ url: s.url, apiKey: "k", maxRetries: 1 });
    await expect(c.runs.create("w", {})).rejects.toBeInstanceOf(ServerError);
    await expect(c.webhooks.trigger("w", {})).rejects.toBeInstanceOf(ServerError);
    expect(s.seen).toHaveLength(2);
    await expect(c.runs.create("w", {}, { idempotencyKey: "run-1" })).rejects.toBeInstanceOf(ServerError);
    await expect(c.webhooks.trigger("w", {}, { idempotencyKey: "hook-1" })).rejects.toBeInstanceOf(ServerError);
    expect(s.seen.slice(2).map((r) => r.headers["idempotency-key"])).toEqual(["run-1", "run-1", "hook-1", "hook-1"]);
    await s.close();
  });

  it("Retry-After as an HTTP date is honoured; one longer than maxRetryDelayMs fails at once", async () => {
    expect(parseRetryAfter(new Date(Date.now() + 3000).toUTCString())).toBeGreaterThan(1000);
    expect(parseRetryAfter("2")).toBe(2000);
    expect(parseRetryAfter("soon")).toBeUndefined();
    const s = await standIn(() => ({ status: 429, headers: { "retry-after": "120" }, body: rateLimited }));
    const t0 = Date.now();
    const err = await new ArcrunClient({ url: s.url, apiKey: "k", maxRetryDelayMs: 5000 })
      .whoami()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "RATE_LIMITED", retryAfterMs: 120_000 });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(s.seen).toHaveLength(1);
    await s.close();
  });

  it("aborting during the wait between retries stops at once", async () => {
    const s = await standIn(() => ({ status: 429, headers: { "retry-after": "10" }, body: rateLimited }));
    const ctrl = new AbortController();
    setTimeout(() => ctrl.abort(new Error("cancelled")), 200);
    const t0 = Date.now();
    await expect(new ArcrunClient({ url: s.url, apiKey: "k" }).whoami({ signal: ctrl.signal })).rejects.toThrow(
      "cancelled",
    );
    expect(Date.now() - t0).toBeLessThan(2000);
    await s.close();
  });
});

const rateLimited = { error: { code: "RATE_LIMITED", message: "slow down" } };
type Reply = { status: number; headers?: Record<string, string>; body: unknown } | "hang";

/** A stand-in HTTP server on 127.0.0.1 for answers the platform cannot be made to give on demand. */
async function standIn(reply: (n: number, method: string) => Reply) {
  let n = 0;
  const seen: { method: string; headers: IncomingHttpHeaders }[] = [];
  const open = new Set<import("node:http").ServerResponse>();
  const server: Server = createServer((req, res) => {
    seen.push({ method: req.method ?? "GET", headers: req.headers });
    const r = reply(++n, req.method ?? "GET");
    if (r === "hang") return void open.add(res);
    res.writeHead(r.status, { "content-type": "application/json", ...r.headers });
    res.end(JSON.stringify(r.body));
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return {
    seen,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((ok) => {
        for (const res of open) res.destroy();
        server.close(() => ok());
      }),
  };
}
