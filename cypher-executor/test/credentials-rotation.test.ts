import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reloadOnSecretsChange } from "../../cli/src/commands/credential-local";
import { localKeyInstaller, rotateKey } from "../../cli/src/commands/credential-rotate";
import { ArcrunClient, keyId } from "../../js-sdk/src/index";
import { verifyCredential } from "./support/credentials";
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
});
afterAll(async () => {
  stopWatching?.();
  await p?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** Every credential of both tenants decrypts, inside workerd, to its exact secret. */
async function allDecrypt(step: string): Promise<void> {
  for (const [id, s] of Object.entries(secrets)) {
    const name = id.split("/")[1]!;
    const res = await verifyCredential(p, name, s.value, s.apiKey);
    expect(res, `${id} at step "${step}"`).toEqual({ status: 200, match: true });
  }
}

describe("acr credential rotate-key on the local platform", () => {
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
    expect(await admin.platformKey()).toEqual({
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
    expect(await admin.platformKey()).toEqual({ kid: newKid, next_kid: null, usage: { [newKid]: 4 } });
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
