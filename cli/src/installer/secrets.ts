import { randomBytes } from "node:crypto";
import { copyFileSync, existsSync } from "node:fs";
import { readUserConfig, userConfigPath, writeUserConfig } from "../config/index.js";
import { UserError } from "../ui/errors.js";
import type { InstallContext } from "./context.js";

/** The installation's own secrets, as kept in `~/.arcrun/config.yaml`. */
export interface InstallSecrets {
  encryptionKey: string;
  adminToken: string;
  /** True when this run generated the encryption key (the user must back it up). */
  encryptionKeyCreated: boolean;
  adminTokenCreated: boolean;
}

/**
 * Finds or creates ENCRYPTION_KEY and ADMIN_TOKEN. The encryption key is made once and written to the
 * config BEFORE it reaches Cloudflare; it is never regenerated. If the config lacks it but the Worker
 * already has one, the run stops: a new key would make every stored credential unreadable.
 */
export function resolveSecrets(
  ctx: InstallContext,
  accountId: string,
  workerSecrets: string[] | null,
): InstallSecrets | null {
  const file = userConfigPath();
  const cfg = readUserConfig(file);
  const sameInstall = (!cfg.account_id || cfg.account_id === accountId) && (!cfg.prefix || cfg.prefix === ctx.prefix);
  const fromEnv = process.env.ARCRUN_ENCRYPTION_KEY;
  const fromConfig = sameInstall ? cfg.encryption_key : undefined;
  if (fromEnv && fromConfig && fromEnv !== fromConfig) {
    // Two different keys for one installation: picking either could make credentials unreadable.
    throw new UserError(
      `ARCRUN_ENCRYPTION_KEY differs from encryption_key in ${file}`,
      "Nothing was changed. Unset ARCRUN_ENCRYPTION_KEY, or fix the config with the key this installation really uses",
    );
  }
  let encryptionKey = fromEnv || fromConfig;
  let adminToken = sameInstall ? cfg.admin_token : undefined;
  let encryptionKeyCreated = false;
  let adminTokenCreated = false;
  if (encryptionKey && Buffer.from(encryptionKey, "base64").length !== 32) {
    throw new UserError(
      `The encryption key in ${fromEnv ? "ARCRUN_ENCRYPTION_KEY" : file} is not 32 bytes of base64`,
      "Restore the exact value from your backup",
    );
  }
  if (!encryptionKey && workerSecrets?.includes("ENCRYPTION_KEY")) {
    throw new UserError(
      `The deployed Worker already has an ENCRYPTION_KEY, but ${file} has none for account ${accountId} (prefix ${ctx.prefix})`,
      `Nothing was changed. A new key would make every stored credential unreadable: put your backed-up key in ${file} as encryption_key (or set ARCRUN_ENCRYPTION_KEY) and run again`,
    );
  }
  if (ctx.dryRun) {
    if (!encryptionKey)
      ctx.progress.plan(`generate ENCRYPTION_KEY (32 random bytes) and save it in ${file} (mode 0600)`);
    return encryptionKey
      ? { encryptionKey, adminToken: adminToken ?? "", encryptionKeyCreated, adminTokenCreated }
      : null;
  }
  if (!sameInstall && existsSync(file)) {
    const backup = `${file}.bak-${Date.now()}`;
    copyFileSync(file, backup);
    ctx.progress.warn(
      `${file} belonged to another installation (${cfg.account_id}/${cfg.prefix}); kept a copy at ${backup}`,
    );
  }
  if (!encryptionKey) {
    encryptionKey = randomBytes(32).toString("base64");
    encryptionKeyCreated = true;
  }
  if (!adminToken) {
    adminToken = `adm_${randomBytes(24).toString("hex")}`;
    adminTokenCreated = true;
  }
  // Saved before anything is deployed, so a run cut off later can never lose the key.
  writeUserConfig(
    {
      account_id: accountId,
      prefix: ctx.prefix,
      encryption_key: encryptionKey,
      admin_token: adminToken,
      ...(sameInstall ? {} : { url: undefined, api_key: undefined, ns: undefined }),
    },
    file,
  );
  return { encryptionKey, adminToken, encryptionKeyCreated, adminTokenCreated };
}
