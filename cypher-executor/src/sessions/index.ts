/**
 * Console sessions: an API key is exchanged once for a short-lived, HttpOnly, SameSite=Strict cookie,
 * so the browser never keeps the key. SESSIONS_KV holds `session:{sha256(token)}` (the seed's key
 * format with the token's hash in place of the token, so a dump of SESSIONS_KV holds no usable session).
 * Writes with a session cookie are CSRF-safe: SameSite=Strict keeps the cookie off cross-site requests,
 * and they must also carry `X-Arcrun-Console: 1` (a custom header a cross-origin page cannot send without
 * a CORS preflight) and, when the browser sends one, an `Origin` equal to the API's own.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import type { Tenant } from "../auth/api-keys";
import { findTenantByKeyHash } from "../auth/api-keys";
import type { Env } from "../env";
import { ApiError } from "../http/errors";
import { randomHex, sha256Hex } from "../utils/crypto";

export { registerSessionRoutes } from "./routes";

/** The cookie's name. */
export const SESSION_COOKIE = "arcrun_session";
/** The header every cookie-authenticated write carries. */
export const CONSOLE_HEADER = "x-arcrun-console";
/** How long a session lives (absolute, not sliding: KV allows one write per second per key). */
export const SESSION_TTL_SECONDS = 8 * 60 * 60;

interface StoredSession {
  key_hash: string;
  created_at: string;
  expires_at: string;
}

/**
 * Creates a session for an authenticated tenant; returns the token (only ever sent as the cookie).
 *
 * @example
 * const { token, expiresAt } = await createSession(env, tenant);
 */
export async function createSession(env: Env, tenant: Tenant): Promise<{ token: string; expiresAt: string }> {
  const token = randomHex(32);
  const now = Date.now();
  const expiresAt = new Date(now + SESSION_TTL_SECONDS * 1000).toISOString();
  const stored: StoredSession = {
    key_hash: tenant.keyHash,
    created_at: new Date(now).toISOString(),
    expires_at: expiresAt,
  };
  await env.SESSIONS_KV.put(`session:${await sha256Hex(token)}`, JSON.stringify(stored), {
    expirationTtl: SESSION_TTL_SECONDS,
  });
  return { token, expiresAt };
}

/** Deletes the session a token names (sign-out). */
export async function revokeSession(env: Env, token: string): Promise<void> {
  await env.SESSIONS_KV.delete(`session:${await sha256Hex(token)}`);
}

/** The session token in the request's cookie, or null. */
export function sessionToken(req: Request): string | null {
  const cookie = req.headers.get("cookie");
  if (!cookie) return null;
  for (const part of cookie.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === SESSION_COOKIE) {
      const token = v.join("=");
      return /^[0-9a-f]{64}$/.test(token) ? token : null;
    }
  }
  return null;
}

/**
 * The tenant of the request's session cookie; null without a cookie. Throws 401 for an unknown,
 * expired or revoked session, 403 for a cross-site or header-less write.
 *
 * @example
 * const tenant = await sessionTenant(c); // in the API-key middleware, when no key is presented
 */
export async function sessionTenant(c: Context<AppEnv>): Promise<Tenant | null> {
  const token = sessionToken(c.req.raw);
  if (!token) return null;
  if (!["GET", "HEAD", "OPTIONS"].includes(c.req.method)) checkSameOriginWrite(c.req.raw);
  const stored = await c.env.SESSIONS_KV.get<StoredSession>(`session:${await sha256Hex(token)}`, "json");
  if (!stored || Date.parse(stored.expires_at) <= Date.now()) {
    throw new ApiError(401, "SESSION_EXPIRED", "The session has ended: sign in again");
  }
  const tenant = await findTenantByKeyHash(c.env, stored.key_hash);
  if (!tenant) throw new ApiError(401, "SESSION_EXPIRED", "The session's API key no longer exists: sign in again");
  return tenant;
}

/** Refuses a cookie-authenticated write without the console header or from another origin. */
export function checkSameOriginWrite(req: Request): void {
  if (req.headers.get(CONSOLE_HEADER) !== "1") {
    throw new ApiError(403, "CSRF_REJECTED", `A write with a session cookie must send the ${CONSOLE_HEADER}: 1 header`);
  }
  const origin = req.headers.get("origin");
  if (origin && origin !== new URL(req.url).origin) {
    throw new ApiError(403, "CSRF_REJECTED", `A write with a session cookie must come from ${new URL(req.url).origin}`);
  }
}

/** The Set-Cookie value for a token (`Secure` on https; browsers refuse it on plain-http hosts). */
export function sessionCookie(req: Request, token: string, maxAge: number): string {
  const secure = new URL(req.url).protocol === "https:" ? "; Secure" : "";
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure}`;
}
