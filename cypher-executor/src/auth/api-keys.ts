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

export interface StoredKey {
  key_hash: string;
  /** The key's first characters (`acr_1a2b`), to recognise it in a list; absent on keys made before. */
  prefix?: string;
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
    prefix: apiKey.slice(0, KEY_PREFIX.length + 4),
    ns,
    role: opts.role ?? "user",
    label: opts.label ?? "",
    created_at: new Date().toISOString(),
  };
  // The metadata repeats the public fields, so listing keys is one KV list and no reads.
  const { key_hash: _hash, ...listed } = stored;
  await env.USERS_KV.put(`user:${keyHash}`, JSON.stringify(stored), { metadata: listed });
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

/**
 * Drops every cached key whose hash is `keyHash`: a revoked key stops working at once in this isolate
 * (other isolates re-read KV within {@link KEY_TTL_MS}, plus KV's own propagation).
 */
export function forgetApiKeyHash(keyHash: string): void {
  for (const [key, entry] of knownKeys) if (entry.tenant.keyHash === keyHash) knownKeys.delete(key);
}

/** Seconds a revoked key may still pass on another instance: this cache's TTL plus KV's ~60 s propagation. */
export const REVOCATION_WINDOW_S = KEY_TTL_MS / 1000 + 60;

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
  await noteKeyUse(env, keyHash);
  return tenant;
}

/** Day (YYYY-MM-DD) each key's use was last recorded from this isolate: at most one KV write a day per key. */
const usedDay = new Map<string, string>();

/**
 * Records "last used" as `used:{hash}` (value and metadata: the time), at most once a day per key and
 * isolate, and only on the cache-miss path: the free plan's 1,000 KV writes a day stay for workflows.
 */
async function noteKeyUse(env: Env, keyHash: string): Promise<void> {
  const now = new Date().toISOString();
  const day = now.slice(0, 10);
  if (usedDay.get(keyHash) === day) return;
  usedDay.set(keyHash, day);
  if (usedDay.size > KEY_CACHE_MAX) usedDay.delete(usedDay.keys().next().value as string);
  try {
    await env.USERS_KV.put(`used:${keyHash}`, now, { metadata: { last_used_at: now } });
  } catch {
    // Best effort: a missed "last used" must never fail the request it describes.
  }
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
