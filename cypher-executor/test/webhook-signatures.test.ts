// Signed webhook deliveries computed exactly as GitHub, Stripe and Slack document their schemes
// (and a generic HMAC), sent to the real platform: valid ones run, tampered or stale ones are refused
// with 401 before any step runs (no execution is recorded).
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encryptCredential } from "../../js-sdk/src/index";
import { checkSignature } from "../src/triggers/signatures/index";
import { startTestPlatform, type TestPlatform } from "./support/platform";

const SECRET = "whsec_test_0123456789";
let p: TestPlatform;

const flow = (name: string, signature: string) => `name: ${name}
trigger:
  webhook: { auth: hmac, secret: hook_secret, signature: ${signature} }
flow:
  - input >> ON_SUCCESS >> out
config:
  out: { component: set, values: { got: "{{ input.event }}" } }
`;

beforeAll(async () => {
  p = await startTestPlatform();
  const env = await encryptCredential(p.encryptionKey, "hook_secret", SECRET);
  expect((await p.call("PUT", "/v1/credentials/hook_secret", env)).status).toBeLessThan(300);
  const example = readFileSync(join(__dirname, "..", "..", "examples", "github-webhook.yaml"), "utf8");
  const flows: Array<[string, string]> = [
    ["github-webhook", example.replaceAll("github_hook_secret", "hook_secret")],
    ["stripe_hook", flow("stripe_hook", "stripe")],
    ["slack_hook", flow("slack_hook", "slack")],
    ["shopify_hook", flow("shopify_hook", "shopify")],
    [
      "generic_hook",
      flow(
        "generic_hook",
        "{ header: X-Signature, algorithm: sha1, encoding: base64, prefix: 'sha1=', timestamp_header: X-Timestamp, tolerance: 1m }",
      ),
    ],
  ];
  for (const [name, yaml] of flows) {
    const res = await p.call("PUT", `/v1/workflows/${name}`, yaml, { "content-type": "application/yaml" });
    expect(res.status, await res.clone().text()).toBe(201);
  }
});
afterAll(() => p?.dispose());

const hmac = (algo: string, data: string, enc: "hex" | "base64" = "hex") =>
  createHmac(algo, SECRET).update(data).digest(enc);
const nowS = () => Math.floor(Date.now() / 1000);

async function send(name: string, body: string, headers: Record<string, string>) {
  const res = await fetch(`${p.url}/webhooks/named/${p.ns}/${name}/trigger`, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", ...headers },
  });
  return { status: res.status, body: (await res.json()) as { output?: unknown; error?: { code: string } } };
}

async function executions(): Promise<number> {
  const res = await p.call("GET", "/v1/executions");
  return ((await res.json()) as { executions: unknown[] }).executions.length;
}

// Spacing kept on purpose: every scheme signs the bytes as sent, not a re-serialised JSON.
const body = '{ "event":  "push",  "ref": "refs/heads/main", "repository": {"full_name":"octo/hello"} }';

