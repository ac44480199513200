// Webhooks as real senders call them, on the real platform (workerd): form, text, binary, multipart and
// JSON bodies, GET deliveries, answers shaped by a `respond` step (Slack's URL-verification challenge,
// a form's redirect, a TwiML reply), `respond: immediately`, Twilio's signature (its documented
// test vector), and per-webhook rate limits (429 + Retry-After, every accepted call recorded).
import { createHash, createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encryptCredential } from "../../js-sdk/src/index";
import { startTestPlatform, type TestPlatform } from "./support/platform";

const SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
let p: TestPlatform;

const example = (name: string) => readFileSync(join(__dirname, "..", "..", "examples", `${name}.yaml`), "utf8");
const echo = (name: string, trigger: string) => `name: ${name}
trigger:
  webhook: ${trigger}
flow:
  - input >> ON_SUCCESS >> out
config:
  out: { component: set, values: { got: "{{ input }}", method: "{{ trigger.method }}", q: "{{ trigger.query }}" } }
`;

const flows: Record<string, string> = {
  echo: echo("echo", "{ auth: none, rate_limit: off }"),
  echo_get: echo("echo_get", "{ auth: none, methods: [GET, POST], rate_limit: off }"),
  sms: `name: sms
trigger:
  webhook:
    auth: hmac
    secret: twilio_token
    signature: { preset: twilio, url: "https://mycompany.com/myapp.php?foo=1&bar=2" }
    respond:
      headers: { content-type: text/xml }
      body: "<Response><Message>Got it</Message></Response>"
flow:
  - input >> ON_SUCCESS >> log
config:
  log: { component: set, values: { from: "{{ input.From }}", digits: "{{ input.Digits }}" } }
`,
  sms_local: `name: sms_local
trigger:
  webhook: { auth: hmac, secret: twilio_token, signature: twilio }
flow:
  - input >> ON_SUCCESS >> log
config:
  log: { component: set, values: { body: "{{ input.Body }}" } }
`,
  later: `name: later
trigger:
  webhook: { auth: none, respond: immediately, rate_limit: off }
flow:
  - input >> ON_SUCCESS >> out
config:
  out: { component: set, values: { n: "{{ input.n }}" } }
`,
  open_default: echo("open_default", "{ auth: none }"),
  // The examples, as documented (the test stores the Slack secret under the example's credential name).
  "contact-form": example("contact-form"),
  "slack-events": example("slack-events"),
};

beforeAll(async () => {
  p = await startTestPlatform();
  const secrets: Array<[string, string]> = [
    ["slack_signing_secret", SLACK_SECRET],
    ["twilio_token", "12345"],
  ];
  for (const [name, value] of secrets) {
    const env = await encryptCredential(p.encryptionKey, name, value);
    expect((await p.call("PUT", `/v1/credentials/${name}`, env)).status).toBeLessThan(300);
  }
  for (const [name, yaml] of Object.entries(flows)) {
    const res = await p.call("PUT", `/v1/workflows/${name}`, yaml, { "content-type": "application/yaml" });
    expect(res.status, await res.clone().text()).toBe(201);
  }
});
afterAll(() => p?.dispose());

const hook = (name: string, query = "") => `${p.url}/webhooks/named/${p.ns}/${name}/trigger${query}`;
const post = (name: string, body: BodyInit, headers: Record<string, string> = {}) =>
  fetch(hook(name), { method: "POST", body, headers, redirect: "manual" });
const outputOf = async (res: Response) => ((await res.json()) as { output: Record<string, unknown> }).output;

async function recorded(workflow: string): Promise<Array<{ id: string; status: string }>> {
  const res = await p.call("GET", `/v1/executions?workflow=${workflow}&limit=100`);
  const all = ((await res.json()) as { executions: Array<{ id: string; status: string; workflow: string }> })
    .executions;
  return all.filter((e) => e.workflow === workflow);
}

