import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { credentialApiError, decryptCredential, platformKeys } from "../credentials/index";
import {
  deleteCredential,
  getCredential,
  keyUsage,
  listCredentials,
  putCredential,
  toMeta,
  validateEnvelope,
} from "../credentials/store";
import { ApiError } from "../http/errors";
import { bearerSecurity, ErrorSchema, errorResponses } from "../http/schemas";
import { sha256Hex, timingSafeEqual } from "../utils/crypto";

const KID = z
  .string()
  .regex(/^[0-9a-f]{8}$/, "kid is 8 lower-case hex characters (first 4 bytes of SHA-256 of the key)");

const MetaSchema = z
  .object({
    name: z.string().openapi({ example: "github" }),
    kid: z.string().nullable().openapi({ example: "630dcd29" }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("CredentialMeta");

const EnvelopeSchema = z
  .object({
    name: z.string().optional(),
    encrypted: z
      .string()
      .min(1)
      .openapi({ description: "base64 of AES-GCM-256 ciphertext followed by the 16-byte tag" }),
    iv: z.string().min(1).openapi({ description: "base64 of the 12-byte iv" }),
    kid: KID.optional(),
  })
  // strict: a client that sends `value` (plaintext) is refused, not silently accepted.
  .strict()
  .openapi("CredentialEnvelope");

const NameParam = z.object({
  name: z.string().openapi({ param: { name: "name", in: "path" }, example: "github" }),
});
const json = <T extends z.ZodTypeAny>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
const notFound = { 404: json(ErrorSchema, "No such credential") };

const getKey = createRoute({
  method: "get",
  path: "/v1/credentials/key",
  tags: ["credentials"],
  operationId: "getCredentialKey",
  summary: "The id of the platform's encryption key (and of the next key during a rotation)",
  security: bearerSecurity,
  request: { query: z.object({ usage: z.enum(["0", "1", "true", "false"]).optional() }) },
  responses: {
    200: json(
      z.object({
        kid: z.string().nullable(),
        next_kid: z.string().nullable(),
        usage: z.record(z.string(), z.number()).optional().openapi({
          description: "With ?usage=1, admin keys only: credentials of all tenants per kid (`none` = no kid)",
        }),
      }),
      "Key ids, never keys",
    ),
    ...errorResponses,
  },
});

const putCred = createRoute({
  method: "put",
  path: "/v1/credentials/{name}",
  tags: ["credentials"],
  operationId: "setCredential",
  summary: "Store a credential encrypted on the client (the platform never sees plaintext here)",
  security: bearerSecurity,
  request: { params: NameParam, body: { required: true, content: { "application/json": { schema: EnvelopeSchema } } } },
  responses: {
    200: json(MetaSchema, "Replaced"),
    201: json(MetaSchema, "Created"),
    ...errorResponses,
    409: json(ErrorSchema, "Encrypted with a key the platform does not hold (CREDENTIAL_KEY_MISMATCH)"),
  },
});

const listCreds = createRoute({
  method: "get",
  path: "/v1/credentials",
  tags: ["credentials"],
  operationId: "listCredentials",
  summary: "The caller's credentials: names, key ids and dates only",
  security: bearerSecurity,
  responses: { 200: json(z.object({ credentials: z.array(MetaSchema) }), "Credentials"), ...errorResponses },
});

const getCred = createRoute({
  method: "get",
  path: "/v1/credentials/{name}",
  tags: ["credentials"],
  operationId: "getCredential",
  summary: "One credential's metadata; with ?envelope=1 also its envelope (ciphertext, for key rotation)",
  security: bearerSecurity,
  request: {
    params: NameParam,
    query: z.object({ envelope: z.enum(["0", "1", "true", "false"]).optional() }),
  },
  responses: {
    200: json(
      MetaSchema.extend({
        envelope: z
          .object({ name: z.string(), encrypted: z.string(), iv: z.string(), kid: z.string().optional() })
          .optional(),
      }),
      "Metadata (and envelope)",
    ),
    ...errorResponses,
    ...notFound,
  },
});

const deleteCred = createRoute({
  method: "delete",
  path: "/v1/credentials/{name}",
  tags: ["credentials"],
  operationId: "deleteCredential",
  summary: "Delete a credential",
  security: bearerSecurity,
  request: { params: NameParam },
  responses: {
    200: json(z.object({ deleted: z.literal(true), name: z.string() }), "Deleted"),
    ...errorResponses,
    ...notFound,
  },
});

function notFoundError(name: string): ApiError {
  return new ApiError(404, "CREDENTIAL_NOT_FOUND", `No credential named "${name}"`, { credential: name });
}

/**
 * Registers `/v1/credentials*`. Call after the `/v1/*` API-key middleware. `GET /v1/credentials/key`
 * is registered before `{name}`, which is why `key` is a reserved credential name.
 */
export function registerCredentials(app: OpenAPIHono<AppEnv>): void {
  app.openapi(getKey, async (c) => {
    const keys = await platformKeys(c.env);
    const ids = { kid: keys.current?.kid ?? null, next_kid: keys.next?.kid ?? null };
    const { usage } = c.req.valid("query");
    // A full scan of CREDENTIALS_KV: only on request (key rotation), and only for admin keys.
    if (c.var.tenant.role !== "admin" || (usage !== "1" && usage !== "true")) return c.json(ids, 200);
    return c.json({ ...ids, usage: await keyUsage(c.env) }, 200);
  });

  app.openapi(putCred, async (c) => {
    const { name } = c.req.valid("param");
    const body = c.req.valid("json");
    await validateEnvelope(c.env, name, body);
    const { meta, created } = await putCredential(c.env, c.var.tenant, name, body);
    return created ? c.json(meta, 201) : c.json(meta, 200);
  });

  app.openapi(listCreds, async (c) => c.json({ credentials: await listCredentials(c.env, c.var.tenant) }, 200));

  app.openapi(getCred, async (c) => {
    const { name } = c.req.valid("param");
    const { envelope } = c.req.valid("query");
    const stored = await getCredential(c.env, c.var.tenant, name);
    if (!stored) throw notFoundError(name);
    const meta = toMeta(stored);
    if (envelope !== "1" && envelope !== "true") return c.json(meta, 200);
    const env = { name, encrypted: stored.encrypted, iv: stored.iv, ...(stored.kid ? { kid: stored.kid } : {}) };
    return c.json({ ...meta, envelope: env }, 200);
  });

  app.openapi(deleteCred, async (c) => {
    const { name } = c.req.valid("param");
    if (!(await deleteCredential(c.env, c.var.tenant, name))) throw notFoundError(name);
    return c.json({ deleted: true as const, name }, 200);
  });

  registerLocalVerify(app);
}

/**
 * `POST /v1/_local/credentials/{name}/verify` `{ sha256 }` → `{ match, kid }`: proves, inside workerd,
 * that decryptCredential yields the expected secret, without ever returning it. Exists only when
 * ARCRUN_ENV=local AND the request carries the operator's ADMIN_TOKEN (`X-Arcrun-Admin-Token`);
 * otherwise it answers 404 like any unknown route. Kept out of the OpenAPI document on purpose.
 */
function registerLocalVerify(app: OpenAPIHono<AppEnv>): void {
  app.post("/v1/_local/credentials/:name/verify", async (c) => {
    const token = c.req.header("x-arcrun-admin-token") ?? "";
    if (c.env.ARCRUN_ENV !== "local" || !c.env.ADMIN_TOKEN || !timingSafeEqual(token, c.env.ADMIN_TOKEN)) {
      throw new ApiError(404, "NOT_FOUND", `No route for POST ${c.req.path}`);
    }
    const body = (await c.req.json().catch(() => null)) as { sha256?: unknown } | null;
    if (typeof body?.sha256 !== "string") {
      throw new ApiError(400, "VALIDATION_FAILED", "Send { sha256 } of the expected secret", { field: "sha256" });
    }
    const name = c.req.param("name");
    try {
      const plaintext = await decryptCredential(c.env, c.var.tenant, name);
      return c.json({ match: (await sha256Hex(plaintext)) === body.sha256 }, 200);
    } catch (err) {
      throw credentialApiError(err);
    }
  });
}
