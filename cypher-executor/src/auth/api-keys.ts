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

/** Looks an API key up by its hash and confirms the stored hash in constant time. */
export async function findTenantByApiKey(env: Env, apiKey: string): Promise<Tenant | null> {
  if (!apiKey || apiKey.length > 256) return null;
  const keyHash = await sha256Hex(apiKey);
  const stored = await env.USERS_KV.get<StoredKey>(`user:${keyHash}`, "json");
  if (!stored || !timingSafeEqual(stored.key_hash, keyHash)) return null;
  return toTenant(stored);
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
