import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ArcrunClient, keyId } from "@arcrun/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CloudflareApi } from "../../cli/src/cloudflare/index";
import { reloadOnSecretsChange } from "../../cli/src/commands/credential-local";
import { cloudflareKeyInstaller, localKeyInstaller, rotateKey } from "../../cli/src/commands/credential-rotate";
import { deploySigningWorkflow, expectedHmac, runSigningWorkflow, verifyCredential } from "./support/credentials";
import { startTestPlatform, type TestPlatform } from "./support/platform";

// Key rotation on the real platform: the CLI's rotation engine edits the local secrets file, the running
// platform reloads it in place (as under `acr dev`), and every credential of every tenant is decrypted
// inside workerd between every two steps.
let p: TestPlatform;
let dir: string;
let secretsFile: string;
let stopWatching: () => void;
const oldKey = randomBytes(32).toString("base64");
const secrets: Record<string, { apiKey: string; value: string }> = {};
let admin: ArcrunClient;
let user: ArcrunClient;
let userKey: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "arcrun-rotate-"));
  secretsFile = join(dir, "secrets.json");
  const adminToken = `adm_${randomBytes(16).toString("hex")}`;
  writeFileSync(secretsFile, JSON.stringify({ encryptionKey: oldKey, adminToken }), { mode: 0o600 });
  p = await startTestPlatform({ encryptionKey: oldKey, adminToken });
  stopWatching = reloadOnSecretsChange(secretsFile, p.platform);
  admin = new ArcrunClient({ url: p.url, apiKey: p.apiKey, encryptionKey: oldKey });
  userKey = (await p.newKey("user")).apiKey;
  user = new ArcrunClient({ url: p.url, apiKey: userKey, encryptionKey: oldKey });
  for (const name of ["github", "openai", "stripe.live"]) {
    secrets[`admin/${name}`] = { apiKey: p.apiKey, value: `${name}-${randomBytes(8).toString("hex")}` };
    await admin.credentials.put(name, secrets[`admin/${name}`]!.value);
  }
  secrets["user/github"] = { apiKey: userKey, value: `user-${randomBytes(8).toString("hex")}` };
  await user.credentials.put("github", secrets["user/github"]!.value);
  for (const [id, s] of Object.entries(secrets)) await deploySigningWorkflow(p, s.apiKey, id.split("/")[1]!);
});
afterAll(async () => {
  stopWatching?.();
  await p?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** Every credential of both tenants decrypts inside workerd to its exact secret, and its workflow runs. */
async function allDecrypt(step: string): Promise<void> {
  for (const [id, s] of Object.entries(secrets)) {
    const name = id.split("/")[1]!;
    const res = await verifyCredential(p, name, s.value, s.apiKey);
    expect(res, `${id} at step "${step}"`).toEqual({ status: 200, match: true });
    // And as a workflow uses it: a stored workflow whose step signs with the credential, run for real.
    const run = await runSigningWorkflow(p, s.apiKey, name, step);
    expect(run.status, `${id}'s workflow at step "${step}": ${run.text}`).toBe("succeeded");
    expect(run.result, `${id}'s workflow at step "${step}"`).toBe(expectedHmac(s.value, step));
    expect(run.text).not.toContain(s.value);
  }
}

// Many real runs per step on a shared 2-core machine: generous limits (no timing is asserted).
describe("acr credential rotate-key on the local platform", { timeout: 240_000 }, () => {
  const steps: string[] = [];

  it("stops before promotion while another API key's credential still uses the old key, decrypting throughout", async () => {
    await allDecrypt("start");
    const err = await rotateKey({
      client: admin,
      oldKey,
      installer: localKeyInstaller(secretsFile),
      onStep: async (m) => {
        steps.push(m);
        await allDecrypt(m);
      },
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/1 credential\(s\) of other API keys still use the old key/);
    const pending = JSON.parse(readFileSync(secretsFile, "utf8")) as {
      encryptionKey: string;
      encryptionKeyNext: string;
    };
    expect(pending.encryptionKey).toBe(oldKey);
    const newKid = await keyId(pending.encryptionKeyNext);
    expect(await admin.platformKey({ usage: true })).toEqual({
      kid: await keyId(oldKey),
      next_kid: newKid,
      usage: { [newKid]: 3, [await keyId(oldKey)]: 1 },
    });
    expect(steps.filter((s) => s.startsWith("re-encrypted"))).toHaveLength(3);
    await allDecrypt("after the refused promotion");
  });

  it("the other API key resumes with the pending key and re-encrypts its own; a user key cannot promote", async () => {
    const err = await rotateKey({
      client: user,
      oldKey,
      installer: localKeyInstaller(secretsFile),
      onStep: (m) => allDecrypt(m),
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/Only an admin API key/);
    await allDecrypt("after the user's re-encryption");
  });

  it("the admin run then promotes; old key retired, every credential still decrypts", async () => {
    const report = await rotateKey({
      client: admin,
      oldKey,
      installer: localKeyInstaller(secretsFile),
      onStep: (m) => allDecrypt(m),
    });
    expect(report.resumed).toBe(true);
    expect(report.reencrypted).toEqual([]);
    const final = JSON.parse(readFileSync(secretsFile, "utf8")) as Record<string, string>;
    expect(Object.keys(final).sort()).toEqual(["adminToken", "encryptionKey"]);
    expect(final.encryptionKey).not.toBe(oldKey);
    const newKid = await keyId(final.encryptionKey!);
    expect(await admin.platformKey({ usage: true })).toEqual({ kid: newKid, next_kid: null, usage: { [newKid]: 4 } });
    await allDecrypt("after promotion");

    // The old key is now a wrong key: uploads with it are refused, naming the credential.
    await expect(admin.credentials.put("late", "x")).rejects.toMatchObject({
      status: 409,
      code: "CREDENTIAL_KEY_MISMATCH",
      message: expect.stringContaining('"late"'),
    });
    const fresh = new ArcrunClient({ url: p.url, apiKey: p.apiKey, encryptionKey: final.encryptionKey! });
    expect((await fresh.credentials.put("late", "x")).kid).toBe(newKid);
  });
});

/**
 * The Cloudflare API cannot be reached here, so the three Worker-secret endpoints rotation uses are played
 * by a local HTTP server with Cloudflare's envelope `{ success, errors, messages, result }`. As on Cloudflare,
 * each secret change redeploys the Worker: here, it swaps the bindings of the real executor on workerd.
 */
async function startSecretsApi(platform: TestPlatform, accountId: string, script: string) {
  const secrets = new Map<string, string>([
    ["ENCRYPTION_KEY", platform.encryptionKey],
    ["ADMIN_TOKEN", platform.adminToken],
  ]);
  const calls: string[] = [];
  const redeploy = () =>
    platform.platform.setSecrets({
      encryptionKey: secrets.get("ENCRYPTION_KEY") ?? "",
      adminToken: secrets.get("ADMIN_TOKEN") ?? "",
      ...(secrets.has("ENCRYPTION_KEY_NEXT") ? { encryptionKeyNext: secrets.get("ENCRYPTION_KEY_NEXT")! } : {}),
    });
  const base = `/accounts/${accountId}/workers/scripts/${script}/secrets`;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const reply = (status: number, body: object) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify({ messages: [], ...body }));
    };
    calls.push(`${req.method} ${req.url}`);
    if (req.headers.authorization !== "Bearer cf-test-token") {
      return reply(403, { success: false, errors: [{ code: 10000, message: "Authentication error" }], result: null });
    }
    if (req.method === "PUT" && req.url === base) {
      const b = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { name: string; text: string; type: string };
      if (!b.name || typeof b.text !== "string" || b.type !== "secret_text") {
        return reply(400, { success: false, errors: [{ code: 10021, message: "name, text and type required" }] });
      }
      secrets.set(b.name, b.text);
      await redeploy();
      return reply(200, { success: true, errors: [], result: { name: b.name, type: "secret_text" } });
    }
    const del = req.method === "DELETE" && req.url?.startsWith(`${base}/`) ? req.url.slice(base.length + 1) : null;
    if (del) {
      if (!secrets.delete(decodeURIComponent(del))) {
        return reply(404, { success: false, errors: [{ code: 10056, message: "secret not found" }], result: null });
      }
      await redeploy();
      return reply(200, { success: true, errors: [], result: null });
    }
    return reply(404, { success: false, errors: [{ code: 7003, message: "No route for that URI" }], result: null });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, secrets, calls, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe("acr credential rotate-key on Cloudflare (Worker secrets through the API)", { timeout: 240_000 }, () => {
  it("installs ENCRYPTION_KEY_NEXT, re-encrypts, promotes and deletes NEXT; decrypting at every step", async () => {
    const cfPlatform = await startTestPlatform();
    const accountId = "0123456789abcdef0123456789abcdef";
    const api = await startSecretsApi(cfPlatform, accountId, "arcrun-cypher-executor");
    const configFile = join(dir, "config.yaml");
    const oldCfKey = cfPlatform.encryptionKey;
    writeFileSync(configFile, `account_id: ${accountId}\nprefix: arcrun\nencryption_key: ${oldCfKey}\n`);
    try {
      const client = new ArcrunClient({ url: cfPlatform.url, apiKey: cfPlatform.apiKey, encryptionKey: oldCfKey });
      await client.credentials.put("notion", "secret_notion_value");
      await deploySigningWorkflow(cfPlatform, cfPlatform.apiKey, "notion");
      const check = async (step: string) => {
        expect(await verifyCredential(cfPlatform, "notion", "secret_notion_value"), step).toEqual({
          status: 200,
          match: true,
        });
        const run = await runSigningWorkflow(cfPlatform, cfPlatform.apiKey, "notion", step);
        expect(run.result, `workflow at step "${step}": ${run.text}`).toBe(expectedHmac("secret_notion_value", step));
      };
      const cf = new CloudflareApi({ accountId, apiToken: "cf-test-token", baseUrl: api.url });
      const report = await rotateKey({
        client,
        oldKey: oldCfKey,
        installer: cloudflareKeyInstaller(cf, "arcrun-cypher-executor", configFile),
        onStep: check,
      });
      expect(report.reencrypted).toEqual(["notion"]);
      const secretsPath = `/accounts/${accountId}/workers/scripts/arcrun-cypher-executor/secrets`;
      expect(api.calls).toEqual([
        `PUT ${secretsPath}`,
        `PUT ${secretsPath}`,
        `DELETE ${secretsPath}/ENCRYPTION_KEY_NEXT`,
      ]);
      expect([...api.secrets.keys()].sort()).toEqual(["ADMIN_TOKEN", "ENCRYPTION_KEY"]);
      const newKey = api.secrets.get("ENCRYPTION_KEY")!;
      expect(await keyId(newKey)).toBe(report.newKid);
      // The client's copy followed, and the pending key was cleared.
      const cfg = readFileSync(configFile, "utf8");
      expect(cfg).toContain(`encryption_key: ${newKey}`);
      expect(cfg).not.toContain("encryption_key_next");
      await check("after the rotation");
    } finally {
      await api.close();
      await cfPlatform.dispose();
    }
  });
});
