import type { Tenant } from "../auth/api-keys";
import type { Env } from "../env";
import { ApiError } from "../http/errors";
import { type CredentialEnvelope, openCredential } from "./envelope";
import { keysFor, platformKeys } from "./keys";

export type { CredentialEnvelope } from "./envelope";
export { type PlatformKeys, platformKeys } from "./keys";

/** KV key of a tenant's credential: the seed's `{api_key}:cred:{name}` with the key hashed. */
export function credentialKey(tenant: Tenant, name: string): string {
  return `${tenant.keyHash}:cred:${name}`;
}

/** Thrown by {@link decryptCredential}; `code` is the API error code. */
export class CredentialError extends Error {
  constructor(
    readonly code: "CREDENTIAL_NOT_FOUND" | "CREDENTIAL_KEY_MISMATCH" | "ENCRYPTION_KEY_MISSING",
    message: string,
    readonly credential?: string,
  ) {
    super(message);
    this.name = "CredentialError";
  }
}

/**
 * Decrypts the caller's credential `name`. Called ONLY from host functions (crypto_decrypt and the
 * credential placeholder of http_request) and webhook HMAC verification: the plaintext must never reach
 * a log, a KV value or WASM memory unless a component explicitly asked for it.
 *
 * The key is chosen by the envelope's `kid` among `ENCRYPTION_KEY` and, during a rotation,
 * `ENCRYPTION_KEY_NEXT`, so credentials keep decrypting at every step of a rotation.
 *
 * @example
 * const token = await decryptCredential(env, tenant, "github");
 */
export async function decryptCredential(env: Env, tenant: Tenant, name: string): Promise<string> {
  const stored = await env.CREDENTIALS_KV.get<CredentialEnvelope>(credentialKey(tenant, name), "json");
  if (!stored) throw new CredentialError("CREDENTIAL_NOT_FOUND", `No credential named "${name}"`, name);
  const keys = await platformKeys(env);
  if (!keys.current && !keys.next) {
    throw new CredentialError("ENCRYPTION_KEY_MISSING", "The platform has no ENCRYPTION_KEY", name);
  }
  const candidates = keysFor(keys, stored.kid);
  // The name in the KV key, not the stored one, is the AAD: a value copied under another name fails.
  const envelope = { name, encrypted: stored.encrypted, iv: stored.iv };
  for (const k of candidates) {
    try {
      return await openCredential(k.key, envelope);
    } catch {
      // Try the next candidate key; all failing is reported below.
    }
  }
  const held = [keys.current?.kid, keys.next?.kid].filter(Boolean).join(", ");
  throw new CredentialError(
    "CREDENTIAL_KEY_MISMATCH",
    stored.kid && candidates.length === 0
      ? `Credential "${name}" was encrypted with key ${stored.kid}, but the platform holds key ${held}: set it again with the platform's key`
      : `Credential "${name}" cannot be decrypted with the platform's key ${held} (encrypted with another key, or for another name): set it again`,
    name,
  );
}

/**
 * Turns a {@link CredentialError} into the API's error (404 / 409 / 503), naming the credential.
 *
 * @example
 * try { await decryptCredential(env, t, n) } catch (e) { throw credentialApiError(e) }
 */
export function credentialApiError(err: unknown): unknown {
  if (!(err instanceof CredentialError)) return err;
  const status = err.code === "CREDENTIAL_NOT_FOUND" ? 404 : err.code === "CREDENTIAL_KEY_MISMATCH" ? 409 : 503;
  return new ApiError(status, err.code, err.message, err.credential ? { credential: err.credential } : {});
}
