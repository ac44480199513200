import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** The local platform's own secrets, generated once and kept beside its state (mode 0600). */
export interface LocalSecrets {
  /** 32 bytes, base64: the platform's ENCRYPTION_KEY. Losing it makes credentials unreadable. */
  encryptionKey: string;
  /** Bootstrap token that may create API keys. */
  adminToken: string;
  /** Only during a key rotation (`acr credential rotate-key`): the new key, bound as ENCRYPTION_KEY_NEXT. */
  encryptionKeyNext?: string;
}

/**
 * Reads an existing secrets file; a missing or damaged file is an error naming it (never a new key).
 *
 * @example
 * const { encryptionKey } = readSecrets("/home/me/.arcrun/keys/3f2a.json");
 */
export function readSecrets(file: string): LocalSecrets {
  if (!existsSync(file)) throw new Error(`${file} is missing; restore it from your backup`);
  let parsed: Partial<LocalSecrets>;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8")) as Partial<LocalSecrets>;
  } catch {
    throw new Error(`${file} is damaged (not JSON); restore it from your backup`);
  }
  if (typeof parsed.encryptionKey === "string" && typeof parsed.adminToken === "string") {
    return {
      encryptionKey: parsed.encryptionKey,
      adminToken: parsed.adminToken,
      ...(typeof parsed.encryptionKeyNext === "string" ? { encryptionKeyNext: parsed.encryptionKeyNext } : {}),
    };
  }
  throw new Error(`${file} is damaged: it lacks encryptionKey or adminToken; restore it from your backup`);
}

/** Reads the secrets file, creating it on first use; never regenerates an existing key. */
export function loadOrCreateSecrets(file: string): LocalSecrets {
  if (existsSync(file)) return readSecrets(file);
  const secrets: LocalSecrets = {
    encryptionKey: randomBytes(32).toString("base64"),
    adminToken: `adm_${randomBytes(24).toString("hex")}`,
  };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secrets;
}

/**
 * Replaces the secrets file atomically (write + rename, mode 0600): a crash mid-write never leaves a
 * half-written key. Used by key rotation.
 *
 * @example
 * saveSecrets(file, { ...secrets, encryptionKeyNext: newKey });
 */
export function saveSecrets(file: string, secrets: LocalSecrets): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}
