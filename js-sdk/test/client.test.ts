import { createHmac, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyCredential } from "../../cypher-executor/test/support/credentials";
import { startTestPlatform, type TestPlatform } from "../../cypher-executor/test/support/platform";
import { ArcrunClient, generateKey, keyId } from "../src/index";

// The real executor on workerd; the SDK talks to it over HTTP on 127.0.0.1.
let p: TestPlatform;
let arc: ArcrunClient;
beforeAll(async () => {
  p = await startTestPlatform();
  arc = new ArcrunClient({ url: `${p.url}/`, apiKey: p.apiKey, encryptionKey: p.encryptionKey });
});
afterAll(() => p?.dispose());

describe("ArcrunClient", () => {
  it("whoami names the caller's namespace", async () => {
    expect(await arc.whoami()).toMatchObject({ ns: p.ns, role: "admin" });
  });

  it("puts a credential encrypted locally that the platform decrypts host-side; lists and deletes it", async () => {
    const secret = `tok_${randomBytes(8).toString("hex")}`;
    const info = await arc.credentials.put("slack", secret);
    expect(info).toMatchObject({ name: "slack", kid: await keyId(p.encryptionKey) });
    expect(await verifyCredential(p, "slack", secret)).toEqual({ status: 200, match: true });
    expect((await arc.credentials.list()).map((c) => c.name)).toContain("slack");
    expect((await arc.credentials.envelope("slack")).name).toBe("slack");
    await arc.credentials.delete("slack");
    await expect(arc.credentials.get("slack")).rejects.toMatchObject({ status: 404, code: "CREDENTIAL_NOT_FOUND" });
  });

  it("a wrong local key fails with CREDENTIAL_KEY_MISMATCH naming the credential, and stores nothing", async () => {
    const wrong = new ArcrunClient({ url: p.url, apiKey: p.apiKey, encryptionKey: generateKey() });
    expect(await wrong.credentials.keyMatches()).toBe(false);
    expect(await arc.credentials.keyMatches()).toBe(true);
    const err = await wrong.credentials.put("openai", "sk-x").catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 409, code: "CREDENTIAL_KEY_MISMATCH" });
    expect((err as Error).message).toContain('"openai"');
    await expect(arc.credentials.get("openai")).rejects.toMatchObject({ code: "CREDENTIAL_NOT_FOUND" });
  });

  it("without an encryption key, put explains what is missing", async () => {
    const bare = new ArcrunClient({ url: p.url, apiKey: p.apiKey });
    await expect(bare.credentials.put("x", "y")).rejects.toMatchObject({ code: "ENCRYPTION_KEY_MISSING" });
  });

  it("deploys and runs a workflow that signs with a credential; the run never shows the secret", async () => {
    const secret = `whsec_${randomBytes(8).toString("hex")}`;
    await arc.credentials.put("signing", secret);
    const yaml = [
      "name: sign_it",
      "flow:",
      '  - "input >> ON_SUCCESS >> sign"',
      "config:",
      '  sign: { component: platform_crypto, op: hmac, algorithm: sha256, key_credential: signing, value: "{{ input.message }}" }',
      "",
    ].join("\n");
    expect(await arc.workflows.deploy("sign_it", yaml)).toMatchObject({ name: "sign_it", version: 1 });
    const run = (await arc.runs.create("sign_it", { message: "hi" })) as { status: string; output: { result: string } };
    expect(run.status).toBe("succeeded");
    expect(run.output.result).toBe(createHmac("sha256", secret).update("hi").digest("hex"));
    expect(JSON.stringify(run)).not.toContain(secret);
  });

  it("an unreachable platform is an ArcrunError UNREACHABLE naming the URL", async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    const gone = new ArcrunClient({ url: `http://127.0.0.1:${port}`, apiKey: "acr_x" });
    await expect(gone.whoami()).rejects.toMatchObject({
      code: "UNREACHABLE",
      message: expect.stringContaining(`http://127.0.0.1:${port}`),
    });
  });

  it("a bad API key is an ArcrunError UNAUTHORIZED", async () => {
    const bad = new ArcrunClient({ url: p.url, apiKey: "acr_nope" });
    await expect(bad.whoami()).rejects.toMatchObject({ status: 401, code: "UNAUTHORIZED" });
  });
});
