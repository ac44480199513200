// platform_crypto beyond cases.json: outputs that are random (UUID v4, random bytes) and an HMAC whose key
// is a stored credential, decrypted by the host for the call only. Runs the real wasm in workerd.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sealCredential } from "../../../cypher-executor/src/credentials/envelope";
import { startTestPlatform, type TestPlatform } from "../../../cypher-executor/test/support/platform";

interface Call {
  status: string;
  data?: { result: unknown; valid?: boolean };
  error?: { code: string; message: string };
}

let p: TestPlatform;
const call = async (input: unknown): Promise<Call> =>
  (await (await p.call("POST", "/v1/components/platform_crypto/call", { input })).json()) as Call;

beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(() => p?.dispose());

describe("platform_crypto randomness", () => {
  it("answers distinct RFC 9562 version-4 UUIDs", async () => {
    const r = await call({ op: "uuid", count: 200 });
    expect(r.status).toBe("succeeded");
    const ids = r.data?.result as string[];
    expect(ids).toHaveLength(200);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(200);
  });

  it("answers random bytes of the asked length, different each call", async () => {
    const a = await call({ op: "random_bytes", length: 32 });
    const b = await call({ op: "random_bytes", length: 32 });
    expect(a.data?.result).toMatch(/^[0-9a-f]{64}$/);
    expect(b.data?.result).toMatch(/^[0-9a-f]{64}$/);
    expect(a.data?.result).not.toBe(b.data?.result);
    const c = await call({ op: "random_bytes", length: 10, encoding: "base64url" });
    expect(Buffer.from(c.data?.result as string, "base64url")).toHaveLength(10);
  });
});

describe("platform_crypto HMAC with a stored credential", () => {
  const secret = "Jefe-but-stored-as-a-credential";

  beforeAll(async () => {
    const envelope = await sealCredential(p.encryptionKey, "hook_secret", secret);
    const put = await p.call("PUT", "/v1/credentials/hook_secret", envelope);
    expect(put.status).toBe(201);
  });

  it("signs with the decrypted key and never returns it", async () => {
    const { createHmac } = await import("node:crypto");
    const want = createHmac("sha256", secret).update("payload").digest("hex");
    const res = await p.call("POST", "/v1/components/platform_crypto/call", {
      input: { op: "hmac", key_credential: "hook_secret", value: "payload", expected: `sha256=${want}` },
    });
    const text = await res.text();
    expect(text).not.toContain(secret);
    const r = JSON.parse(text) as Call;
    expect(r.status).toBe("succeeded");
    expect(r.data).toEqual({ result: want, valid: true });
  });

  it("another tenant cannot use the credential", async () => {
    const other = await p.newKey();
    const res = await fetch(`${p.url}/v1/components/platform_crypto/call`, {
      method: "POST",
      headers: { authorization: `Bearer ${other.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ input: { op: "hmac", key_credential: "hook_secret", value: "payload" } }),
    });
    const r = (await res.json()) as Call;
    expect(r.status).toBe("failed");
    expect(r.error?.code).toBe("CREDENTIAL_NOT_FOUND");
  });
});
