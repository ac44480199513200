import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consent, localize, type StandIn, seedFile, startStandIn } from "../../cypher-executor/test/recipes-helpers";
import { startTestPlatform, type TestPlatform } from "../../cypher-executor/test/support/platform";
import {
  ArcrunClient,
  AuthenticationError,
  BadRequestError,
  encryptCredential,
  NotFoundError,
  PermissionDeniedError,
  UnprocessableError,
} from "../src/index";

// The methods sdk.test.ts does not reach, against the real platform on workerd: recipes and auth recipes
// (pushed, tested and run against a local stand-in of Slack), key listing and revocation, envelopes
// encrypted elsewhere, namespace queries, async triggers, exposure consent on deploy, the escape hatch.
let p: TestPlatform;
let arc: ArcrunClient;
let slack: StandIn;
let doc: { paths: Record<string, Record<string, { operationId?: string }>> };
beforeAll(async () => {
  slack = await startStandIn((r) => {
    const good = r.headers.authorization === "Bearer xoxb-good";
    if (r.path === "/api/auth.test") return good ? { status: 200, json: { ok: true } } : { status: 401, json: {} };
    if (r.path === "/api/chat.postMessage" && good) {
      return { status: 200, json: { ok: true, channel: JSON.parse(r.body).channel, ts: "1.2" } };
    }
    return { status: 404, json: { ok: false } };
  });
  p = await startTestPlatform({ allowHosts: ["127.0.0.1"] });
  arc = new ArcrunClient({ url: p.url, apiKey: p.apiKey, encryptionKey: p.encryptionKey });
  doc = await arc.request("GET", "/openapi.json");
});
afterAll(async () => {
  await p?.dispose();
  await slack?.close();
});

const hello = (name: string) =>
  `name: ${name}\nflow:\n  - "input >> ON_SUCCESS >> greet"\nconfig:\n  greet: { component: set, values: { message: "Hello {{ input.name }}" } }\n`;

