import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { keyId, sealCredential } from "../src/credentials/envelope";
import {
  allKvValues,
  deploySigningWorkflow,
  expectedHmac,
  hmacThroughComponent,
  runSigningWorkflow,
  signingWorkflowName,
  verifyCredential,
} from "./support/credentials";
import { startTestPlatform, type TestPlatform } from "./support/platform";

// A secret that must never appear outside the client and the host function.
const SECRET = `sk-live-${randomBytes(12).toString("hex")}`;

let p: TestPlatform;
let kid: string;
const output: string[] = [];
beforeAll(async () => {
  // Everything workerd and Miniflare print goes through this process's stdout/stderr.
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    vi.spyOn(stream, "write").mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
      output.push(String(chunk));
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write);
  }
  p = await startTestPlatform();
  kid = await keyId(p.encryptionKey);
});
afterAll(async () => {
  await p?.dispose();
  vi.restoreAllMocks();
});

const put = async (name: string, body: unknown, key = p.apiKey) =>
  fetch(`${p.url}/v1/credentials/${encodeURIComponent(name)}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
const errorOf = async (res: Response) => ((await res.json()) as { error: Record<string, unknown> }).error;

describe("credential API", () => {
  it("GET /v1/credentials/key answers the platform key's id, never the key", async () => {
    const res = await p.call("GET", "/v1/credentials/key");
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(JSON.parse(body)).toEqual({ kid, next_kid: null });
    expect(body).not.toContain(p.encryptionKey);
    const withUsage = await p.call("GET", "/v1/credentials/key?usage=1");
    expect(await withUsage.json()).toEqual({ kid, next_kid: null, usage: {} });
  });

  it("only admin keys see the per-kid usage of all tenants", async () => {
    const user = await p.newKey("user");
    const res = await fetch(`${p.url}/v1/credentials/key?usage=1`, {
      headers: { authorization: `Bearer ${user.apiKey}` },
    });
    expect(await res.json()).toEqual({ kid, next_kid: null });
  });

  it("stores an envelope, lists names/kid/dates only, and returns the envelope only on ?envelope=1", async () => {
    const envelope = await sealCredential(p.encryptionKey, "github", SECRET);
    const created = await put("github", envelope);
    expect(created.status).toBe(201);
    const meta = (await created.json()) as { name: string; kid: string; created_at: string; updated_at: string };
    expect(meta).toMatchObject({ name: "github", kid });

    const again = await put("github", await sealCredential(p.encryptionKey, "github", SECRET));
    expect(again.status).toBe(200);
    expect(((await again.json()) as { created_at: string }).created_at).toBe(meta.created_at);

    const list = (await (await p.call("GET", "/v1/credentials")).json()) as { credentials: unknown[] };
    expect(list.credentials).toEqual([
      { name: "github", kid, created_at: meta.created_at, updated_at: expect.any(String) },
    ]);

    const one = (await (await p.call("GET", "/v1/credentials/github")).json()) as Record<string, unknown>;
    expect(Object.keys(one).sort()).toEqual(["created_at", "kid", "name", "updated_at"]);

    const withEnvelope = (await (await p.call("GET", "/v1/credentials/github?envelope=1")).json()) as {
      envelope: { name: string; encrypted: string; iv: string; kid: string };
    };
    expect(withEnvelope.envelope.name).toBe("github");
    expect(withEnvelope.envelope.kid).toBe(kid);
    expect(withEnvelope.envelope.iv).toMatch(/^[A-Za-z0-9+/]{16}$/);
  });

  it("decrypts inside workerd (host-side) to the exact secret", async () => {
    expect(await verifyCredential(p, "github", SECRET)).toEqual({ status: 200, match: true });
    expect(await verifyCredential(p, "github", `${SECRET}x`)).toEqual({ status: 200, match: false });
  });

  it("a component uses it through the crypto_decrypt host function (platform_crypto HMAC)", async (ctx) => {
    const used = await hmacThroughComponent(p, "github", "payload");
    if (!used) ctx.skip(); // platform_crypto is not built into this executor yet
    expect(used).toMatchObject({ status: 200, result: expectedHmac(SECRET, "payload") });
    const other = await p.newKey("user");
    const denied = await hmacThroughComponent(p, "github", "payload", other.apiKey);
    expect(denied?.status).not.toBe(200);
    expect(denied?.text).toContain("CREDENTIAL_NOT_FOUND");
    expect(denied?.text).not.toContain(SECRET);
  });

  it("the local verify route does not exist without the admin token", async () => {
    const res = await p.call("POST", "/v1/_local/credentials/github/verify", { sha256: "00" });
    expect(res.status).toBe(404);
  });

  it("deletes, then answers 404 CREDENTIAL_NOT_FOUND naming the credential", async () => {
    await put("temp", await sealCredential(p.encryptionKey, "temp", "x"));
    const del = await p.call("DELETE", "/v1/credentials/temp");
    expect(del.status).toBe(200);
    expect(await del.json()).toEqual({ deleted: true, name: "temp" });
    const again = await p.call("DELETE", "/v1/credentials/temp");
    expect(again.status).toBe(404);
    expect(await errorOf(again)).toMatchObject({ code: "CREDENTIAL_NOT_FOUND", credential: "temp" });
    expect((await p.call("GET", "/v1/credentials/temp")).status).toBe(404);
  });
});

describe("credential validation", () => {
  it.each([
    ["bad name!", "INVALID_CREDENTIAL_NAME"],
    ["a".repeat(65), "INVALID_CREDENTIAL_NAME"],
    ["key", "CREDENTIAL_NAME_RESERVED"],
  ])("rejects the name %j with %s", async (name, code) => {
    const res = await put(name, await sealCredential(p.encryptionKey, name, "x"));
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ code, field: "name" });
  });

  it("rejects an iv that is not 12 bytes, and non-base64 ciphertext, naming the field", async () => {
    const good = await sealCredential(p.encryptionKey, "n1", "x");
    const badIv = await put("n1", { ...good, iv: Buffer.alloc(16).toString("base64") });
    expect(badIv.status).toBe(400);
    expect(await errorOf(badIv)).toMatchObject({ code: "INVALID_ENVELOPE", field: "iv" });
    const badCt = await put("n1", { ...good, encrypted: "not base64!" });
    expect(await errorOf(badCt)).toMatchObject({ code: "INVALID_ENVELOPE", field: "encrypted" });
    const otherName = await put("n1", { ...good, name: "n2" });
    expect(await errorOf(otherName)).toMatchObject({ code: "CREDENTIAL_NAME_MISMATCH" });
  });

  it("refuses a plaintext `value` field without echoing it", async () => {
    const res = await put("plain", { value: SECRET, encrypted: "AAAA", iv: "AAAA" });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(JSON.parse(text).error.code).toBe("VALIDATION_FAILED");
    expect(text).not.toContain(SECRET);
  });

  it("answers 409 CREDENTIAL_KEY_MISMATCH with the credential and the fix when the client key is not the platform's", async () => {
    const otherKey = randomBytes(32).toString("base64");
    const res = await put("stripe", await sealCredential(otherKey, "stripe", SECRET));
    expect(res.status).toBe(409);
    const text = await res.text();
    expect(text).not.toContain(SECRET);
    const err = JSON.parse(text).error;
    expect(err).toMatchObject({ code: "CREDENTIAL_KEY_MISMATCH", credential: "stripe", platform_kids: [kid] });
    expect(err.message).toContain('"stripe"');
    expect(err.fix).toMatch(/ARCRUN_ENCRYPTION_KEY/);
    expect((await p.call("GET", "/v1/credentials/stripe")).status).toBe(404);
  });

  it("a ciphertext moved to another name is stored but never decrypts (AAD binds the name)", async () => {
    const sealed = await sealCredential(p.encryptionKey, "original", SECRET);
    const res = await put("moved", { encrypted: sealed.encrypted, iv: sealed.iv, kid: sealed.kid });
    expect(res.status).toBe(201);
    const check = await verifyCredential(p, "moved", SECRET);
    expect(check).toMatchObject({ status: 409, code: "CREDENTIAL_KEY_MISMATCH" });
  });
});

describe("tenant isolation and secrecy", () => {
  it("another API key sees none of these credentials and cannot decrypt them (CREDENTIAL_NOT_FOUND)", async () => {
    const b = await p.newKey("user");
    const list = await fetch(`${p.url}/v1/credentials`, { headers: { authorization: `Bearer ${b.apiKey}` } });
    expect(await list.json()).toEqual({ credentials: [] });
    const get = await fetch(`${p.url}/v1/credentials/github?envelope=1`, {
      headers: { authorization: `Bearer ${b.apiKey}` },
    });
    expect(get.status).toBe(404);
    expect(await verifyCredential(p, "github", SECRET, b.apiKey)).toMatchObject({
      status: 404,
      code: "CREDENTIAL_NOT_FOUND",
    });
    // B's own credential of the same name is independent of A's.
    expect((await put("github", await sealCredential(p.encryptionKey, "github", "b-secret"), b.apiKey)).status).toBe(
      201,
    );
    expect(await verifyCredential(p, "github", SECRET)).toEqual({ status: 200, match: true });
  });

  it("no KV value or key, and no line of output, contains the plaintext after set + use", async () => {
    // Use it in a stored workflow too, so execution records and run state are part of the dump.
    await deploySigningWorkflow(p, p.apiKey, "github");
    const run = await runSigningWorkflow(p, p.apiKey, "github", "dump-check");
    expect(run.result, run.text).toBe(expectedHmac(SECRET, "dump-check"));
    expect(run.text).not.toContain(SECRET);
    const dump = await allKvValues(p);
    expect(dump.join("\n")).toContain(signingWorkflowName("github"));
    expect(dump.length).toBeGreaterThan(0);
    for (const entry of dump) expect(entry).not.toContain(SECRET);
    expect(dump.join("\n")).toContain(":cred:github");
    expect(output.join("")).not.toContain(SECRET);
  });
});
