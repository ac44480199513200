import { readdirSync } from "node:fs";
import { join } from "node:path";
import { Log, LogLevel, Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyCredential } from "../../cypher-executor/test/support/credentials";
import { startTestPlatform } from "../../cypher-executor/test/support/platform";
import vectors from "../../registry/testdata/crypto-vectors.json";

// The built @arcrun/sdk (js-sdk/dist) loaded as-is into a Worker on workerd: the SDK needs nothing but
// Web Crypto, fetch and atob/btoa, so it runs in Workers (and browsers) as well as in Node.
const root = join(__dirname, "..");
const worker = `
import { ArcrunClient, decryptCredential, encryptCredential, fromBase64, keyId } from "./dist/index.js";
export default {
  async fetch(request) {
    const { op, key, name, plaintext, iv, envelope, url, apiKey } = await request.json();
    try {
      if (op === "client") {
        const arc = new ArcrunClient({ url, apiKey, encryptionKey: key });
        await arc.credentials.set(name, plaintext);
        const missing = await arc.workflows.get("nope").catch((e) => ({ kind: e.name, code: e.code }));
        await arc.workflows.deploy("in_worker", 'name: in_worker\\nflow: ["input >> ON_SUCCESS >> greet"]\\nconfig: { greet: { component: set, values: { message: "Hi {{ input.name }}" } } }\\n');
        const run = await arc.runs.create("in_worker", { name: "workerd" });
        const ids = [];
        for await (const ex of arc.executions.iterate({ workflow: "in_worker", limit: 1 })) ids.push(ex.id);
        const listed = ids.includes(run.execution_id);
        return Response.json({ whoami: await arc.whoami(), credentials: await arc.credentials.list(), missing, output: run.output, listed });
      }
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
  const dist = (readdirSync(join(root, "dist"), { recursive: true }) as string[]).filter((f) => f.endsWith(".js"));
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

describe("ArcrunClient inside workerd", () => {
  it("calls the real platform: sets a credential encrypted in the Worker, lists it, deploys, runs and pages, maps a 404 to NotFoundError", async () => {
    const p = await startTestPlatform();
    try {
      const res = await call({
        op: "client",
        url: p.url,
        apiKey: p.apiKey,
        key: p.encryptionKey,
        name: "from_worker",
        plaintext: "s3cr3t",
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        whoami: { ns: p.ns },
        missing: { kind: "NotFoundError", code: "WORKFLOW_NOT_FOUND" },
        output: { message: "Hi workerd" },
        listed: true,
      });
      expect(JSON.stringify(res.body.credentials)).toContain("from_worker");
      expect(await verifyCredential(p, "from_worker", "s3cr3t")).toEqual({ status: 200, match: true });
    } finally {
      await p.dispose();
    }
  });
});
