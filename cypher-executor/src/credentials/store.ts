import type { Tenant } from "../auth/api-keys";
import type { Env } from "../env";
import { ApiError } from "../http/errors";
import { b64decode, type CredentialEnvelope } from "./envelope";
import { credentialKey } from "./index";
import { platformKeys } from "./keys";

/** `[A-Za-z0-9_.-]{1,64}`: safe in a KV key, a URL path and a `{{cred.name}}` placeholder. */
export const CREDENTIAL_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
/** `GET /v1/credentials/key` answers the platform's key id, so no credential may be named `key`. */
export const RESERVED_NAMES = new Set(["key"]);
/** Largest accepted `encrypted` field (base64 characters): 64 KiB is plenty for any token or key file. */
export const MAX_ENCRYPTED = 65_536;

/** What is stored in CREDENTIALS_KV: the envelope as sent, plus dates. Never plaintext. */
export interface StoredCredential extends CredentialEnvelope {
  created_at: string;
  updated_at: string;
}

/** What lists and metadata show: no ciphertext. */
export interface CredentialMeta {
  name: string;
  kid: string | null;
  created_at: string;
  updated_at: string;
}

const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Checks an envelope before it is stored: name, base64 fields, 12-byte iv, room for the tag, and a kid
 * the platform can decrypt with (current key or the rotation's next key).
 */
export async function validateEnvelope(
  env: Env,
  name: string,
  body: { name?: string; encrypted: string; iv: string; kid?: string },
): Promise<void> {
  if (!CREDENTIAL_NAME.test(name)) {
    throw new ApiError(400, "INVALID_CREDENTIAL_NAME", `Credential name "${name}" must match [A-Za-z0-9_.-]{1,64}`, {
      field: "name",
    });
  }
  if (RESERVED_NAMES.has(name)) {
    throw new ApiError(400, "CREDENTIAL_NAME_RESERVED", `"${name}" is reserved; pick another credential name`, {
      field: "name",
    });
  }
  if (body.name !== undefined && body.name !== name) {
    throw new ApiError(400, "CREDENTIAL_NAME_MISMATCH", `The envelope is for "${body.name}", the URL names "${name}"`, {
      field: "name",
    });
  }
  if (!B64.test(body.iv) || b64decode(body.iv).length !== 12) {
    throw new ApiError(400, "INVALID_ENVELOPE", "iv must be 12 bytes in standard padded base64", { field: "iv" });
  }
  if (!B64.test(body.encrypted) || body.encrypted.length > MAX_ENCRYPTED || b64decode(body.encrypted).length < 16) {
    throw new ApiError(
      400,
      "INVALID_ENVELOPE",
      `encrypted must be standard padded base64 of ciphertext + 16-byte tag, at most ${MAX_ENCRYPTED} characters`,
      { field: "encrypted" },
    );
  }
  const keys = await platformKeys(env);
  if (!keys.current && !keys.next) {
    throw new ApiError(503, "ENCRYPTION_KEY_MISSING", "The platform has no ENCRYPTION_KEY secret; set it first", {});
  }
  const accepted = [keys.current?.kid, keys.next?.kid].filter((k): k is string => Boolean(k));
  if (body.kid !== undefined && !accepted.includes(body.kid)) {
    throw new ApiError(
      409,
      "CREDENTIAL_KEY_MISMATCH",
      `Credential "${name}" was encrypted with key ${body.kid}, but the platform's key is ${accepted.join(" or ")}`,
      {
        credential: name,
        kid: body.kid,
        platform_kids: accepted,
        fix: "Use the platform's encryption key (ARCRUN_ENCRYPTION_KEY; `acr credential key` shows which one the platform holds)",
      },
    );
  }
}

/** Stores an envelope (created or replaced); the KV metadata carries what lists show. */
export async function putCredential(
  env: Env,
  tenant: Tenant,
  name: string,
  envelope: { encrypted: string; iv: string; kid?: string },
): Promise<{ meta: CredentialMeta; created: boolean }> {
  const key = credentialKey(tenant, name);
  const old = await env.CREDENTIALS_KV.get<StoredCredential>(key, "json");
  const now = new Date().toISOString();
  const stored: StoredCredential = {
    name,
    encrypted: envelope.encrypted,
    iv: envelope.iv,
    ...(envelope.kid ? { kid: envelope.kid } : {}),
    created_at: old?.created_at ?? now,
    updated_at: now,
  };
  const meta = toMeta(stored);
  await env.CREDENTIALS_KV.put(key, JSON.stringify(stored), { metadata: meta });
  return { meta, created: !old };
}

/** The tenant's credentials, sorted by name, from KV list metadata alone (no value is read). */
export async function listCredentials(env: Env, tenant: Tenant): Promise<CredentialMeta[]> {
  const prefix = credentialKey(tenant, "");
  const out: CredentialMeta[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await env.CREDENTIALS_KV.list<CredentialMeta>({ prefix, ...(cursor ? { cursor } : {}) });
    for (const k of page.keys) {
      const name = k.name.slice(prefix.length);
      out.push(k.metadata ?? { name, kid: null, created_at: "", updated_at: "" });
    }
    if (page.list_complete) break;
    cursor = page.cursor;
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** The stored envelope of one credential, or null. */
export async function getCredential(env: Env, tenant: Tenant, name: string): Promise<StoredCredential | null> {
  if (!CREDENTIAL_NAME.test(name)) return null;
  return env.CREDENTIALS_KV.get<StoredCredential>(credentialKey(tenant, name), "json");
}

/** Deletes one credential; false when it did not exist. */
export async function deleteCredential(env: Env, tenant: Tenant, name: string): Promise<boolean> {
  if (!CREDENTIAL_NAME.test(name)) return false;
  const key = credentialKey(tenant, name);
  if ((await env.CREDENTIALS_KV.get(key)) === null) return false;
  await env.CREDENTIALS_KV.delete(key);
  return true;
}

export function toMeta(s: StoredCredential): CredentialMeta {
  return { name: s.name, kid: s.kid ?? null, created_at: s.created_at, updated_at: s.updated_at };
}

/**
 * How many credentials of ALL tenants are encrypted under each key id (`none` = no kid): lets an admin's
 * key rotation refuse to promote while another API key's credentials still need the old key.
 */
export async function keyUsage(env: Env): Promise<Record<string, number>> {
  const usage: Record<string, number> = {};
  let cursor: string | undefined;
  for (;;) {
    const page = await env.CREDENTIALS_KV.list<CredentialMeta>(cursor ? { cursor } : {});
    for (const k of page.keys) {
      if (!k.name.includes(":cred:")) continue;
      const kid = k.metadata?.kid ?? "none";
      usage[kid] = (usage[kid] ?? 0) + 1;
    }
    if (page.list_complete) break;
    cursor = page.cursor;
  }
  return usage;
}
