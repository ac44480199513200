import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { ApiError } from "../http/errors";
import { sessionTenant } from "../sessions/index";
import { timingSafeEqual } from "../utils/crypto";
import { findTenantByApiKey } from "./api-keys";

/** Reads the caller's key from `Authorization: Bearer <key>` or arcrun's `X-Arcrun-API-Key` header. */
export function presentedKey(req: Request): string | null {
  const auth = req.headers.get("authorization");
  if (auth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return m?.[1] ?? null;
  }
  return req.headers.get("x-arcrun-api-key");
}

/**
 * Requires a valid API key and puts the caller's {@link Tenant} on `c.var.tenant`.
 *
 * @example
 * app.use("/v1/*", requireApiKey());
 */
export function requireApiKey() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const key = presentedKey(c.req.raw);
    // The console's session cookie stands for the key it was exchanged for (see sessions/).
    const session = key ? null : await sessionTenant(c);
    if (session) {
      c.set("tenant", session);
      return next();
    }
    if (!key) {
      throw new ApiError(401, "UNAUTHORIZED", "Missing API key: send `Authorization: Bearer <api_key>`");
    }
    const tenant = await findTenantByApiKey(c.env, key);
    if (!tenant) throw new ApiError(401, "UNAUTHORIZED", "Invalid API key");
    c.set("tenant", tenant);
    await next();
  });
}

/** True when the request carries the operator's bootstrap `ADMIN_TOKEN`. */
export function hasAdminToken(req: Request, adminToken: string | undefined): boolean {
  if (!adminToken) return false;
  const key = presentedKey(req);
  return key !== null && timingSafeEqual(key, adminToken);
}