describe("webhook bodies reach templates by content type", () => {
  it("form-urlencoded (an HTML form, Twilio, a Slack slash command) is an object; repeated fields a list", async () => {
    // A Slack slash command as Slack sends it.
    const body = "token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0001&command=%2Fweather&text=94070&tag=a&tag=b";
    const res = await post("echo", body, { "content-type": "application/x-www-form-urlencoded" });
    expect(res.status).toBe(200);
    expect((await outputOf(res)).got).toEqual({
      token: "gIkuvaNzQIHg97ATvDxqgjtO",
      team_id: "T0001",
      command: "/weather",
      text: "94070",
      tag: ["a", "b"],
    });
    // curl -d '{"a":1}' sends JSON under the form type: still read as JSON.
    const curl = await post("echo", '{"a":1}', { "content-type": "application/x-www-form-urlencoded" });
    expect((await outputOf(curl)).got).toEqual({ a: 1 });
  });

  it("text/* and XML are a string, JSON its value, anything else base64 with its type", async () => {
    const text = await post("echo", "hello, world\nline 2", { "content-type": "text/plain; charset=utf-8" });
    expect(text.status).toBe(200);
    expect((await outputOf(text)).got).toBe("hello, world\nline 2");
    const csv = await post("echo", "a,b\n1,2", { "content-type": "text/csv" });
    expect((await outputOf(csv)).got).toBe("a,b\n1,2");
    const xml = await post("echo", "<a>1</a>", { "content-type": "application/xml" });
    expect((await outputOf(xml)).got).toBe("<a>1</a>");
    const json = await post("echo", '{"n": [1, 2]}', { "content-type": "application/json" });
    expect((await outputOf(json)).got).toEqual({ n: [1, 2] });
    const bytes = new Uint8Array([0, 1, 2, 250, 255, 10]);
    const bin = await post("echo", bytes, { "content-type": "application/octet-stream" });
    expect((await outputOf(bin)).got).toEqual({
      content_type: "application/octet-stream",
      size: 6,
      body_base64: Buffer.from(bytes).toString("base64"),
    });
    const bad = await post("echo", "{not json", { "content-type": "application/json" });
    expect(bad.status).toBe(400);
  });

  it("multipart/form-data: fields as text, files as { filename, content_type, size, body_base64 }", async () => {
    const form = new FormData();
    form.append("name", "Ada");
    form.append("cv", new Blob([new Uint8Array([37, 80, 68, 70])], { type: "application/pdf" }), "cv.pdf");
    const res = await post("echo", form);
    expect(res.status).toBe(200);
    expect((await outputOf(res)).got).toEqual({
      name: "Ada",
      cv: { filename: "cv.pdf", content_type: "application/pdf", size: 4, body_base64: "JVBERg==" },
    });
  });
});

describe("methods", () => {
  it("GET reaches a webhook that declares it, with the query string as input; others get 405 + Allow", async () => {
    // Meta's (WhatsApp/Instagram) subscription check is a GET with hub.* parameters.
    const res = await fetch(hook("echo_get", "?hub.mode=subscribe&hub.challenge=1158201444&tag=a&tag=b"));
    expect(res.status).toBe(200);
    const out = await outputOf(res);
    expect(out.got).toEqual({ "hub.mode": "subscribe", "hub.challenge": "1158201444", tag: ["a", "b"] });
    expect(out.method).toBe("GET");
    const refused = await fetch(hook("echo", "?x=1"));
    expect(refused.status).toBe(405);
    expect(refused.headers.get("allow")).toBe("POST");
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("METHOD_NOT_ALLOWED");
    // An api_key webhook answers a stranger 401 whatever the method: no 405 that would reveal it exists.
    const keyed = echo("keyed", "{ auth: api_key }");
    expect((await p.call("PUT", "/v1/workflows/keyed", keyed, { "content-type": "application/yaml" })).status).toBe(
      201,
    );
    expect((await fetch(hook("keyed"))).status).toBe(401);
    expect((await fetch(hook("no_such_workflow"))).status).toBe(401);
    expect((await fetch(hook("keyed"), { headers: { authorization: `Bearer ${p.apiKey}` } })).status).toBe(405);
    expect((await fetch(hook("echo_get", "?a=1"), { method: "HEAD" })).status).toBe(200);
    expect((await fetch(hook("echo"), { method: "HEAD" })).status).toBe(405);
    const put = await fetch(hook("echo_get"), { method: "PUT", body: "{}" });
    expect(put.status).toBe(405);
    expect(put.headers.get("allow")).toBe("GET, POST");
  });
});

