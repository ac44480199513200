import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { findTenantByApiKey, REVOCATION_WINDOW_S, type Tenant } from "../auth/api-keys";
import { listApiKeys, revokeApiKey } from "../auth/key-admin";
import { hasAdminToken, presentedKey } from "../auth/middleware";
import { ApiError } from "../http/errors";
import { bearerSecurity, ErrorSchema, errorResponses } from "../http/schemas";

const ApiKeyInfoSchema = z
  .object({
    id: z.string().openapi({ example: "9f2c41d0a1b2c3d4", description: "first 16 hex of the key's SHA-256" }),
    prefix: z.string().nullable().openapi({ example: "acr_1a2b" }),
    ns: z.string(),
    role: z.enum(["admin", "user"]),
    label: z.string(),
    created_at: z.string(),
    last_used_at: z.string().nullable().openapi({ description: "recorded at most once a day per instance" }),
  })
  .openapi("ApiKeyInfo");

const listKeys = createRoute({
  method: "get",
  path: "/v1/keys",
  operationId: "listKeys",
  tags: ["keys"],
  summary: "List API keys (an admin key or ADMIN_TOKEN sees all; a user key only itself)",
  security: bearerSecurity,
  responses: {
    200: {
      description: "The keys, oldest first; never a key itself",
      content: { "application/json": { schema: z.object({ keys: z.array(ApiKeyInfoSchema) }) } },
    },
    ...errorResponses,
  },
});

const revokeKey = createRoute({
  method: "delete",
  path: "/v1/keys/{id}",
  operationId: "revokeKey",
  tags: ["keys"],
  summary: "Revoke an API key: refused at once here, everywhere within the documented window",
  security: bearerSecurity,
  request: {
    params: z.object({
      id: z
        .string()
        .regex(/^[0-9a-f]{8,64}$/, "an id from GET /v1/keys: 8 to 64 lower-case hex characters")
        .openapi({ example: "9f2c41d0a1b2c3d4" }),
    }),
  },
  responses: {
    200: {
      description: "The revoked key",
      content: {
        "application/json": {
          schema: z.object({ revoked: ApiKeyInfoSchema, propagation_seconds: z.number() }),
        },
      },
    },
    ...errorResponses,
    404: {
      description: "No key (that the caller may revoke) has this id, or it is ambiguous",
      content: { "application/json": { schema: ErrorSchema } },
    },
  },
});

/** The caller: null for the operator's ADMIN_TOKEN, else its tenant; 401 otherwise. */
async function caller(req: Request, env: AppEnv["Bindings"]): Promise<Tenant | null> {
  if (hasAdminToken(req, env.ADMIN_TOKEN)) return null;
  const key = presentedKey(req);
  const tenant = key ? await findTenantByApiKey(env, key) : null;
  if (!tenant) throw new ApiError(401, "UNAUTHORIZED", "Missing or invalid API key");
  return tenant;
}

/**
 * `GET /v1/keys` and `DELETE /v1/keys/{id}`. Registered before the `/v1/*` key check, like key creation:
 * the operator's ADMIN_TOKEN may list and revoke too (how a leaked admin key is cut off).
 */
export function registerKeyManagement(app: OpenAPIHono<AppEnv>): void {
  app.openapi(listKeys, async (c) => {
    const who = await caller(c.req.raw, c.env);
    return c.json({ keys: await listApiKeys(c.env, who) }, 200);
  });
  app.openapi(revokeKey, async (c) => {
    const who = await caller(c.req.raw, c.env);
    const { id } = c.req.valid("param");
    const revoked = await revokeApiKey(c.env, id, who);
    if (!revoked) {
      throw new ApiError(
        404,
        "NOT_FOUND",
        `No API key with id ${id} that this key may revoke (or the id is ambiguous)`,
      );
    }
    return c.json({ revoked, propagation_seconds: REVOCATION_WINDOW_S }, 200);
  });
}
