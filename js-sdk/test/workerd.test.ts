import { readdirSync } from "node:fs";
import { join } from "node:path";
import { Log, LogLevel, Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import vectors from "../../registry/testdata/crypto-vectors.json";

// The built @arcrun/sdk (js-sdk/dist) loaded as-is into a Worker on workerd: the SDK needs nothing but
// Web Crypto, fetch and atob/btoa, so it runs in Workers (and browsers) as well as in Node.
const root = join(__dirname, "..");
const worker = `
import { decryptCredential, encryptCredential, fromBase64, keyId } from "./dist/index.js";
export default {
  async fetch(request) {
    const { op, key, name, plaintext, iv, envelope } = await request.json();
    try {
      if (op === "encrypt") return Response.json(await encryptCredential(key, name, plaintext, { iv: fromBase64(iv) }));
      if (op === "decrypt") return Response.json({ plaintext: await decryptCredential(key, envelope) });
      return Response.json({ kid: await keyId(key) });
    } catch (err) {
      return Response.json({ error: { code: err.code, message: err.message } }, { status: 409 });
    }
  },
};`;

let mf: Miniflare;
beforeAll(async () => {
  const dist = readdirSync(join(root, "dist")).filter((f) => f.endsWith(".js"));
  mf = new Miniflare({
    modules: [
      { type: "ESModule", path: join(root, "worker.js"), contents: worker },
      ...dist.map((f) => ({ type: "ESModule" as const, path: join(root, "dist", f) })),
    ],
    modulesRoot: root,
    compatibilityDate: "2026-04-01",
    log: new Log(LogLevel.WARN),
  });
  await mf.ready;
});
afterAll(() => mf?.dispose());

const call = async (body: unknown) => {
  const res = await mf.dispatchFetch("http://sdk.test/", { method: "POST", body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe("@arcrun/sdk inside workerd", () => {
  it("derives the vectors' key ids", async () => {
    for (const k of vectors.keys) expect((await call({ op: "kid", key: k.key })).body).toEqual({ kid: k.kid });
  });

  it.each(vectors.positive)("$description: same envelope as the vector, and back", async (v) => {
    const enc = await call({ op: "encrypt", key: v.key, name: v.name, plaintext: v.plaintext, iv: v.envelope.iv });
    expect(enc.body).toEqual(v.envelope);
    expect((await call({ op: "decrypt", key: v.key, envelope: v.envelope })).body).toEqual({ plaintext: v.plaintext });
  });

  it.each(vectors.negative)("$description: CREDENTIAL_KEY_MISMATCH", async (v) => {
    const res = await call({ op: "decrypt", key: v.key, envelope: v.envelope });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: { code: "CREDENTIAL_KEY_MISMATCH" } });
  });
});
