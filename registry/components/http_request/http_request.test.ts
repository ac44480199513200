// http_request against a real HTTP server on 127.0.0.1 (allowed only through the test allow-list),
// called through the real executor on workerd: the server checks the exact request it receives.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sealCredential } from "../../../cypher-executor/src/credentials/envelope";
import { exposureConsent, startTestPlatform, type TestPlatform } from "../../../cypher-executor/test/support/platform";

interface Seen {
  method?: string;
  url?: string;
  headers: IncomingMessage["headers"];
  body: string;
  raw?: Buffer;
}

const SECRET = "sk_test_51Hxq-very-secret";
// The 8-byte PNG signature and an IHDR length: not UTF-8, so it comes back as body_base64.
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]);
let p: TestPlatform;
let server: Server;
let origin: string;
let last: Seen;

beforeAll(async () => {
  p = await startTestPlatform({ allowHosts: ["127.0.0.1"] });
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => {
      chunks.push(c);
    });
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      last = { method: req.method, url: req.url, headers: req.headers, body: raw.toString("utf8"), raw };
      if (req.url?.startsWith("/png")) {
        res.writeHead(200, { "content-type": "image/png" });
        res.end(PNG);
      } else if (req.url?.startsWith("/echo")) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ got: req.headers.authorization, n: 3, list: [1, "two"] }));
      } else if (req.url?.startsWith("/broken")) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end("{not json");
      } else {
        res.writeHead(404, { "content-type": "text/plain" });
        res.end("no such thing");
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const env = await sealCredential(p.encryptionKey, "shop", SECRET);
  const put = await p.call("PUT", "/v1/credentials/shop", env);
  expect(put.status).toBeLessThan(300);
});

afterAll(async () => {
  server?.close();
  await p?.dispose();
});

async function call(input: unknown) {
  const res = await p.call("POST", "/v1/components/http_request/call", { input }, exposureConsent());
  return (await res.json()) as {
    status: string;
    data?: Record<string, unknown>;
    error?: { code: string; message: string };
  };
}

describe("http_request component", () => {
  it("sends method, query, headers and JSON body; the credential is put in by the host and masked on the way back", async () => {
    const out = await call({
      method: "post",
      url: `${origin}/echo`,
      query: { q: "a b&c", key: "{{ credential.shop }}" },
      headers: { Authorization: "Bearer {{ credential.shop }}", "X-Trace": 7 },
      body_json: { order: 42, items: ["x"] },
    });
    expect(out.status, JSON.stringify(out)).toBe("succeeded");
    expect(last.method).toBe("POST");
    expect(last.url).toBe(`/echo?q=a%20b%26c&key=${SECRET}`);
    expect(last.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(last.headers["x-trace"]).toBe("7");
    expect(last.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(last.body)).toEqual({ order: 42, items: ["x"] });
    expect(out.data?.status).toBe(200);
    expect(out.data?.ok).toBe(true);
    expect(out.data?.json).toEqual({ got: "Bearer ***", n: 3, list: [1, "two"] });
    expect(JSON.stringify(out)).not.toContain(SECRET);
  });

  it("a status >= 400 fails with the response on the error, unless fail_on_status: false", async () => {
    const strict = await call({ url: `${origin}/missing` });
    expect(strict.status).toBe("failed");
    expect(strict.error?.code).toBe("HTTP_STATUS");
    expect(strict.error?.message).toContain("404");
    // The call route spreads error.details beside code and message.
    expect(strict.error).toMatchObject({ status: 404, body: "no such thing" });
    const plain = await call({ url: `${origin}/missing`, fail_on_status: false });
    expect(plain.status).toBe("succeeded");
    expect(plain.data).toMatchObject({ status: 404, ok: false, body: "no such thing" });
    expect(plain.data?.json).toBeUndefined();
  });

  it("a malformed JSON body stays text and never breaks the output", async () => {
    const out = await call({ url: `${origin}/broken` });
    expect(out.status).toBe("succeeded");
    expect(out.data).toMatchObject({ status: 200, body: "{not json" });
    expect(out.data?.json).toBeUndefined();
  });

  it("a text body is sent as is", async () => {
    await call({ method: "PUT", url: `${origin}/echo`, body: "plain {{ credential.shop }}" });
    expect(last.method).toBe("PUT");
    expect(last.body).toBe(`plain ${SECRET}`);
  });

  it("body_form is sent form-urlencoded (lists repeat their name, credentials put in by the host)", async () => {
    const out = await call({
      method: "POST",
      url: `${origin}/echo`,
      body_form: {
        amount: 2000,
        currency: "usd",
        "metadata[note]": "a b&c",
        expand: ["x", "y"],
        skip: null,
        key: "{{ credential.shop }}",
      },
    });
    expect(out.status).toBe("succeeded");
    expect(last.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(last.body).toBe(
      `amount=2000&currency=usd&metadata%5Bnote%5D=a%20b%26c&expand=x&expand=y&key=${encodeURIComponent(SECRET)}`,
    );
    expect(Object.fromEntries(new URLSearchParams(last.body))).toMatchObject({
      "metadata[note]": "a b&c",
      key: SECRET,
    });
    const both = await call({ url: `${origin}/echo`, method: "POST", body: "x", body_form: { a: 1 } });
    expect(both.error?.code).toBe("INVALID_INPUT");
  });

  it("bytes both ways: body_base64 is sent as bytes; a binary answer comes back as body_base64", async () => {
    const sent = await call({
      method: "PUT",
      url: `${origin}/echo`,
      headers: { "content-type": "application/octet-stream" },
      body_base64: PNG.toString("base64"),
    });
    expect(sent.status).toBe("succeeded");
    expect(last.raw?.equals(PNG)).toBe(true);
    const got = await call({ url: `${origin}/png` });
    expect(got.data).toMatchObject({ status: 200, body_base64: PNG.toString("base64") });
    expect(got.data?.body).toBeUndefined();
  });

  it("an unknown credential fails before anything is sent", async () => {
    last = { headers: {}, body: "" };
    const out = await call({ url: `${origin}/echo`, headers: { a: "{{ credential.nope }}" } });
    expect(out.status).toBe("failed");
    expect(out.error?.code).toBe("CREDENTIAL_NOT_FOUND");
    expect(last.method).toBeUndefined();
  });
});
