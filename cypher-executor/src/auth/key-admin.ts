import type { Env } from "../env";
import { forgetApiKeyHash, type StoredKey, type Tenant } from "./api-keys";

/** One API key as `GET /v1/keys` shows it: never the key, only what identifies it. */
export interface ApiKeyInfo {
  /** First 16 hex characters of the key's SHA-256: what `DELETE /v1/keys/{id}` takes. */
  id: string;
  /** The key's first characters (`acr_1a2b`), or null for keys made before prefixes were stored. */
  prefix: string | null;
  ns: string;
  role: "admin" | "user";
  label: string;
  created_at: string;
  /** Recorded at most once a day per key and instance; null when never recorded. */
  last_used_at: string | null;
}

const ID_LENGTH = 16;

/** Lists every key under a KV prefix with its metadata, following cursors. */
async function listAll<M>(kv: KVNamespace, prefix: string): Promise<Array<{ name: string; metadata: M | null }>> {
  const out: Array<{ name: string; metadata: M | null }> = [];
  let cursor: string | undefined;
  do {
    const page = await kv.list<M>({ prefix, ...(cursor ? { cursor } : {}) });
    for (const k of page.keys) out.push({ name: k.name, metadata: (k.metadata as M | undefined) ?? null });
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return out;
}

/**
 * The API keys `caller` may see: all of them for an admin key (or the operator token, `caller` null), only
 * its own key for a user key. Two KV lists, no per-key reads except for keys stored before metadata.
 *
 * @example
 * const keys = await listApiKeys(env, c.var.tenant); // [{ id: "9f2c…", prefix: "acr_1a2b", role: "admin", … }]
 */
export async function listApiKeys(env: Env, caller: Tenant | null): Promise<ApiKeyInfo[]> {
  const [users, used] = await Promise.all([
    listAll<Omit<StoredKey, "key_hash">>(env.USERS_KV, "user:"),
    listAll<{ last_used_at?: string }>(env.USERS_KV, "used:"),
  ]);
  const lastUsed = new Map(used.map((u) => [u.name.slice("used:".length), u.metadata?.last_used_at ?? null]));
  const out: ApiKeyInfo[] = [];
  for (const u of users) {
    const hash = u.name.slice("user:".length);
    if (caller && caller.role !== "admin" && hash !== caller.keyHash) continue;
    const m = u.metadata ?? (await env.USERS_KV.get<StoredKey>(u.name, "json"));
    if (!m) continue;
    out.push({
      id: hash.slice(0, ID_LENGTH),
      prefix: m.prefix ?? null,
      ns: m.ns,
      role: m.role,
      label: m.label,
      created_at: m.created_at,
      last_used_at: lastUsed.get(hash) ?? null,
    });
  }
  return out.sort((a, b) => a.created_at.localeCompare(b.created_at));
}

/**
 * Revokes the key whose hash starts with `id` (at least 8 hex characters, one match): its record, its
 * namespace mapping and its last-use mark are deleted, and this isolate forgets it at once. Returns the
 * revoked key's info, or null when no key the caller may revoke matches.
 *
 * @example
 * await revokeApiKey(env, "9f2c41d0a1b2c3d4", c.var.tenant);
 */
export async function revokeApiKey(env: Env, id: string, caller: Tenant | null): Promise<ApiKeyInfo | null> {
  const matches = (await listApiKeys(env, caller)).filter((k) => k.id.startsWith(id.slice(0, ID_LENGTH)));
  const found = matches.length === 1 ? matches[0] : undefined;
  if (!found) return null;
  const page = await env.USERS_KV.list({ prefix: `user:${found.id}` });
  const name = page.keys[0]?.name;
  if (!name) return null;
  const hash = name.slice("user:".length);
  forgetApiKeyHash(hash);
  await Promise.all([
    env.USERS_KV.delete(name),
    env.USERS_KV.delete(`used:${hash}`),
    // The namespace goes with the key: its webhooks stop answering. Its stored data stays in KV, unreachable.
    env.USERS_KV.get(`ns:${found.ns}`).then((h) => (h === hash ? env.USERS_KV.delete(`ns:${found.ns}`) : undefined)),
  ]);
  return found;
}
