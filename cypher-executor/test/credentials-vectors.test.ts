import { afterAll, beforeAll, describe, expect, it } from "vitest";
import vectors from "../../registry/testdata/crypto-vectors.json";
import { keyId, openCredential, sealCredential } from "../src/credentials/envelope";
import { verifyCredential } from "./support/credentials";
import { startTestPlatform, type TestPlatform } from "./support/platform";

// The same vectors are read by the JS SDK (js-sdk/test) and the Python SDK (python-sdk/tests).
const keyA = vectors.keys[0]!.key;
const keyB = vectors.keys[1]!.key;
const b64ToBytes = (s: string) => Uint8Array.from(Buffer.from(s, "base64"));

describe("envelope.ts in Node matches the shared vectors", () => {
  it("derives each key's kid", async () => {
    for (const k of vectors.keys) expect(await keyId(k.key)).toBe(k.kid);
  });

  it.each(vectors.positive)(
    "$description: seal with the fixed iv gives the vector, open gives the plaintext",
    async (v) => {
      const sealed = await sealCredential(v.key, v.name, v.plaintext, b64ToBytes(v.envelope.iv));
      expect(sealed).toEqual(v.envelope);
      expect(await openCredential(v.key, v.envelope)).toBe(v.plaintext);
    },
  );

  it.each(vectors.negative)("$description: refuses to open", async (v) => {
    await expect(openCredential(v.key, v.envelope)).rejects.toThrow();
  });
});

describe("the executor on workerd agrees with the shared vectors", () => {
  let a: TestPlatform;
  let b: TestPlatform;
  beforeAll(async () => {
    [a, b] = await Promise.all([
      startTestPlatform({ encryptionKey: keyA }),
      startTestPlatform({ encryptionKey: keyB }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([a?.dispose(), b?.dispose()]);
  });

  it("reports the vector key's kid", async () => {
    expect(await (await a.call("GET", "/v1/credentials/key")).json()).toMatchObject({
      kid: vectors.keys[0]!.kid,
      next_kid: null,
    });
  });

  it.each(vectors.positive)("$description: decrypts inside workerd to the plaintext", async (v) => {
    expect((await a.call("PUT", `/v1/credentials/${v.name}`, v.envelope)).status).toBe(201);
    expect(await verifyCredential(a, v.name, v.plaintext)).toEqual({ status: 200, match: true });
  });

  it.each(vectors.negative.filter((v) => v.reason !== "wrong_key"))(
    "$description: workerd answers CREDENTIAL_KEY_MISMATCH naming the credential",
    async (v) => {
      const name = v.envelope.name;
      const { encrypted, iv, kid } = v.envelope;
      const put = await a.call("PUT", `/v1/credentials/${name}`, { encrypted, iv, kid });
      expect(put.status).toBeLessThan(300);
      const res = await verifyCredential(a, name, "ghp_secretvalue");
      expect(res).toMatchObject({ status: 409, code: "CREDENTIAL_KEY_MISMATCH" });
      expect(res.message).toContain(`"${name}"`);
    },
  );

  it("wrong key: a platform holding key B refuses key A's envelope (409 at upload, and at decrypt without kid)", async () => {
    const v = vectors.negative.find((n) => n.reason === "wrong_key")!;
    const withKid = await b.call("PUT", `/v1/credentials/${v.envelope.name}`, v.envelope);
    expect(withKid.status).toBe(409);
    const { encrypted, iv } = v.envelope;
    expect((await b.call("PUT", `/v1/credentials/${v.envelope.name}`, { encrypted, iv })).status).toBe(201);
    expect(await verifyCredential(b, v.envelope.name, "ghp_secretvalue")).toMatchObject({
      status: 409,
      code: "CREDENTIAL_KEY_MISMATCH",
    });
  });
});
