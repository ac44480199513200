import { HostError } from "../../lib/wasi-shim";
import type { CallContext } from "../types";

/** Shortest TTL `kv_put` accepts (Cloudflare KV's own minimum). */
export const MIN_KV_TTL_SECONDS = 60;
const MAX_KV_VALUE_BYTES = 64 * 1024;

type Namespace = "RECIPES" | "CREDENTIALS_KV" | "EXEC_CONTEXT";

interface Route {
  ns: Namespace;
  /** The stored key. */
  key: string;
  writable: boolean;
}

/**
 * Where a component's key lives, and whether the caller may touch it (docs/component-abi.md, "KV routing").
 * Tenant-owned keys may be written with or without the caller's `{keyHash}:` prefix; the host adds it,
 * so a component can never name another tenant's key.
 *
 * @example
 * routeKey("oauth2:google", "ab12…") // { ns: "CREDENTIALS_KV", key: "ab12…:oauth2:google", writable: true }
 */
export function routeKey(key: string, keyHash: string): Route {
  if (key.length === 0 || key.length > 512) throw denied(key, "keys are 1 to 512 characters");
  if (/^auth_recipe:/.test(key) || /^rec_[A-Za-z0-9_-]+$/.test(key)) return { ns: "RECIPES", key, writable: false };
  let own = key;
  const prefixed = /^([0-9a-f]{64}):(.*)$/.exec(key);
  if (prefixed) {
    if (prefixed[1] !== keyHash) throw denied(key, "it belongs to another tenant");
    own = prefixed[2] as string;
  }
  if (own.startsWith("oauth2:") && own.length > 7) {
    return { ns: "CREDENTIALS_KV", key: `${keyHash}:${own}`, writable: true };
  }
  if (own.startsWith("kv:") && own.length > 3) return { ns: "EXEC_CONTEXT", key: `${keyHash}:${own}`, writable: false };
  if (own.startsWith("cred:")) throw denied(key, "credentials are read with crypto_decrypt, never as ciphertext");
  throw denied(key, "components may read auth_recipe:*, rec_*, oauth2:* and kv:* keys only");
}

function denied(key: string, why: string): HostError {
  return new HostError("KV_ACCESS_DENIED", `kv access to "${key.slice(0, 80)}" refused: ${why}`);
}

/** `kv_get({ key })` → `{ value: string | null }`. */
export function kvGetHost(ctx: CallContext) {
  return async (request: unknown): Promise<unknown> => {
    const key = (request as { key?: unknown } | null)?.key;
    if (typeof key !== "string") throw new HostError("BAD_HOST_REQUEST", "kv_get needs { key }");
    const route = routeKey(key, ctx.tenant.keyHash);
    return { value: await ctx.env[route.ns].get(route.key) };
  };
}

/** `kv_put({ key, value, ttl })` → `{ ok: true }`: only the caller's own `oauth2:*` token cache. */
export function kvPutHost(ctx: CallContext) {
  return async (request: unknown): Promise<unknown> => {
    const r = (request ?? {}) as { key?: unknown; value?: unknown; ttl?: unknown };
    if (typeof r.key !== "string" || typeof r.value !== "string") {
      throw new HostError("BAD_HOST_REQUEST", "kv_put needs { key, value, ttl } with a string value");
    }
    const route = routeKey(r.key, ctx.tenant.keyHash);
    if (!route.writable) throw denied(r.key, "kv_put may only write the caller's own oauth2:* token cache");
    if (typeof r.ttl !== "number" || !Number.isFinite(r.ttl) || r.ttl < MIN_KV_TTL_SECONDS) {
      throw new HostError("BAD_HOST_REQUEST", `kv_put needs a ttl of at least ${MIN_KV_TTL_SECONDS} seconds`);
    }
    if (new TextEncoder().encode(r.value).length > MAX_KV_VALUE_BYTES) {
      throw new HostError("BAD_HOST_REQUEST", `kv_put values are limited to ${MAX_KV_VALUE_BYTES} bytes`);
    }
    await ctx.env[route.ns].put(route.key, r.value, { expirationTtl: Math.floor(r.ttl) });
    return { ok: true };
  };
}
