/**
 * The two recipe formats (docs/recipes.md). An AUTH recipe says how to authenticate to a service
 * (`auth_recipe:{service}`); an API recipe says how to call one endpoint of it (`rec_{hash}`).
 * The zod schemas are the single source: `recipes/schema/*.json` are generated from them.
 */
import { z } from "@hono/zod-openapi";

const httpUrl = z
  .string()
  .regex(/^https?:\/\//, "must start with https:// (or http:// for local stand-ins)")
  .max(2000);

const hostPattern = z
  .string()
  .regex(/^(\*\.)?[a-z0-9.-]+(:\d+)?$/i, "a host name, optionally starting with `*.` (e.g. `*.myshopify.com`)");

/** One secret the user stores as a credential before using the service. */
export const RequiredSecretSchema = z.object({
  key: z.string().regex(/^[a-z][a-z0-9_]*$/, "snake_case"),
  label: z.string().min(1),
  help: z.string().min(1),
  help_url: z.string().regex(/^https?:\/\/\S+$/, "an http(s) link to where the user gets this secret"),
  type: z.enum(["string", "json", "pem"]).optional(),
  optional: z.boolean().optional(),
});

/** Where the auth values go; every string may hold `{{secret.k}}` and `{{runtime.access_token}}`. */
export const InjectSchema = z
  .object({
    header: z.record(z.string(), z.string()).optional(),
    query: z.record(z.string(), z.string()).optional(),
    body: z.record(z.string(), z.string()).optional(),
    /** A path prefix put before the request path, e.g. Telegram's `/bot{{secret.bot_token}}`. */
    path: z.string().optional(),
    /** HTTP Basic: username and password templates, base64-encoded by the host after substitution. */
    basic: z.object({ username: z.string(), password: z.string() }).optional(),
  })
  .refine(
    (v) => Object.values(v).some((x) => x !== undefined),
    "inject needs at least one of header/query/body/path/basic",
  );

export const AuthTestSchema = z.object({
  method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]).default("GET"),
  path: z.string().startsWith("/"),
  body: z.unknown().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  expect_status: z.number().int().min(100).max(599).default(200),
});

export const AuthRecipeSchema = z
  .object({
    service: z.string().regex(/^[a-z][a-z0-9_]*$/, "snake_case service name"),
    version: z.string().default("1"),
    display_name: z.string().optional(),
    primitive: z.enum(["static_key", "oauth2", "service_account"]),
    base_url: httpUrl,
    required_secrets: z.array(RequiredSecretSchema).min(1),
    inject: InjectSchema,
    /** Extra non-secret headers every call carries (API versions, User-Agent). */
    headers: z.record(z.string(), z.string()).optional(),
    service_account_kind: z.literal("google_jwt").optional(),
    token_exchange: z
      .object({
        endpoint: httpUrl,
        scopes: z.array(z.string()).default([]),
        /** oauth2: the grant used to get a token (refresh_token or client_credentials). */
        grant_type: z.enum(["refresh_token", "client_credentials"]).optional(),
      })
      .optional(),
    allowed_hosts: z.array(hostPattern).min(1),
    test: AuthTestSchema.optional(),
    docs_url: z.string().optional(),
  })
  .superRefine((r, ctx) => {
    if (r.primitive !== "static_key" && !r.token_exchange) {
      ctx.addIssue({ code: "custom", path: ["token_exchange"], message: `required for primitive ${r.primitive}` });
    }
    if (r.primitive === "service_account" && r.service_account_kind !== "google_jwt") {
      ctx.addIssue({ code: "custom", path: ["service_account_kind"], message: "must be google_jwt" });
    }
  });

export const ResponseMapSchema = z.record(z.string(), z.string());

export const ApiRecipeSchema = z.object({
  canonical_id: z.string().regex(/^[a-z][a-z0-9_.-]*$/, "lower-case, e.g. telegram_send"),
  display_name: z.string().min(1),
  description: z.string().default(""),
  /** May hold `{{input.x}}`, `{{auth.k}}` (a secret of `auth_service`) and `{{_path}}`. */
  endpoint: httpUrl,
  method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]).default("POST"),
  headers: z.record(z.string(), z.string()).optional(),
  /** The request body; strings that are exactly one `{{ … }}` keep the value's JSON type. */
  body_template: z.unknown().optional(),
  /** Query parameters, templated like headers. */
  query: z.record(z.string(), z.string()).optional(),
  /** Output field → dotted path into the response JSON (e.g. `message_id: result.message_id`). */
  response_map: ResponseMapSchema.optional(),
  auth_service: z.string().optional(),
  credentials_required: z.array(z.string()).default([]),
  /** Inputs the step must give (checked before any call). */
  inputs_required: z.array(z.string()).default([]),
  /** Hosts this recipe may reach when it has no auth_service. */
  allowed_hosts: z.array(hostPattern).optional(),
});

export const ExposureConsentSchema = z.object({
  confirmed_by_human: z.literal(true),
  understood: z.literal(true),
  confirmed_at: z.string().datetime(),
  /** The name the human typed to confirm. */
  typed_name: z.string().optional(),
  /** How it was given: typed at a terminal, or `--confirm-exposure` in a script. */
  via: z.enum(["typed_name", "flag"]).optional(),
});

export type RequiredSecret = z.infer<typeof RequiredSecretSchema>;
export type AuthRecipe = z.infer<typeof AuthRecipeSchema>;
export type ApiRecipe = z.infer<typeof ApiRecipeSchema>;
export type ExposureConsent = z.infer<typeof ExposureConsentSchema>;

/** How a stored recipe is wrapped: where it came from and the consent that let it in. */
export interface StoredMeta {
  origin: "seed" | "user";
  stored_at: string;
  /** Fingerprint of the exposure the human agreed to (user recipes). */
  exposure_fingerprint?: string;
  exposure_consent?: ExposureConsent;
}
export type StoredApiRecipe = ApiRecipe & { id: string; _meta: StoredMeta };
export type StoredAuthRecipe = AuthRecipe & { _meta: StoredMeta };

/** Formats zod issues as `{ path, message }` for the API's VALIDATION_FAILED details. */
export function issuesOf(err: z.ZodError): Array<{ path: string; message: string }> {
  return err.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
}
