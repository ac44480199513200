// The component runtime, end to end: real compiled test components (registry/testdata/components)
// run by the real runtime inside workerd, with real KV and a real HTTP server on 127.0.0.1.

import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sealCredential } from "../src/credentials/envelope";
import type { ComponentOutcome } from "../src/runtime/types";
import { type RuntimeHarness, startRuntimeHarness } from "./support/runtime-harness";

const A = "a".repeat(64);
const B = "b".repeat(64);
let h: RuntimeHarness;
let server: Server;
let origin: string;
const seen: { url: string; headers: Record<string, string | string[] | undefined>; body: string }[] = [];

beforeAll(async () => {
  h = await startRuntimeHarness({ encryptionKey: randomBytes(32).toString("base64"), allowHosts: ["127.0.0.1"] });
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      seen.push({ url: req.url ?? "", headers: req.headers, body });
      if (req.url?.startsWith("/slow")) {
        setTimeout(() => res.writeHead(200).end("late"), 3000);
        return;
      }
      if (req.url?.startsWith("/redirect")) {
        res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data" }).end();
        return;
      }
      // Echoes the Authorization header back, in a header and in the body, like a careless API.
      const auth = String(req.headers.authorization ?? "");
      res.writeHead(200, { "content-type": "application/json", "x-echo": auth });
      res.end(JSON.stringify({ you_sent: auth, body, path: req.url }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await h?.dispose();
  server?.close();
});

async function run(input: unknown, opts: { keyHash?: string; limits?: Record<string, number>; scan?: string[] } = {}) {
  return h.call("probe", { input, keyHash: opts.keyHash ?? A, limits: opts.limits, scan: opts.scan });
}

function failed(o: ComponentOutcome): { code: string; message: string } {
  expect(o.status, JSON.stringify(o)).toBe("failed");
  return (o as { error: { code: string; message: string } }).error;
}

async function putCredential(keyHash: string, name: string, secret: string) {
  const kv = await h.mf.getKVNamespace("CREDENTIALS_KV");
  await kv.put(`${keyHash}:cred:${name}`, JSON.stringify(await sealCredential(h.encryptionKey, name, secret)));
}

describe("the output protocol", () => {
  it("passes JSON through stdin → stdout, with the JSPI bridge on (the probe imports host functions)", async () => {
    const { outcome } = await run({ op: "echo", n: 1, s: "ü" });
    expect(outcome).toMatchObject({ status: "succeeded", data: { op: "echo", n: 1, s: "ü" }, hostCalls: 0 });
  });

  it("fail(code, message) → failed with the component's code", async () => {
    expect(failed((await run({ op: "fail" })).outcome)).toEqual({
      code: "BAD_THING",
      message: "the probe failed on purpose",
    });
  });

  it("pending → pending with task_id and resume_at", async () => {
    const { outcome } = await run({ op: "pending" });
    expect(outcome).toMatchObject({
      status: "pending",
      pending: { task_id: "task-1", resume_at: "2030-01-01T00:00:00Z" },
    });
  });

  it("stderr becomes the logs", async () => {
    const { outcome } = await run({ op: "log" });
    expect(outcome.logs).toContain("hello from the probe");
  });

  it("non-JSON output → OUTPUT_NOT_JSON", async () => {
    expect(failed((await run({ op: "not_json" })).outcome).code).toBe("OUTPUT_NOT_JSON");
  });
});

describe("limits", () => {
  it("a runaway loop (while (true) {}) ends with CPU_LIMIT_EXCEEDED", async () => {
    const err = failed((await run({ op: "spin" }, { limits: { fuel: 5_000_000 } })).outcome);
    expect(err.code).toBe("CPU_LIMIT_EXCEEDED");
  });

  it("the default fuel budget stops it too", async () => {
    expect(failed((await run({ op: "spin" })).outcome).code).toBe("CPU_LIMIT_EXCEEDED");
  });

  it("oversized output → OUTPUT_TOO_LARGE, not a trap", async () => {
    const err = failed((await run({ op: "big", bytes: 5000 }, { limits: { max_output_bytes: 1000 } })).outcome);
    expect(err.code).toBe("OUTPUT_TOO_LARGE");
    const ok = await run({ op: "big", bytes: 500 }, { limits: { max_output_bytes: 1000 } });
    expect(ok.outcome.status).toBe("succeeded");
  });

  it("unreachable → COMPONENT_TRAPPED; an AssemblyScript abort keeps its message", async () => {
    expect(failed((await run({ op: "trap" })).outcome).code).toBe("COMPONENT_TRAPPED");
    const err = failed((await run({ op: "abort" })).outcome);
    expect(err.code).toBe("COMPONENT_TRAPPED");
    expect(err.message).toContain("deliberate abort");
  });

  it("unbounded allocation → MEMORY_LIMIT", async () => {
    const err = failed((await run({ op: "hog" }, { limits: { max_memory_pages: 64 } })).outcome);
    expect(err.code).toBe("MEMORY_LIMIT");
  });

  it("too many host calls → HOST_CALL_LIMIT", async () => {
    const ok = await run({ op: "host_loop", n: 3 }, { limits: { max_host_calls: 3 } });
    expect(ok.outcome).toMatchObject({ status: "succeeded", hostCalls: 3 });
    const err = failed((await run({ op: "host_loop", n: 10 }, { limits: { max_host_calls: 3 } })).outcome);
    expect(err.code).toBe("HOST_CALL_LIMIT");
  });

  it("an unknown component → COMPONENT_NOT_FOUND", async () => {
    const { outcome } = await h.call("nope", { keyHash: A });
    expect(failed(outcome).code).toBe("COMPONENT_NOT_FOUND");
  });
});

describe("kv_get / kv_put: scoped to the caller", () => {
  it("reads the caller's own oauth2 cache (with or without its hash prefix) and public recipes", async () => {
    await (await h.mf.getKVNamespace("CREDENTIALS_KV")).put(`${A}:oauth2:google`, "tok-A");
    await (await h.mf.getKVNamespace("RECIPES")).put("auth_recipe:github", '{"type":"bearer"}');
    expect((await run({ op: "kv_get", key: "oauth2:google" })).outcome).toMatchObject({ data: { value: "tok-A" } });
    expect((await run({ op: "kv_get", key: `${A}:oauth2:google` })).outcome).toMatchObject({
      data: { value: "tok-A" },
    });
    expect((await run({ op: "kv_get", key: "auth_recipe:github" })).outcome).toMatchObject({
      data: { value: '{"type":"bearer"}' },
    });
    expect((await run({ op: "kv_get", key: "oauth2:absent" })).outcome).toMatchObject({ data: { value: null } });
  });

  it("tenant B cannot read tenant A's key, by any spelling", async () => {
    await (await h.mf.getKVNamespace("CREDENTIALS_KV")).put(`${A}:oauth2:google`, "tok-A");
    const own = await run({ op: "kv_get", key: "oauth2:google" }, { keyHash: B });
    expect(own.outcome).toMatchObject({ data: { value: null } });
    const err = failed((await run({ op: "kv_get", key: `${A}:oauth2:google` }, { keyHash: B })).outcome);
    expect(err.code).toBe("KV_ACCESS_DENIED");
  });

  it("refuses user:, session:, cred: and unknown keys with KV_ACCESS_DENIED", async () => {
    for (const key of [`user:${A}`, "session:abc", "cred:github", `${A}:cred:github`, "webhook:x:y", ""]) {
      expect(failed((await run({ op: "kv_get", key })).outcome).code, key).toBe("KV_ACCESS_DENIED");
    }
  });

  it("the raw API hands the host's error to the component instead of failing it", async () => {
    const { outcome } = await run({ op: "kv_get_raw", key: "session:abc" });
    expect(outcome).toMatchObject({ status: "succeeded", data: { ok: false, body: { code: "KV_ACCESS_DENIED" } } });
  });

  it("kv_put writes only the caller's oauth2 cache, with a TTL of at least 60 s", async () => {
    const ok = await run({ op: "kv_put", key: "oauth2:svc", value: "fresh", ttl: 120 });
    expect(ok.outcome.status).toBe("succeeded");
    expect(await (await h.mf.getKVNamespace("CREDENTIALS_KV")).get(`${A}:oauth2:svc`)).toBe("fresh");
    expect(failed((await run({ op: "kv_put", key: "oauth2:svc", value: "x", ttl: 10 })).outcome).code).toBe(
      "BAD_HOST_REQUEST",
    );
    expect(failed((await run({ op: "kv_put", key: "auth_recipe:x", value: "x", ttl: 120 })).outcome).code).toBe(
      "KV_ACCESS_DENIED",
    );
    expect(failed((await run({ op: "kv_put", key: `${B}:oauth2:svc`, value: "x", ttl: 120 })).outcome).code).toBe(
      "KV_ACCESS_DENIED",
    );
  });
});

describe("crypto_decrypt", () => {
  it("decrypts the caller's credential; ENCRYPTION_KEY never reaches WASM memory or output", async () => {
    await putCredential(A, "api", "s3cret-value-123");
    const { outcome, memory_contains } = await run({ op: "decrypt", name: "api" }, { scan: [h.encryptionKey] });
    expect(outcome).toMatchObject({ status: "succeeded", data: { length: "s3cret-value-123".length } });
    expect(JSON.stringify(outcome)).not.toContain(h.encryptionKey);
    expect(memory_contains).toEqual([false]);
  });

  it("another tenant's credential is CREDENTIAL_NOT_FOUND; a foreign-key envelope is CREDENTIAL_KEY_MISMATCH", async () => {
    await putCredential(A, "only-a", "x");
    expect(failed((await run({ op: "decrypt", name: "only-a" }, { keyHash: B })).outcome).code).toBe(
      "CREDENTIAL_NOT_FOUND",
    );
    const other = await sealCredential(randomBytes(32).toString("base64"), "foreign", "y");
    await (await h.mf.getKVNamespace("CREDENTIALS_KV")).put(`${A}:cred:foreign`, JSON.stringify(other));
    expect(failed((await run({ op: "decrypt", name: "foreign" })).outcome).code).toBe("CREDENTIAL_KEY_MISMATCH");
  });
});

describe("crypto_sign_rs256", () => {
  it("signs with a PKCS#8 key held as a credential; Web Crypto verifies the signature", async () => {
    const pair = (await crypto.subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      true,
      ["sign", "verify"],
    )) as CryptoKeyPair;
    const der = Buffer.from((await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer).toString(
      "base64",
    );
    const pem = `-----BEGIN PRIVATE KEY-----\n${der.match(/.{1,64}/g)?.join("\n")}\n-----END PRIVATE KEY-----\n`;
    await putCredential(A, "sa", JSON.stringify({ private_key: pem, client_email: "x@y" }));
    const data = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0";
    const { outcome, memory_contains } = await run(
      { op: "sign", data, credential: "sa" },
      { scan: [der.slice(80, 140)] },
    );
    expect(outcome.status, JSON.stringify(outcome)).toBe("succeeded");
    const sig = (outcome as { data: { signature: string } }).data.signature;
    expect(sig).toMatch(/^[A-Za-z0-9_-]+$/);
    const ok = await crypto.subtle.verify(
      "RSASSA-PKCS1-v1_5",
      pair.publicKey,
      Buffer.from(sig, "base64url"),
      new TextEncoder().encode(data),
    );
    expect(ok).toBe(true);
    expect(memory_contains).toEqual([false]);
  });
});

describe("http_request", () => {
  it("substitutes {{ credential.NAME }} inside the host and masks the echoed secret", async () => {
    const secret = "tok_live_9f8e7d6c5b4a";
    await putCredential(A, "stripe", secret);
    const { outcome, memory_contains } = await run(
      {
        op: "http",
        url: `${origin}/v1/charges?key={{credential:stripe}}`,
        method: "POST",
        headers: { authorization: "Bearer {{ credential.stripe }}" },
        body: "token={{ credential.stripe }}",
      },
      { scan: [secret] },
    );
    expect(outcome.status, JSON.stringify(outcome)).toBe("succeeded");
    const last = seen.at(-1);
    expect(last?.headers.authorization).toBe(`Bearer ${secret}`);
    expect(last?.url).toBe(`/v1/charges?key=${secret}`);
    expect(last?.body).toBe(`token=${secret}`);
    const data = (outcome as { data: { status: number; body: string; x_echo: string } }).data;
    expect(data.status).toBe(200);
    expect(data.x_echo).toBe("Bearer ***");
    expect(data.body).toContain('"you_sent":"Bearer ***"');
    expect(JSON.stringify(outcome)).not.toContain(secret);
    expect(memory_contains).toEqual([false]);
  });

  it("a missing credential fails the call before anything is sent", async () => {
    const before = seen.length;
    const err = failed((await run({ op: "http", url: `${origin}/x`, headers: { a: "{{credential.nope}}" } })).outcome);
    expect(err.code).toBe("CREDENTIAL_NOT_FOUND");
    expect(seen.length).toBe(before);
  });

  it("refuses private, loopback, link-local and metadata addresses with SSRF_BLOCKED", async () => {
    for (const url of [
      "http://169.254.169.254/latest/meta-data",
      "http://10.0.0.1/",
      "http://192.168.1.1/",
      "http://172.16.0.1/",
      "http://localhost:8080/",
      "http://127.0.0.2/",
      "http://2852039166/", // 169.254.169.254 spelled as one number
      "http://[::1]/",
      "http://[fd00::1]/",
      "http://[::ffff:127.0.0.1]/",
      "http://metadata.google.internal/",
      "http://0.0.0.0/",
      "file:///etc/passwd",
    ]) {
      expect(failed((await run({ op: "http", url })).outcome).code, url).toBe("SSRF_BLOCKED");
    }
  });

  it("a refusal never names a secret that a placeholder put into the host", async () => {
    await putCredential(A, "hostsecret", "zq8secrethost");
    const { outcome } = await run({ op: "http", url: "http://{{credential.hostsecret}}.internal/" });
    expect(failed(outcome).code).toBe("SSRF_BLOCKED");
    expect(JSON.stringify(outcome)).not.toContain("zq8secrethost");
    expect(failed(outcome).message).toContain("***");
  });

  it("a slow host ends at the call's deadline with TIMEOUT", async () => {
    const err = failed((await run({ op: "http", url: `${origin}/slow` }, { limits: { timeout_ms: 300 } })).outcome);
    expect(err.code).toBe("TIMEOUT");
  });

  it("re-checks every redirect hop", async () => {
    expect(failed((await run({ op: "http", url: `${origin}/redirect` })).outcome).code).toBe("SSRF_BLOCKED");
  });

  it("enforces the manifest's allowed_hosts with HOST_NOT_ALLOWED", async () => {
    const { outcome } = await h.call("narrow", { input: { url: `${origin}/x` }, keyHash: A });
    expect(failed(outcome).code).toBe("HOST_NOT_ALLOWED");
  });
});

describe("a Go (wasip1) component through the same ABI", () => {
  it("reads stdin, writes stdout and logs", async () => {
    const { outcome } = await h.call("go_hello", { input: { name: "Ada" }, keyHash: A });
    expect(outcome).toMatchObject({ status: "succeeded", data: { hello: "Ada", lang: "go" } });
    expect(outcome.logs).toContain("go_hello ran");
  });

  it("calls kv_get through JSPI, scoped to the caller", async () => {
    await (await h.mf.getKVNamespace("CREDENTIALS_KV")).put(`${A}:oauth2:go`, "tok-go");
    const { outcome } = await h.call("go_hello", { input: { name: "Ada", key: "oauth2:go" }, keyHash: A });
    expect(outcome).toMatchObject({ status: "succeeded", data: { value: "tok-go" }, hostCalls: 1 });
    const denied = await h.call("go_hello", { input: { name: "Ada", key: "session:x" }, keyHash: A });
    expect(failed(denied.outcome).code).toBe("KV_ACCESS_DENIED");
  });

  it("fail() exits 1 with the component's error", async () => {
    const { outcome } = await h.call("go_hello", { input: { fail: true }, keyHash: A });
    expect(failed(outcome)).toEqual({ code: "GO_SAID_NO", message: "asked to fail" });
  });
});
