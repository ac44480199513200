import { type ArcrunClient, ArcrunError, decryptCredential, encryptCredential, generateKey, keyId } from "@arcrun/sdk";
import { type CloudflareApi, CloudflareApiError, putSecret } from "../cloudflare/index.js";
import { readUserConfig, userConfigPath, writeUserConfig } from "../config/index.js";
import { type LocalSecrets, readSecrets, saveSecrets } from "../platform/secrets.js";
import { UserError } from "../ui/errors.js";

/**
 * Where the platform's keys live and how to change them. Every method is idempotent, so a rotation
 * cut off at any point is finished by running `acr credential rotate-key` again.
 */
export interface KeyInstaller {
  /** For messages: "the local platform (…/secrets.json)" or "Worker arcrun-cypher-executor". */
  where: string;
  /** The new key a previous, cut-off run generated (kept so it is never lost). */
  pendingNextKey(): string | undefined;
  /** Saves the new key on this machine BEFORE it goes anywhere else. */
  rememberNextKey(key: string): Promise<void>;
  /** Makes the platform accept the new key too (ENCRYPTION_KEY_NEXT). */
  installNext(key: string): Promise<void>;
  /** ENCRYPTION_KEY := key, ENCRYPTION_KEY_NEXT dropped, the client's own key := key. */
  promote(key: string): Promise<void>;
}

export interface RotationReport {
  oldKid: string;
  newKid: string;
  reencrypted: string[];
  resumed: boolean;
}

interface KeyStatus {
  kid: string | null;
  next_kid: string | null;
  usage?: Record<string, number>;
}

/**
 * Rotates the platform's encryption key with no moment where a stored credential cannot be decrypted:
 * 1. the new key is saved locally, then installed as ENCRYPTION_KEY_NEXT (both keys now decrypt, by kid);
 * 2. every credential of this API key is re-encrypted ON THIS MACHINE: the envelope is fetched, opened
 *    with the old key, sealed with the new one and uploaded (no plaintext crosses the network);
 * 3. promotion is refused while any credential (of any API key, admin view) still uses the old key;
 * 4. ENCRYPTION_KEY := new key, ENCRYPTION_KEY_NEXT removed.
 *
 * @example
 * await rotateKey({ client, oldKey, installer: localKeyInstaller(secretsFile) });
 */
export async function rotateKey(opts: {
  client: ArcrunClient;
  oldKey: string;
  installer: KeyInstaller;
  force?: boolean;
  timeoutMs?: number;
  /** Called at each step; awaited, so a caller (or a test) can act between steps. */
  onStep?: (message: string) => void | Promise<void>;
}): Promise<RotationReport> {
  const { client, oldKey, installer } = opts;
  const step = opts.onStep ?? (() => {});
  const oldKid = await keyId(oldKey);
  const pending = installer.pendingNextKey();
  const newKey = pending ?? generateKey();
  const newKid = await keyId(newKey);
  let status = await client.platformKey();

  if (status.kid === newKid) {
    // A previous run promoted the key but was cut off before cleaning up: finish it.
    await step(`the platform already uses key ${newKid}; finishing the promotion`);
    await installer.promote(newKey);
    return { oldKid, newKid, reencrypted: [], resumed: true };
  }
  if (status.kid !== oldKid) {
    throw new UserError(
      `Your local encryption key (${oldKid}) is not the platform's key (${status.kid ?? "none"}): CREDENTIAL_KEY_MISMATCH`,
      "Use the platform's key (ARCRUN_ENCRYPTION_KEY, or encryption_key in ~/.arcrun/config.yaml) and run again",
    );
  }
  if (status.next_kid && status.next_kid !== newKid) {
    throw new UserError(
      `Another rotation is in progress on the platform (next key ${status.next_kid}) and this machine does not hold that key`,
      "Finish it from the machine that started it, or remove ENCRYPTION_KEY_NEXT from the Worker",
    );
  }

  // Steps are reported BEFORE each change: under `acr dev` a change restarts workerd for a moment.
  await step(
    `${pending ? "resuming with" : "generated"} new key ${newKid}: saving it locally, then installing it as ENCRYPTION_KEY_NEXT on ${installer.where}`,
  );
  await installer.rememberNextKey(newKey);
  if (status.next_kid !== newKid) {
    await installer.installNext(newKey);
    status = await waitFor(client, (s) => s.kid === oldKid && s.next_kid === newKid, installer, opts.timeoutMs);
  }
  await step(`the platform accepts keys ${oldKid} and ${newKid}`);

  const reencrypted = await reencryptAll(client, oldKey, newKey, newKid, step);

  status = await client.platformKey({ usage: true });
  const remaining = Object.entries(status.usage ?? {}).filter(([kid, n]) => kid !== newKid && n > 0);
  if (!opts.force) {
    if (!status.usage) {
      throw new UserError(
        "Only an admin API key can confirm that no credential of another API key still needs the old key",
        "Run again with an admin key, or with --force if this is the only API key with credentials",
      );
    }
    if (remaining.length > 0) {
      const count = remaining.reduce((n, [, c]) => n + c, 0);
      throw new UserError(
        `${count} credential(s) of other API keys still use the old key (${remaining.map(([k, n]) => `${k}: ${n}`).join(", ")}); key ${newKid} is installed but not promoted`,
        "Run `acr credential rotate-key` once with each of those API keys (ARCRUN_API_KEY=…), then again here; --force promotes anyway and leaves them undecryptable",
      );
    }
  }

  await step(`promoting key ${newKid} to ENCRYPTION_KEY and removing ENCRYPTION_KEY_NEXT`);
  await installer.promote(newKey);
  await waitFor(client, (s) => s.kid === newKid && s.next_kid === null, installer, opts.timeoutMs);
  await step(`the platform uses key ${newKid} only`);
  return { oldKid, newKid, reencrypted, resumed: Boolean(pending) };
}

