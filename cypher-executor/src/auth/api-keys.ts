import type { Env } from "../env";
import { randomHex, sha256Hex, timingSafeEqual } from "../utils/crypto";

/** Who is calling: derived from the API key, never containing it. */
export interface Tenant {
  /** SHA-256 hex of the API key: stands for `{api_key}` in every KV key (see docs/storage.md). */
  keyHash: string;
  /** Public namespace id, used in webhook URLs. Never a secret. */
  ns: string;
  role: "admin" | "user";
  label: string;
  createdAt: string;
}

interface StoredKey {
  key_hash: string;
  ns: string;
  role: "admin" | "user";
  label: string;
  created_at: string;
}

const KEY_PREFIX = "acr_";

/**
 * Creates an API key. Only its hash is stored (`user:{sha256(key)}`), so a dump of USERS_KV
 * reveals no usable key. The plaintext is returned once, to the caller.
 *
 * @example
 * const { apiKey, tenant } = await createApiKey(env, { role: "admin", label: "local dev" });
 */
export async function createApiKey(
  env: Env,
  opts: { role?: "admin" | "user"; label?: string } = {},
): Promise<{ apiKey: string; tenant: Tenant }> {
  const apiKey = KEY_PREFIX + randomHex(24);
  const keyHash = await sha256Hex(apiKey);
  const ns = await uniqueNamespace(env);
  const stored: StoredKey = {
    key_hash: keyHash,
    ns,
    role: opts.role ?? "user",
    label: opts.label ?? "",
    created_at: new Date().toISOString(),
  };
  await env.USERS_KV.put(`user:${keyHash}`, JSON.stringify(stored));
  await env.USERS_KV.put(`ns:${ns}`, keyHash);
  return { apiKey, tenant: toTenant(stored) };
}

/**
 * Keys that authenticated recently in this isolate: presented key → its tenant. Hashing a key and reading
 * `user:{hash}` was most of an authenticated request's CPU (GET /v1/whoami: ~45%, with serve's USERS_KV
 * worker), for an answer that never changes: a stored key is never edited, and there is no revocation
 * route. Entries are re-read from KV after {@link KEY_TTL_MS}, which bounds how long a key deleted from
 * USERS_KV by hand stays usable (KV itself may serve a deleted key for ~60 s across locations).
 * The map lives in isolate memory only, holds only keys that matched a stored hash (random guesses never
 * enter it), is bounded, and is never logged, serialized or stored.
 */
const KEY_TTL_MS = 30_000;
const KEY_CACHE_MAX = 1_000;
const knownKeys = new Map<string, { tenant: Tenant; at: number }>();

/** Remembers a key that matched `tenant` (oldest entry out first when full). */
export function rememberApiKey(apiKey: string, tenant: Tenant): void {
  const cur = knownKeys.get(apiKey);
  if (cur && cur.tenant.keyHash === tenant.keyHash && Date.now() - cur.at < KEY_TTL_MS) return;
  knownKeys.delete(apiKey);
  knownKeys.set(apiKey, { tenant, at: Date.now() });
  if (knownKeys.size > KEY_CACHE_MAX) {
    const oldest = knownKeys.keys().next().value;
    if (oldest !== undefined) knownKeys.delete(oldest);
  }
}

/** The hash of a key that authenticated before in this isolate (whatever the entry's age), or undefined. */
export function knownApiKeyHash(apiKey: string): string | undefined {
  return knownKeys.get(apiKey)?.tenant.keyHash;
}

/**
 * SHA-256 hex of a presented key; a key that authenticated before skips the digest (it is a pure function
 * of the key, so the remembered tenant's `keyHash` is it, however old the entry).
 */
export async function apiKeyHash(apiKey: string): Promise<string> {
  return knownKeys.get(apiKey)?.tenant.keyHash ?? (await sha256Hex(apiKey));
}

/** Looks an API key up by its hash and confirms the stored hash in constant time. */
export async function findTenantByApiKey(env: Env, apiKey: string): Promise<Tenant | null> {
  if (!apiKey || apiKey.length > 256) return null;
  const known = knownKeys.get(apiKey);
  if (known && Date.now() - known.at < KEY_TTL_MS) return known.tenant;
  const keyHash = known?.tenant.keyHash ?? (await sha256Hex(apiKey));
  const stored = await env.USERS_KV.get<StoredKey>(`user:${keyHash}`, "json");
  if (!stored || !timingSafeEqual(stored.key_hash, keyHash)) {
    knownKeys.delete(apiKey);
    return null;
  }
  const tenant = toTenant(stored);
  rememberApiKey(apiKey, tenant);
  return tenant;
}

/** Resolves a public namespace id (from a webhook URL) to its tenant. */
export async function findTenantByNamespace(env: Env, ns: string): Promise<Tenant | null> {
  if (!/^[a-z0-9]{4,32}$/.test(ns)) return null;
  const keyHash = await env.USERS_KV.get(`ns:${ns}`);
  if (!keyHash) return null;
  const stored = await env.USERS_KV.get<StoredKey>(`user:${keyHash}`, "json");
  return stored ? toTenant(stored) : null;
}

async function uniqueNamespace(env: Env): Promise<string> {
  for (;;) {
    const ns = randomSlug(10);
    if ((await env.USERS_KV.get(`ns:${ns}`)) === null) return ns;
  }
}

function randomSlug(length: number): string {
  const alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = "";
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

function toTenant(s: StoredKey): Tenant {
  return { keyHash: s.key_hash, ns: s.ns, role: s.role, label: s.label, createdAt: s.created_at };
}

/** The tenant whose key hashes to `keyHash` (console sessions store only the hash), or null. */
export async function findTenantByKeyHash(env: Env, keyHash: string): Promise<Tenant | null> {
  const stored = await env.USERS_KV.get<StoredKey>(`user:${keyHash}`, "json");
  return stored && timingSafeEqual(stored.key_hash, keyHash) ? toTenant(stored) : null;
}
