import type { Tenant } from "../auth/api-keys";
import type { Env } from "../env";
import { type CredentialEnvelope, openCredential } from "./envelope";

/** KV key of a tenant's credential: the seed's `{api_key}:cred:{name}` with the key hashed. */
export function credentialKey(tenant: Tenant, name: string): string {
  return `${tenant.keyHash}:cred:${name}`;
}

/** Thrown by {@link decryptCredential}; `code` is the API error code. */
export class CredentialError extends Error {
  constructor(
    readonly code: "CREDENTIAL_NOT_FOUND" | "CREDENTIAL_KEY_MISMATCH" | "ENCRYPTION_KEY_MISSING",
    message: string,
  ) {
    super(message);
    this.name = "CredentialError";
  }
}

/**
 * Decrypts the caller's credential `name`. Called ONLY from host functions (crypto_decrypt and the
 * credential placeholder of http_request): the plaintext must never reach a log, a KV value or WASM
 * memory unless a component explicitly asked for it.
 */
export async function decryptCredential(env: Env, tenant: Tenant, name: string): Promise<string> {
  const stored = await env.CREDENTIALS_KV.get<CredentialEnvelope>(credentialKey(tenant, name), "json");
  if (!stored) throw new CredentialError("CREDENTIAL_NOT_FOUND", `No credential named "${name}"`);
  if (!env.ENCRYPTION_KEY) throw new CredentialError("ENCRYPTION_KEY_MISSING", "The platform has no ENCRYPTION_KEY");
  try {
    return await openCredential(env.ENCRYPTION_KEY, stored);
  } catch {
    throw new CredentialError(
      "CREDENTIAL_KEY_MISMATCH",
      `Credential "${name}" cannot be decrypted with the platform's ENCRYPTION_KEY (was it encrypted with another key?)`,
    );
  }
}