describe("shaping the answer", () => {
  const slackSign = (body: string, ts = String(Math.floor(Date.now() / 1000))) => ({
    "content-type": "application/json",
    "x-slack-request-timestamp": ts,
    "x-slack-signature": `v0=${createHmac("sha256", SLACK_SECRET).update(`v0:${ts}:${body}`).digest("hex")}`,
  });

  it("Slack's URL-verification challenge, signed as Slack signs it, gets its plain-text echo", async () => {
    const body = JSON.stringify({
      token: "Jhj5dZrVaK7ZwHHjRyZWjbDl",
      challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
      type: "url_verification",
    });
    const res = await post("slack-events", body, slackSign(body));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain");
    expect(await res.text()).toBe("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
    expect(res.headers.get("x-arcrun-execution-id")).toMatch(/^ex/);
    // An event callback takes the other branch: no respond step ran, the usual JSON answer.
    const event = JSON.stringify({ type: "event_callback", event: { type: "app_mention" } });
    const ev = await post("slack-events", event, slackSign(event));
    expect(ev.status).toBe(200);
    expect(await outputOf(ev)).toMatchObject({ type: "app_mention" });
    const tampered = await post("slack-events", body.replace("3eZ", "XXX"), slackSign(body));
    expect(tampered.status).toBe(401);
  });

  it("a form's respond step redirects (303 Location) after the data is saved", async () => {
    const res = await post("contact-form", "name=Ada+Lovelace&email=ada%40example.com&topic=a&topic=b", {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("https://example.com/thanks?who=Ada%20Lovelace");
    const id = res.headers.get("x-arcrun-execution-id");
    await new Promise((r) => setTimeout(r, 300));
    const rec = await (await p.call("GET", `/v1/executions/${id}`)).json();
    expect(rec).toMatchObject({
      status: "succeeded",
      nodes: { message: { data: { email: "ada@example.com", topics: ["a", "b"] } } },
    });
  });

  it("a bad respond step: literal mistakes are deploy errors with line:column, templated ones fail the node", async () => {
    const bad = `name: bad_respond
trigger:
  webhook: { auth: none }
flow:
  - input >> ON_SUCCESS >> reply
config:
  reply: { component: respond, status: 99, headers: { set-cookie: "a=b" }, redirect: x }
`;
    const refused = await p.call("PUT", "/v1/workflows/bad_respond", bad, { "content-type": "application/yaml" });
    expect(refused.status).toBe(400);
    const text = await refused.text();
    expect(text).toContain("status must be an integer from 200 to 599");
    expect(text).toContain("a workflow cannot set the set-cookie header");
    expect(text).toContain('Unknown key \\"redirect\\" in a respond step');
    expect(text).toMatch(/"line":7/);
    const yaml = bad.replace('status: 99, headers: { set-cookie: "a=b" }, redirect: x', 'status: "{{ input.status }}"');
    const res = await p.call("PUT", "/v1/workflows/bad_respond", yaml, { "content-type": "application/yaml" });
    expect(res.status, await res.clone().text()).toBe(201);
    const run = await post("bad_respond", '{"status": 99}', { "content-type": "application/json" });
    const body = (await run.json()) as { status: string; error: { code: string; node: string } };
    expect(body.status).toBe("failed");
    expect(body.error).toMatchObject({ code: "INVALID_INPUT", node: "reply" });
  });

  it("respond: immediately answers 202 at once and the run finishes in the background", async () => {
    const res = await post("later", '{"n": 7}', { "content-type": "application/json" });
    expect(res.status).toBe(202);
    const { execution_id } = (await res.json()) as { execution_id: string };
    let rec: { status?: string; output?: unknown } = {};
    for (let i = 0; i < 40 && rec.status !== "succeeded"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      rec = await (await p.call("GET", `/v1/executions/${execution_id}`)).json();
    }
    expect(rec).toMatchObject({ status: "succeeded", output: { n: 7 } });
  });

  it("twilio: X-Twilio-Signature from Twilio's documented example; a fixed TwiML answer at once", async () => {
    // https://www.twilio.com/docs/usage/webhooks/webhooks-security, auth token 12345.
    const params = new URLSearchParams({
      CallSid: "CA1234567890ABCDE",
      Caller: "+14158675309",
      Digits: "1234",
      From: "+14158675309",
      To: "+18005551212",
    });
    const headers = {
      "content-type": "application/x-www-form-urlencoded",
      "x-twilio-signature": "RSOYDt4T1cUTdK1PDd93/VVr8B8=",
    };
    const res = await post("sms", params.toString(), headers);
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/xml");
    expect(await res.text()).toBe("<Response><Message>Got it</Message></Response>");
    const id = res.headers.get("x-arcrun-execution-id");
    let rec: { status?: string; output?: unknown } = {};
    for (let i = 0; i < 40 && rec.status !== "succeeded"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      rec = await (await p.call("GET", `/v1/executions/${id}`)).json();
    }
    expect(rec.output).toEqual({ from: "+14158675309", digits: "1234" });
    // ?async=1 keeps its meaning: 202 with the execution id, not the fixed answer.
    const asynced = await fetch(hook("sms", "?async=1"), { method: "POST", body: params.toString(), headers });
    expect(asynced.status).toBe(202);
    expect(((await asynced.json()) as { status: string }).status).toBe("running");
    params.set("Digits", "9999");
    const tampered = await post("sms", params.toString(), headers);
    expect(tampered.status).toBe(401);
    expect(((await tampered.json()) as { error: { code: string } }).error.code).toBe("SIGNATURE_MISMATCH");
  });

  it("twilio without signature.url signs the URL the platform was called at (query string included)", async () => {
    const url = hook("sms_local", "?via=sms");
    const form = { To: "+18005551212", From: "+14158675309", Body: "Hi there & bye", MediaUrl0: "https://x/y" };
    const text =
      url +
      Object.keys(form)
        .sort()
        .map((k) => k + form[k as keyof typeof form])
        .join("");
    const sig = createHmac("sha1", "12345").update(text).digest("base64");
    const res = await fetch(url, {
      method: "POST",
      body: new URLSearchParams(form).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": sig },
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await outputOf(res)).toEqual({ body: "Hi there & bye" });
    const other = await fetch(hook("sms_local", "?via=other"), {
      method: "POST",
      body: new URLSearchParams(form).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": sig },
    });
    expect(other.status).toBe(401);
  });

  it("twilio JSON deliveries: only the URL is signed, and its bodySHA256 must be the body's SHA-256", async () => {
    const body = JSON.stringify({ Body: "json hello", From: "+14158675309" });
    const digest = createHash("sha256").update(body).digest("hex");
    const url = hook("sms_local", `?bodySHA256=${digest}`);
    const sig = createHmac("sha1", "12345").update(url).digest("base64");
    const send = (b: string) =>
      fetch(url, {
        method: "POST",
        body: b,
        headers: { "content-type": "application/json", "x-twilio-signature": sig },
      });
    const ok = await send(body);
    expect(ok.status, await ok.clone().text()).toBe(200);
    expect(await outputOf(ok)).toEqual({ body: "json hello" });
    const swapped = await send(body.replace("hello", "bye"));
    expect(swapped.status).toBe(401);
  });
});

describe("rate limits", () => {
  it("a burst over a webhook's rate_limit gets 429 + Retry-After; every accepted call has a record", async () => {
    const before = (await recorded("contact-form")).length;
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        post("contact-form", `name=n${i}&email=e${i}%40x.io`, { "content-type": "application/x-www-form-urlencoded" }),
      ),
    );
    // One of the 5 per minute was spent by the redirect test above.
    const accepted = results.filter((r) => r.status === 303);
    const limited = results.filter((r) => r.status === 429);
    expect(accepted.length + limited.length).toBe(12);
    expect(accepted.length).toBe(4);
    const first = limited[0] as Response;
    const retryAfter = Number(first.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(((await first.json()) as { error: { code: string } }).error.code).toBe("RATE_LIMITED");
    await new Promise((r) => setTimeout(r, 500));
    const ids = accepted.map((r) => r.headers.get("x-arcrun-execution-id"));
    const after = await recorded("contact-form");
    expect(after.length - before).toBe(4);
    for (const id of ids) expect(after.map((e) => e.id)).toContain(id);
  });

  it("an open webhook without rate_limit takes 60 calls a minute by default", async () => {
    const results = await Promise.all(
      Array.from({ length: 75 }, (_, i) =>
        post("open_default", JSON.stringify({ i }), { "content-type": "application/json" }),
      ),
    );
    const codes = results.map((r) => r.status);
    expect(codes.filter((s) => s === 200).length).toBe(60);
    expect(codes.filter((s) => s === 429).length).toBe(15);
    await new Promise((r) => setTimeout(r, 800));
    expect((await recorded("open_default")).length).toBe(60);
  });

  it("bad trigger options are deploy errors naming the field", async () => {
    const yaml = echo("bad_opts", "{ auth: none, methods: [FETCH], rate_limit: lots, respond: later }");
    const res = await p.call("PUT", "/v1/workflows/bad_opts", yaml, { "content-type": "application/yaml" });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain("methods must be a list of GET, POST, PUT, PATCH, DELETE");
    expect(text).toContain("rate_limit must be");
    expect(text).toContain("respond must be result, immediately or a mapping");
  });
});
