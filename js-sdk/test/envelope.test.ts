import { describe, expect, it } from "vitest";
import vectors from "../../registry/testdata/crypto-vectors.json";
import { decryptCredential, encryptCredential, fromBase64, generateKey, keyId } from "../src/index";

describe("@arcrun/sdk envelope: the shared vectors", () => {
  it("derives each key's kid", async () => {
    for (const k of vectors.keys) expect(await keyId(k.key)).toBe(k.kid);
  });

  it.each(vectors.positive)("$description: encrypt with the fixed iv gives the vector", async (v) => {
    expect(await encryptCredential(v.key, v.name, v.plaintext, { iv: fromBase64(v.envelope.iv) })).toEqual(v.envelope);
    expect(await decryptCredential(v.key, v.envelope)).toBe(v.plaintext);
  });

  it.each(vectors.negative)("$description: CREDENTIAL_KEY_MISMATCH naming the credential", async (v) => {
    await expect(decryptCredential(v.key, v.envelope)).rejects.toMatchObject({
      code: "CREDENTIAL_KEY_MISMATCH",
      message: expect.stringContaining(`"${v.envelope.name}"`),
    });
  });
});

describe("@arcrun/sdk envelope: keys and ivs", () => {
  it("uses a fresh 12-byte iv each time", async () => {
    const key = generateKey();
    const a = await encryptCredential(key, "n", "same");
    const b = await encryptCredential(key, "n", "same");
    expect(fromBase64(a.iv)).toHaveLength(12);
    expect(a.iv).not.toBe(b.iv);
    expect(a.encrypted).not.toBe(b.encrypted);
  });

  it("refuses a key that is not 32 bytes of base64, saying so", async () => {
    await expect(encryptCredential(btoa("short"), "n", "x")).rejects.toMatchObject({
      code: "INVALID_ENCRYPTION_KEY",
      message: expect.stringContaining("32 bytes"),
    });
    await expect(keyId("%%%")).rejects.toMatchObject({ code: "INVALID_ENCRYPTION_KEY" });
  });
});