describe("webhook signature presets", () => {
  it("github: X-Hub-Signature-256 = sha256=HMAC-SHA256(secret, body) hex", async () => {
    const ok = await send("github-webhook", body, { "x-hub-signature-256": `sha256=${hmac("sha256", body)}` });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.output).toMatchObject({ repository: "octo/hello", branch: "refs/heads/main" });
    const before = await executions();
    const tampered = await send("github-webhook", body.replace("main", "evil"), {
      "x-hub-signature-256": `sha256=${hmac("sha256", body)}`,
    });
    expect(tampered).toMatchObject({ status: 401, body: { error: { code: "SIGNATURE_MISMATCH" } } });
    const none = await send("github-webhook", body, { "x-arcrun-signature": `sha256=${hmac("sha256", body)}` });
    expect(none).toMatchObject({ status: 401, body: { error: { code: "SIGNATURE_REQUIRED" } } });
    await new Promise((r) => setTimeout(r, 200));
    expect(await executions()).toBe(before);
  });

  it("stripe: Stripe-Signature t=…,v1=HMAC-SHA256(secret, `${t}.${body}`), 5-minute tolerance", async () => {
    const t = nowS();
    const sig = (ts: number, b = body) => `t=${ts},v1=${hmac("sha256", `${ts}.${b}`)},v0=ignored`;
    const ok = await send("stripe_hook", body, { "stripe-signature": sig(t) });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.output).toEqual({ got: "push" });
    // Secret rotation: Stripe sends one v1 per active secret; any one matching is enough.
    const rotated = await send("stripe_hook", body, {
      "stripe-signature": `t=${t},v1=${"0".repeat(64)},v1=${hmac("sha256", `${t}.${body}`)}`,
    });
    expect(rotated.status).toBe(200);
    const before = await executions();
    const stale = await send("stripe_hook", body, { "stripe-signature": sig(t - 600) });
    expect(stale).toMatchObject({ status: 401, body: { error: { code: "SIGNATURE_EXPIRED" } } });
    const tampered = await send("stripe_hook", body.replace("push", "pull"), { "stripe-signature": sig(t) });
    expect(tampered).toMatchObject({ status: 401, body: { error: { code: "SIGNATURE_MISMATCH" } } });
    await new Promise((r) => setTimeout(r, 200));
    expect(await executions()).toBe(before);
  });

  it("slack: X-Slack-Signature v0=HMAC-SHA256(secret, `v0:${ts}:${body}`) with X-Slack-Request-Timestamp", async () => {
    const ts = String(nowS());
    const sig = (t: string, b = body) => `v0=${hmac("sha256", `v0:${t}:${b}`)}`;
    const ok = await send("slack_hook", body, { "x-slack-request-timestamp": ts, "x-slack-signature": sig(ts) });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const old = String(nowS() - 3600);
    const stale = await send("slack_hook", body, { "x-slack-request-timestamp": old, "x-slack-signature": sig(old) });
    expect(stale).toMatchObject({ status: 401, body: { error: { code: "SIGNATURE_EXPIRED" } } });
    // Replaying a signature under a new timestamp fails: the timestamp is part of the signed bytes.
    const moved = await send("slack_hook", body, {
      "x-slack-request-timestamp": String(nowS() - 1),
      "x-slack-signature": sig(ts),
    });
    expect(moved.status).toBe(401);
  });

  it("shopify: X-Shopify-Hmac-Sha256 = base64 HMAC-SHA256(secret, body)", async () => {
    const ok = await send("shopify_hook", body, { "x-shopify-hmac-sha256": hmac("sha256", body, "base64") });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const bad = await send("shopify_hook", `${body} `, { "x-shopify-hmac-sha256": hmac("sha256", body, "base64") });
    expect(bad.status).toBe(401);
  });

  it("generic: configurable header, algorithm, encoding, prefix and timestamp header", async () => {
    const ts = String(nowS());
    const ok = await send("generic_hook", body, {
      "x-timestamp": ts,
      "x-signature": `sha1=${hmac("sha1", `${ts}.${body}`, "base64")}`,
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const old = String(nowS() - 120);
    const stale = await send("generic_hook", body, {
      "x-timestamp": old,
      "x-signature": `sha1=${hmac("sha1", `${old}.${body}`, "base64")}`,
    });
    expect(stale.status).toBe(401);
  });

  it("a bad signature spec is a deploy error naming the field", async () => {
    expect(checkSignature("gitlab").problems[0]?.message).toMatch(/preset must be github, stripe, slack, shopify/);
    const res = await p.call("PUT", "/v1/workflows/bad_sig", flow("bad_sig", "{ header: X-S, algorithm: md5 }"), {
      "content-type": "application/yaml",
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("signature.algorithm must be sha1, sha256 or sha512");
  });
});
