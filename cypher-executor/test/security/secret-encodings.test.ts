import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encryptCredential } from "../../../js-sdk/src/index";
import { encodings } from "../../src/runtime/mask";
import { exposureConsent, startTestPlatform, type TestPlatform } from "../support/platform";
import { reportFigures } from "./support/summary";

// An upstream that echoes the credential it received in every encoding it can: nothing of it may reach
// the answer, the execution record or any KV value.
const SECRET = "tok_live_7f3a/9c+1e5b 2d4086";
const jsonEscapeAll = (s: string, upper = false) =>
  [...s]
    .map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")[upper ? "toUpperCase" : "toLowerCase"]()}`)
    .join("");
const percentAll = (s: string, upper = false) =>
  [...Buffer.from(s)]
    .map((b) => `%${b.toString(16).padStart(2, "0")[upper ? "toUpperCase" : "toLowerCase"]()}`)
    .join("");
const percentSome = (s: string) => [...s].map((c, i) => (i % 2 ? percentAll(c) : c)).join("");
const jsonEscapeSome = (s: string) =>
  [...s].map((c, i) => (i % 2 ? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}` : c)).join("");

export function echoForms(secret: string): Record<string, string> {
  const b = Buffer.from(secret);
  return {
    plain: secret,
    json_u_all: jsonEscapeAll(secret),
    json_u_upper: jsonEscapeAll(secret, true),
    json_u_mixed: jsonEscapeSome(secret),
    url: encodeURIComponent(secret),
    url_lower: encodeURIComponent(secret).toLowerCase(),
    form: new URLSearchParams({ q: secret }).toString().slice(2),
    url_every_byte: percentAll(secret),
    url_every_byte_upper: percentAll(secret, true),
    url_mixed: percentSome(secret),
    b64: b.toString("base64"),
    b64_off1: Buffer.concat([Buffer.from("x"), b]).toString("base64"),
    b64_off2: Buffer.concat([Buffer.from("xy"), b]).toString("base64"),
    b64url: b.toString("base64url"),
    b64url_off1: Buffer.concat([Buffer.from("x"), b]).toString("base64url"),
    b64url_off2: Buffer.concat([Buffer.from("xy"), b]).toString("base64url"),
    hex: b.toString("hex"),
    hex_upper: b.toString("hex").toUpperCase(),
  };
}

/** True when any readable encoding of the secret (or a 12-character base64 piece of it) is in `text`. */
function leaks(text: string): string | undefined {
  const found = encodings(SECRET).find((f) => text.includes(f));
  if (found) return found;
  if (text.includes("\\u0074\\u006f")) return "json";
  return /%74%6f|t%6fk|%37f%33a/i.test(text) ? "percent" : undefined;
}

let p: TestPlatform;
let server: Server;
let base = "";
beforeAll(async () => {
  server = createServer((req, res) => {
    const got = String(req.headers.authorization ?? "").replace(/^Bearer /, "");
    res.setHeader("content-type", "application/json");
    // Written by hand so the \u escapes reach the platform as escapes, as a hostile upstream would send them.
    const forms = Object.entries(echoForms(got)).map(([k, v]) => `"${k}":"${v.replace(/"/g, '\\"')}"`);
    res.end(`{${forms.join(",")}}`);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  p = await startTestPlatform({ allowHosts: [new URL(base).host] });
});
afterAll(async () => {
  await p?.dispose();
  server?.close();
});

describe("secret masking in every encoding", () => {
  it("an upstream echoing the credential as plain, JSON \\u, URL, base64 (3 alignments, std+url) and hex leaks nothing", async () => {
    const env = await encryptCredential(p.encryptionKey, "svc", SECRET);
    expect((await p.call("PUT", "/v1/credentials/svc", env)).status).toBeLessThan(300);
    const yaml =
      "name: echoes\nflow:\n  - input >> ON_SUCCESS >> call\n  - call >> ON_SUCCESS >> output\nconfig:\n" +
      `  call: { component: http_request, url: '${base}/x', headers: { authorization: 'Bearer {{ credential.svc }}' } }\n` +
      "  output: { component: set, values: { echoed: '{{ call.body }}' } }\n";
    const put = await p.call("PUT", "/v1/workflows/echoes", yaml, {
      "content-type": "application/yaml",
      ...exposureConsent(),
    });
    expect(put.status, await put.clone().text()).toBe(201);
    const res = await p.call("POST", "/v1/workflows/echoes/runs", {});
    const text = await res.text();
    expect(res.status, text).toBe(200);
    const run = JSON.parse(text) as { execution_id: string; output: { echoed: unknown } };
    // The upstream did echo every form (so the test can fail): each key is present, each value masked.
    const echoed = JSON.stringify(run.output.echoed);
    for (const k of Object.keys(echoForms(SECRET))) expect(echoed).toContain(k);
    expect(leaks(text)).toBeUndefined();

    let record = "";
    for (let i = 0; i < 50 && !record; i++) {
      const r = await p.call("GET", `/v1/executions/${run.execution_id}`);
      if (r.status === 200) record = await r.text();
      else await new Promise((x) => setTimeout(x, 50));
    }
    expect(record.length).toBeGreaterThan(0);
    expect(leaks(record)).toBeUndefined();
    let values = 0;
    let leaked = 0;
    for (const ns of ["ANALYTICS_KV", "EXEC_CONTEXT", "WEBHOOKS", "USERS_KV", "RECIPES"]) {
      const kv = await p.platform.mf.getKVNamespace(ns);
      for (const k of (await kv.list()).keys) {
        values++;
        if (leaks((await kv.get(k.name)) ?? "")) leaked++;
      }
    }
    reportFigures("secret masking: upstream echoes in every encoding", {
      tried: Object.keys(echoForms(SECRET)).length,
      breaches: leaked + (leaks(text) ? 1 : 0) + (leaks(record) ? 1 : 0),
      note: `answer, record and ${values} KV values searched`,
    });
    expect(leaked).toBe(0);
  });
});
