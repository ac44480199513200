import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { createApiKey, findTenantByApiKey } from "../auth/api-keys";
import { hasAdminToken, presentedKey } from "../auth/middleware";
import { ApiError } from "../http/errors";
import { bearerSecurity, ErrorSchema, errorResponses } from "../http/schemas";
import { registerKeyManagement } from "./keys-manage";

const TenantSchema = z
  .object({
    ns: z.string().openapi({ example: "k3x9p2m7qa" }),
    role: z.enum(["admin", "user"]),
    label: z.string(),
    created_at: z.string(),
  })
  .openapi("Tenant");

const createKey = createRoute({
  method: "post",
  path: "/v1/keys",
  tags: ["keys"],
  operationId: "createKey",
  summary: "Create an API key (admin key or the operator's ADMIN_TOKEN)",
  security: bearerSecurity,
  request: {
    body: {
      required: false,
      content: {
        "application/json": {
          schema: z.object({ role: z.enum(["admin", "user"]).optional(), label: z.string().max(200).optional() }),
        },
      },
    },
  },
  responses: {
    201: {
      description: "The new key; its plaintext is shown only here",
      content: {
        "application/json": { schema: z.object({ api_key: z.string(), tenant: TenantSchema }) },
      },
    },
    ...errorResponses,
    403: { description: "The caller may not create keys", content: { "application/json": { schema: ErrorSchema } } },
  },
});

const whoami = createRoute({
  method: "get",
  path: "/v1/whoami",
  tags: ["keys"],
  operationId: "getWhoami",
  summary: "The caller's namespace and role",
  security: bearerSecurity,
  responses: {
    200: { description: "The caller", content: { "application/json": { schema: TenantSchema } } },
    ...errorResponses,
  },
});

/**
 * `POST /v1/keys` must be registered before the `/v1/*` key check: the operator's
 * ADMIN_TOKEN is not an API key, and it is how the very first key is made.
 */
export function registerKeyAdmin(app: OpenAPIHono<AppEnv>): void {
  registerKeyManagement(app);
  app.openapi(createKey, async (c) => {
    if (!hasAdminToken(c.req.raw, c.env.ADMIN_TOKEN)) {
      const key = presentedKey(c.req.raw);
      const caller = key ? await findTenantByApiKey(c.env, key) : null;
      if (!caller) throw new ApiError(401, "UNAUTHORIZED", "Missing or invalid API key");
      if (caller.role !== "admin") throw new ApiError(403, "FORBIDDEN", "Only an admin key can create API keys");
    }
    const body = c.req.valid("json") ?? {};
    const { apiKey, tenant } = await createApiKey(c.env, { role: body.role ?? "user", label: body.label ?? "" });
    return c.json(
      {
        api_key: apiKey,
        tenant: { ns: tenant.ns, role: tenant.role, label: tenant.label, created_at: tenant.createdAt },
      },
      201,
    );
  });
}

/** `GET /v1/whoami`. */
export function registerWhoami(app: OpenAPIHono<AppEnv>): void {
  app.openapi(whoami, (c) => {
    const t = c.var.tenant;
    return c.json({ ns: t.ns, role: t.role, label: t.label, created_at: t.createdAt }, 200);
  });
}