async function reencryptAll(
  client: ArcrunClient,
  oldKey: string,
  newKey: string,
  newKid: string,
  step: (m: string) => void | Promise<void>,
): Promise<string[]> {
  const done: string[] = [];
  for (const c of await client.credentials.list()) {
    if (c.kid === newKid) continue;
    const envelope = await client.credentials.envelope(c.name);
    let secret: string;
    try {
      secret = await decryptCredential(oldKey, envelope);
    } catch {
      throw new UserError(
        `Credential "${c.name}" cannot be decrypted with your local key: CREDENTIAL_KEY_MISMATCH`,
        `Set it again (acr credential set ${c.name}) or delete it, then run rotate-key again; nothing was promoted`,
      );
    }
    await client.credentials.putEnvelope(await encryptCredential(newKey, c.name, secret));
    done.push(c.name);
    await step(`re-encrypted ${c.name}`);
  }
  return done;
}

async function waitFor(
  client: ArcrunClient,
  ready: (s: KeyStatus) => boolean,
  installer: KeyInstaller,
  timeoutMs = 60_000,
): Promise<KeyStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // The local platform restarts workerd to take new secrets: refused connections are retried.
    const s = await client.platformKey().catch((err: unknown) => {
      if (err instanceof ArcrunError && err.code !== "UNREACHABLE") throw err;
      return null;
    });
    if (s && ready(s)) return s;
    if (Date.now() > deadline) {
      throw new UserError(
        s
          ? `The platform did not pick up the new key from ${installer.where} (it reports key ${s.kid}, next ${s.next_kid})`
          : `The platform stopped answering while taking the new key from ${installer.where}`,
        "Under `acr dev`, keep it running (it reloads secrets.json) or restart it; then run rotate-key again to resume",
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Keys of the local platform (`acr dev`, `acr serve`), in its key file (platform/secrets-store.ts): the running platform reloads the file
 * by itself (see dev.ts), so no restart is needed.
 */
export function localKeyInstaller(secretsFile: string): KeyInstaller {
  // Never creates: a missing key file is an error, not a fresh key that would strand every credential.
  const read = (): LocalSecrets => readSecrets(secretsFile);
  return {
    where: `the local platform (${secretsFile})`,
    pendingNextKey: () => read().encryptionKeyNext,
    // Writes only on change: every write makes a running `acr dev` reload (a short workerd restart).
    rememberNextKey: async (key) => {
      const s = read();
      if (s.encryptionKeyNext !== key) saveSecrets(secretsFile, { ...s, encryptionKeyNext: key });
    },
    installNext: async () => {
      // rememberNextKey already wrote ENCRYPTION_KEY_NEXT: for the local platform, saving is installing.
    },
    promote: async (key) => {
      const s = read();
      if (s.encryptionKey !== key || s.encryptionKeyNext) {
        saveSecrets(secretsFile, { encryptionKey: key, adminToken: s.adminToken });
      }
    },
  };
}

/**
 * Keys of a Cloudflare installation: Worker secrets through the Cloudflare API (the call `wrangler secret
 * put` makes), and the client's copy in ~/.arcrun/config.yaml (`encryption_key`, `encryption_key_next`).
 */
export function cloudflareKeyInstaller(cf: CloudflareApi, script: string, configFile = userConfigPath()): KeyInstaller {
  return {
    where: `Worker ${script}`,
    pendingNextKey: () => readUserConfig(configFile).encryption_key_next,
    rememberNextKey: async (key) => writeUserConfig({ encryption_key_next: key }, configFile),
    installNext: (key) => putSecret(cf, script, "ENCRYPTION_KEY_NEXT", key),
    promote: async (key) => {
      await putSecret(cf, script, "ENCRYPTION_KEY", key);
      try {
        await cf.call("DELETE", cf.account(`/workers/scripts/${script}/secrets/ENCRYPTION_KEY_NEXT`));
      } catch (err) {
        if (!(err instanceof CloudflareApiError && err.status === 404)) throw err;
      }
      writeUserConfig({ encryption_key: key, encryption_key_next: undefined }, configFile);
    },
  };
}