describe("recipes and auth recipes", () => {
  it("set (with the consent a human gave), test and run; a new exposure without consent is refused", async () => {
    const auth = localize(seedFile("auth", "slack"), slack);
    const api = localize(seedFile("api", "slack_post"), slack);
    const refused = await arc.authRecipes.set("slack", { recipe: auth }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PermissionDeniedError);
    expect(refused).toMatchObject({ status: 403, code: expect.stringMatching(/CONSENT/) });
    expect(await arc.authRecipes.set("slack", { recipe: auth, exposure_consent: consent() })).toBeTruthy();
    expect(await arc.recipes.set("slack_post", { recipe: api, exposure_consent: consent() })).toBeTruthy();
    expect((await arc.recipes.get("slack_post")).endpoint).toBe(`${slack.origin}/api/chat.postMessage`);
    expect(JSON.stringify(await arc.authRecipes.get("slack"))).toContain(slack.origin);

    await arc.credentials.set("slack_good", "xoxb-good");
    await arc.credentials.set("slack_bad", "xoxb-bad");
    expect(await arc.recipes.test("slack_post", { credential: "slack_good" })).toMatchObject({
      ok: true,
      status: 200,
      diagnosis: "OK",
    });
    expect(await arc.authRecipes.test("slack", { credential: "slack_bad" })).toMatchObject({
      ok: false,
      status: 401,
      diagnosis: "BAD_CREDENTIAL",
    });
    const out = await arc.recipes.run("slack_post", { channel: "C1", text: "hi", credential: "slack_good" });
    expect(out).toMatchObject({ ok: true, channel: "C1", ts: "1.2" });
    expect(JSON.stringify(out)).not.toContain("xoxb-good");
    const sent = slack.seen.filter((r) => r.path === "/api/chat.postMessage");
    expect(JSON.parse(sent.at(-1)?.body ?? "{}")).toEqual({ channel: "C1", text: "hi" });
  });

  it("a run without the credential it needs is an UnprocessableError CREDENTIAL_REQUIRED", async () => {
    const err = await arc.recipes.run("slack_post", { channel: "C1", text: "hi" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnprocessableError);
    expect(err).toMatchObject({ status: 422, code: "CREDENTIAL_REQUIRED" });
  });
});

describe("keys", () => {
  it("list (admin sees all, a user key itself) and revoke; a revoked key is refused", async () => {
    const made = await arc.keys.create({ role: "user", label: "sdk-revoke" });
    const listed = await arc.keys.list();
    const mine = listed.find((k) => k.label === "sdk-revoke");
    expect(mine).toMatchObject({ ns: made.tenant.ns, role: "user" });
    expect(JSON.stringify(listed)).not.toContain(made.api_key);
    const user = new ArcrunClient({ url: p.url, apiKey: made.api_key, maxRetries: 0 });
    expect((await user.keys.list()).map((k) => k.label)).toEqual(["sdk-revoke"]);
    const id = mine?.id ?? "";
    expect(await arc.keys.revoke(id)).toMatchObject({ revoked: { id }, propagation_seconds: expect.any(Number) });
    await expect(user.whoami()).rejects.toBeInstanceOf(AuthenticationError);
  });

  it("revoking an unknown id is a NotFoundError, a malformed one a BadRequestError", async () => {
    await expect(arc.keys.revoke("0123456789abcdef")).rejects.toBeInstanceOf(NotFoundError);
    await expect(arc.keys.revoke("not-hex")).rejects.toBeInstanceOf(BadRequestError);
  });
});

describe("credentials, webhooks, deploy consent, escape hatch", () => {
  it("setEnvelope / putEnvelope store an envelope encrypted elsewhere", async () => {
    const env = await encryptCredential(p.encryptionKey, "sealed", "elsewhere");
    expect(await arc.credentials.setEnvelope(env)).toMatchObject({ name: "sealed" });
    expect(await arc.credentials.putEnvelope({ ...env })).toMatchObject({ name: "sealed" });
    expect((await arc.credentials.envelope("sealed")).encrypted).toBe(env.encrypted);
    expect(await arc.platformKey()).toMatchObject({ kid: env.kid });
  });

  it("trigger { async: true } answers 202 at once; query by namespace (GET /q/{ns}/{name})", async () => {
    await arc.webhooks.register(hello("hook"));
    const started = await arc.webhooks.trigger("hook", { name: "Later" }, { async: true });
    expect(started).toMatchObject({ execution_id: expect.any(String) });
    let ex = await arc.executions.get(started.execution_id);
    for (let i = 0; i < 50 && ex.status === "running"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      ex = await arc.executions.get(started.execution_id);
    }
    expect(ex.status).toBe("succeeded");
    const asOwner = new ArcrunClient({ url: p.url, apiKey: p.apiKey });
    expect(await asOwner.webhooks.query("hook", { name: "Ns" }, { ns: p.ns })).toMatchObject({ message: "Hello Ns" });
  });

  it("deploy sends exposureConsent; without it a step to a new host is a PermissionDeniedError", async () => {
    const yaml = [
      "name: outbound",
      "flow:",
      '  - "input >> ON_SUCCESS >> post"',
      "config:",
      `  post: { component: http_request, method: POST, url: "${slack.origin}/api/chat.postMessage" }`,
      "",
    ].join("\n");
    const err = await arc.workflows.deploy("outbound", yaml).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermissionDeniedError);
    expect(err).toMatchObject({ code: "EXPOSURE_CONSENT_REQUIRED" });
    await expect(arc.workflows.get("outbound")).rejects.toBeInstanceOf(NotFoundError);
    expect(await arc.workflows.deploy("outbound", yaml, { exposureConsent: consent() })).toMatchObject({ version: 1 });
  });

  it("executions.tail answers what changed after a cursor; follow() yields runs live until aborted", async () => {
    await arc.workflows.deploy("live", hello("live"));
    const before = new Date(Date.now() - 1000).toISOString();
    const run = await arc.runs.create("live", { name: "Tail" });
    const page = await arc.executions.tail({ workflow: "live", after: before });
    expect(page.executions.map((e) => e.id)).toContain(run.execution_id);
    expect(page.cursor > before).toBe(true);
    expect((await arc.executions.tail({ workflow: "live", after: page.cursor })).executions).toEqual([]);

    const ctrl = new AbortController();
    const seen: string[] = [];
    const following = (async () => {
      for await (const ex of arc.executions.follow({ workflow: "live" }, { signal: ctrl.signal, intervalMs: 500 })) {
        seen.push(`${String(ex.id)}:${String(ex.status)}`);
        if (ex.status === "succeeded") ctrl.abort();
      }
    })();
    await new Promise((r) => setTimeout(r, 700));
    const next = await arc.runs.create("live", { name: "Live" });
    await following;
    expect(seen).toContain(`${next.execution_id}:succeeded`);
    expect(seen.filter((s) => s.startsWith(run.execution_id))).toEqual([]);
    await expect(arc.executions.tail({ limit: 0 })).rejects.toBeInstanceOf(BadRequestError);
  });

  it("request() reaches any route with the client's auth and errors", async () => {
    expect(await arc.request("GET", "/v1/whoami")).toMatchObject({ ns: p.ns });
    await expect(arc.request("GET", "/v1/workflows/nope")).rejects.toBeInstanceOf(NotFoundError);
  });

  // The route lands with the recovery work; until the document has it there is nothing to call.
  it("executions.rerun: a new execution with the same input", async (ctx) => {
    const has = Object.values(doc.paths).some((i) => Object.values(i).some((o) => o.operationId === "rerunExecution"));
    if (!has) return ctx.skip();
    await arc.workflows.deploy("again", hello("again"));
    const first = await arc.runs.create("again", { name: "Re" });
    const again = await arc.executions.rerun(first.execution_id);
    expect(again.execution_id).not.toBe(first.execution_id);
    expect((await arc.executions.get(again.execution_id)).status).toBe("succeeded");
  });
});
