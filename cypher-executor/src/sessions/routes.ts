import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { presentedKey } from "../auth/middleware";
import { ApiError } from "../http/errors";
import { bearerSecurity, ErrorSchema, errorResponses } from "../http/schemas";
import { createSession, revokeSession, sessionCookie, sessionToken } from "./index";

const SessionSchema = z
  .object({
    ns: z.string(),
    role: z.enum(["admin", "user"]),
    label: z.string(),
    expires_at: z.string().openapi({ description: "When the session ends (absolute)" }),
  })
  .openapi("Session");

const createRouteDef = createRoute({
  method: "post",
  path: "/v1/sessions",
  operationId: "createSession",
  tags: ["sessions"],
  summary: "Exchange the API key in Authorization for a console session cookie (HttpOnly, SameSite=Strict)",
  security: bearerSecurity,
  responses: {
    201: {
      description: "Signed in; the cookie is in Set-Cookie",
      content: { "application/json": { schema: SessionSchema } },
    },
    ...errorResponses,
  },
});

const deleteRouteDef = createRoute({
  method: "delete",
  path: "/v1/sessions/current",
  operationId: "deleteSession",
  tags: ["sessions"],
  summary: "Sign out: revoke the session of the cookie and clear it",
  responses: {
    200: {
      description: "Signed out",
      content: { "application/json": { schema: z.object({ signed_out: z.literal(true) }) } },
    },
    ...errorResponses,
    403: { description: "Cross-site write (CSRF_REJECTED)", content: { "application/json": { schema: ErrorSchema } } },
  },
});

/**
 * `POST /v1/sessions` (API key → cookie) and `DELETE /v1/sessions/current` (sign-out). Register after the
 * `/v1/*` auth middleware: sign-in needs a valid key, sign-out a valid session.
 *
 * @example
 * registerSessionRoutes(app);
 */
export function registerSessionRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(createRouteDef, async (c) => {
    // A session makes no new session: only the key itself signs in.
    if (!presentedKey(c.req.raw)) {
      throw new ApiError(400, "API_KEY_REQUIRED", "Sign in with an API key in `Authorization: Bearer <api_key>`");
    }
    const t = c.var.tenant;
    const { token, expiresAt } = await createSession(c.env, t);
    const ttl = Math.round((Date.parse(expiresAt) - Date.now()) / 1000);
    c.header("Set-Cookie", sessionCookie(c.req.raw, token, ttl));
    c.header("Cache-Control", "no-store");
    return c.json({ ns: t.ns, role: t.role, label: t.label, expires_at: expiresAt }, 201);
  });

  app.openapi(deleteRouteDef, async (c) => {
    const token = sessionToken(c.req.raw);
    if (!token) throw new ApiError(400, "NO_SESSION", "No session cookie to sign out of");
    await revokeSession(c.env, token);
    c.header("Set-Cookie", sessionCookie(c.req.raw, "", 0));
    return c.json({ signed_out: true as const }, 200);
  });
}
