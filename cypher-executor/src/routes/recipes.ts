import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import type { Tenant } from "../auth/api-keys";
import { findTenantByApiKey } from "../auth/api-keys";
import { hasAdminToken, presentedKey } from "../auth/middleware";
import { getPlatform } from "../engine/platform";
import { ApiError } from "../http/errors";
import { bearerSecurity, ErrorSchema, errorResponses } from "../http/schemas";
import { consentFor, parseOrThrow } from "../recipes/consent";
import { RecipeError } from "../recipes/egress";
import { reviewApiRecipeExposure, reviewAuthRecipeExposure } from "../recipes/exposure";
import { checkConnectivity, runApiRecipe } from "../recipes/runner";
import {
  getApiRecipe,
  getAuthRecipe,
  getOwnApiRecipe,
  getOwnAuthRecipe,
  listAuthRecipes,
  putUserApiRecipe,
  putUserAuthRecipe,
  recipeId,
  searchApiRecipes,
  seedRecipes,
} from "../recipes/store";
import { componentAccessTokens } from "../recipes/tokens";
import { type ApiRecipe, ApiRecipeSchema, type AuthRecipe, AuthRecipeSchema } from "../recipes/types";

const json = <T extends z.ZodTypeAny>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
const Anything = z.record(z.string(), z.unknown());
const IdParam = z.object({ id: z.string().openapi({ param: { name: "id", in: "path" }, example: "telegram_send" }) });
const ServiceParam = z.object({
  service: z.string().openapi({ param: { name: "service", in: "path" }, example: "slack" }),
});
const forbidden = { 403: json(ErrorSchema, "EXPOSURE_CONSENT_REQUIRED (with the review), or not allowed") };
const notFound = { 404: json(ErrorSchema, "RECIPE_NOT_FOUND / AUTH_RECIPE_NOT_FOUND") };

const PushBody = z
  .object({
    recipe: Anything.openapi({ description: "The recipe (see docs/recipes.md and recipes/schema/)" }),
    exposure_consent: Anything.optional().openapi({
      description: "{ confirmed_by_human: true, understood: true, confirmed_at } after a human read the review",
    }),
  })
  .openapi("RecipePush");
const CheckBody = z
  .object({
    credential: z.string().optional(),
    credentials: z.record(z.string(), z.string()).optional(),
    timeout_ms: z.number().int().min(100).max(30_000).optional(),
    recipe: Anything.optional().openapi({ description: "Check this (unsaved) API recipe instead of the stored one" }),
    auth_recipe: Anything.optional().openapi({
      description:
        "Check this (unsaved) auth recipe instead of the stored one; needs exposure_consent when its exposure is new",
    }),
    exposure_consent: Anything.optional(),
  })
  .openapi("RecipeCheck");
const RunBody = z.object({
  input: Anything.default({}),
  timeout_ms: z.number().int().min(100).max(30_000).optional(),
});

const routes = {
  search: createRoute({
    method: "get",
    path: "/v1/recipes",
    tags: ["recipes"],
    operationId: "listRecipes",
    summary: "Search the API recipes you can use (seed + your own)",
    security: bearerSecurity,
    request: { query: z.object({ q: z.string().max(200).optional() }) },
    responses: { 200: json(z.object({ recipes: z.array(Anything), count: z.number() }), "Matches"), ...errorResponses },
  }),
  get: createRoute({
    method: "get",
    path: "/v1/recipes/{id}",
    tags: ["recipes"],
    operationId: "getRecipe",
    summary: "One API recipe, by id (rec_…) or canonical name",
    security: bearerSecurity,
    request: { params: IdParam },
    responses: { 200: json(Anything, "The recipe"), ...errorResponses, ...notFound },
  }),
  put: createRoute({
    method: "put",
    path: "/v1/recipes/{id}",
    tags: ["recipes"],
    operationId: "setRecipe",
    summary: "Store one of your API recipes (tenant-scoped); needs exposure consent when its exposure is new",
    security: bearerSecurity,
    request: { params: IdParam, body: { required: true, content: { "application/json": { schema: PushBody } } } },
    responses: {
      200: json(Anything, "Updated"),
      201: json(Anything, "Created"),
      ...errorResponses,
      ...forbidden,
      422: json(ErrorSchema, "The recipe names an unknown auth service"),
    },
  }),
  review: createRoute({
    method: "post",
    path: "/v1/recipes/review",
    tags: ["recipes"],
    operationId: "reviewRecipe",
    summary: "The exposure review of an API or auth recipe, without storing it",
    security: bearerSecurity,
    request: { body: { required: true, content: { "application/json": { schema: z.object({ recipe: Anything }) } } } },
    responses: { 200: json(Anything, "The review"), ...errorResponses },
  }),
  test: createRoute({
    method: "post",
    path: "/v1/recipes/{id}/test",
    tags: ["recipes"],
    operationId: "testRecipe",
    summary: "Connectivity check: one real call with your credential, with status, latency and a diagnosis",
    security: bearerSecurity,
    request: { params: IdParam, body: { required: false, content: { "application/json": { schema: CheckBody } } } },
    responses: { 200: json(Anything, "The check's result (ok may be false)"), ...errorResponses, ...notFound },
  }),
  run: createRoute({
    method: "post",
    path: "/v1/recipes/{id}/run",
    tags: ["recipes"],
    operationId: "runRecipe",
    summary: "Run an API recipe once with the given input (what a workflow step does)",
    security: bearerSecurity,
    request: { params: IdParam, body: { required: true, content: { "application/json": { schema: RunBody } } } },
    responses: { 200: json(Anything, "The step output"), ...errorResponses, ...notFound },
  }),
  authList: createRoute({
    method: "get",
    path: "/v1/auth-recipes",
    tags: ["recipes"],
    operationId: "listAuthRecipes",
    summary: "The auth recipes you can use",
    security: bearerSecurity,
    responses: {
      200: json(z.object({ auth_recipes: z.array(Anything), count: z.number() }), "All"),
      ...errorResponses,
    },
  }),
  authGet: createRoute({
    method: "get",
    path: "/v1/auth-recipes/{service}",
    tags: ["recipes"],
    operationId: "getAuthRecipe",
    summary: "One auth recipe",
    security: bearerSecurity,
    request: { params: ServiceParam },
    responses: { 200: json(Anything, "The auth recipe"), ...errorResponses, ...notFound },
  }),
  authPut: createRoute({
    method: "put",
    path: "/v1/auth-recipes/{service}",
    tags: ["recipes"],
    operationId: "setAuthRecipe",
    summary: "Store one of your auth recipes (tenant-scoped); needs exposure consent when its exposure is new",
    security: bearerSecurity,
    request: { params: ServiceParam, body: { required: true, content: { "application/json": { schema: PushBody } } } },
    responses: { 200: json(Anything, "Updated"), 201: json(Anything, "Created"), ...errorResponses, ...forbidden },
  }),
  authTest: createRoute({
    method: "post",
    path: "/v1/auth-recipes/{service}/test",
    tags: ["recipes"],
    operationId: "testAuthRecipe",
    summary: "Connectivity check of an auth recipe with your credential",
    security: bearerSecurity,
    request: {
      params: ServiceParam,
      body: { required: false, content: { "application/json": { schema: CheckBody } } },
    },
    responses: { 200: json(Anything, "The check's result"), ...errorResponses, ...notFound },
  }),
  seed: createRoute({
    method: "post",
    path: "/v1/init/seed",
    tags: ["recipes"],
    operationId: "seedRecipes",
    summary: "Write the bundled seed recipes (idempotent; admin key or ADMIN_TOKEN only)",
    security: bearerSecurity,
    responses: { 200: json(Anything, "What was created, updated, left unchanged"), ...errorResponses, ...forbidden },
  }),
};

function toApiError(err: unknown): never {
  if (err instanceof RecipeError) throw new ApiError(err.status, err.code, err.message, err.details);
  throw err;
}

async function authFor(c: Context<AppEnv>, tenant: Tenant, recipe: ApiRecipe): Promise<AuthRecipe | null> {
  if (!recipe.auth_service) return null;
  const auth = await getAuthRecipe(c.env, tenant, recipe.auth_service);
  if (!auth) {
    throw new ApiError(
      422,
      "AUTH_RECIPE_NOT_FOUND",
      `auth_service "${recipe.auth_service}" has no auth recipe: push it first (acr auth-recipe scaffold)`,
      {
        field: "recipe.auth_service",
      },
    );
  }
  return auth;
}

/**
 * An unsaved auth recipe sends the caller's credential to its base_url: the same consent as a push
 * is needed, unless its exposure equals the stored auth recipe's (seed, or own and consented).
 */
async function inlineAuth(c: Context<AppEnv>, raw: unknown, consent: unknown): Promise<AuthRecipe> {
  const auth = parseOrThrow(AuthRecipeSchema, raw, "auth_recipe");
  const review = await reviewAuthRecipeExposure(auth);
  const stored = await getAuthRecipe(c.env, c.var.tenant, auth.service);
  if (stored) {
    const { _meta, ...plain } = stored;
    const known = await reviewAuthRecipeExposure(AuthRecipeSchema.parse(plain));
    if (known.fingerprint === review.fingerprint && (_meta.origin === "seed" || _meta.exposure_consent)) return auth;
  }
  consentFor(review, undefined, consent);
  return auth;
}

function checkInput(body: z.infer<typeof CheckBody>): Record<string, unknown> {
  return {
    ...(body.credential ? { credential: body.credential } : {}),
    ...(body.credentials ? { credentials: body.credentials } : {}),
  };
}

/** `POST /v1/init/seed`: registered before the `/v1/*` key check so the ADMIN_TOKEN works too. */
export function registerRecipeAdmin(app: OpenAPIHono<AppEnv>): void {
  app.openapi(routes.seed, async (c) => {
    if (!hasAdminToken(c.req.raw, c.env.ADMIN_TOKEN)) {
      const key = presentedKey(c.req.raw);
      const caller = key ? await findTenantByApiKey(c.env, key) : null;
      if (!caller) throw new ApiError(401, "UNAUTHORIZED", "Missing or invalid API key");
      if (caller.role !== "admin") throw new ApiError(403, "FORBIDDEN", "Only an admin key can seed recipes");
    }
    return c.json(await seedRecipes(c.env), 200);
  });
}

/** The recipe routes (after the API-key middleware). */
export function registerRecipes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(routes.search, async (c) => {
    const recipes = await searchApiRecipes(c.env, c.var.tenant, c.req.valid("query").q ?? "");
    return c.json({ recipes, count: recipes.length }, 200);
  });

  app.openapi(routes.review, async (c) => {
    const raw = c.req.valid("json").recipe;
    if ("primitive" in raw)
      return c.json(await reviewAuthRecipeExposure(parseOrThrow(AuthRecipeSchema, raw, "recipe")), 200);
    const recipe = parseOrThrow(ApiRecipeSchema, raw, "recipe");
    return c.json(await reviewApiRecipeExposure(recipe, await authFor(c, c.var.tenant, recipe)), 200);
  });

  app.openapi(routes.get, async (c) => {
    const { id } = c.req.valid("param");
    const r = await getApiRecipe(c.env, c.var.tenant, id);
    if (!r) throw new ApiError(404, "RECIPE_NOT_FOUND", `No recipe "${id}"`, { id });
    return c.json(r, 200);
  });

  app.openapi(routes.put, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const recipe = parseOrThrow(ApiRecipeSchema, body.recipe, "recipe");
    const rid = await recipeId(recipe.canonical_id);
    if (id !== recipe.canonical_id && id !== rid) {
      throw new ApiError(
        400,
        "ID_MISMATCH",
        `The path names "${id}" but the recipe is "${recipe.canonical_id}" (${rid})`,
        {
          field: "recipe.canonical_id",
        },
      );
    }
    const tenant = c.var.tenant;
    const review = await reviewApiRecipeExposure(recipe, await authFor(c, tenant, recipe));
    const previous = await getOwnApiRecipe(c.env, tenant, rid);
    const { meta, reused } = consentFor(review, previous?._meta, body.exposure_consent);
    const stored = await putUserApiRecipe(c.env, tenant, recipe, {
      origin: "user",
      stored_at: new Date().toISOString(),
      ...meta,
    });
    return c.json({ recipe: stored, review, consent_reused: reused }, previous ? 200 : 201);
  });

  app.openapi(routes.test, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json") ?? {};
    const tenant = c.var.tenant;
    const recipe: ApiRecipe | null = body.recipe
      ? parseOrThrow(ApiRecipeSchema, body.recipe, "recipe")
      : await getApiRecipe(c.env, tenant, id);
    if (!recipe) throw new ApiError(404, "RECIPE_NOT_FOUND", `No recipe "${id}"`, { id });
    const auth = body.auth_recipe
      ? await inlineAuth(c, body.auth_recipe, body.exposure_consent)
      : await authFor(c, tenant, recipe);
    if (!auth) {
      // No auth service: reachability of the endpoint's origin is all that can be checked.
      const origin = new URL(recipe.endpoint.replace(/\{\{[^}]*\}\}/g, "x")).origin;
      const pseudo = AuthRecipeSchema.parse({
        service: "none",
        primitive: "static_key",
        base_url: origin,
        required_secrets: [{ key: "none", label: "-", help: "-", help_url: "https://example.com", optional: true }],
        inject: { header: {} },
        allowed_hosts: recipe.allowed_hosts ?? [],
        test: { method: "GET", path: "/", expect_status: 200 },
      });
      return c.json(
        {
          recipe: recipe.canonical_id,
          ...(await checkConnectivity(c.env, tenant, pseudo, {}, { timeoutMs: body.timeout_ms ?? 10_000 })),
        },
        200,
      );
    }
    const result = await checkConnectivity(c.env, tenant, auth, checkInput(body), {
      timeoutMs: body.timeout_ms ?? 10_000,
      accessToken: componentAccessTokens(getPlatform().runtime, c.env, tenant),
    });
    return c.json({ recipe: recipe.canonical_id, service: auth.service, ...result }, 200);
  });

  app.openapi(routes.run, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const tenant = c.var.tenant;
    const recipe = await getApiRecipe(c.env, tenant, id);
    if (!recipe) throw new ApiError(404, "RECIPE_NOT_FOUND", `No recipe "${id}"`, { id });
    const auth = await authFor(c, tenant, recipe);
    try {
      return c.json(
        await runApiRecipe(c.env, tenant, recipe, auth, body.input, {
          timeoutMs: body.timeout_ms ?? 15_000,
          accessToken: componentAccessTokens(getPlatform().runtime, c.env, tenant),
        }),
        200,
      );
    } catch (err) {
      toApiError(err);
    }
  });

  app.openapi(routes.authList, async (c) => {
    const all = await listAuthRecipes(c.env, c.var.tenant);
    return c.json({ auth_recipes: all, count: all.length }, 200);
  });

  app.openapi(routes.authGet, async (c) => {
    const { service } = c.req.valid("param");
    const r = await getAuthRecipe(c.env, c.var.tenant, service);
    if (!r) throw new ApiError(404, "AUTH_RECIPE_NOT_FOUND", `No auth recipe "${service}"`, { service });
    return c.json(r, 200);
  });

  app.openapi(routes.authPut, async (c) => {
    const { service } = c.req.valid("param");
    const body = c.req.valid("json");
    const recipe = parseOrThrow(AuthRecipeSchema, body.recipe, "recipe");
    if (recipe.service !== service) {
      throw new ApiError(400, "ID_MISMATCH", `The path names "${service}" but the recipe is "${recipe.service}"`, {
        field: "recipe.service",
      });
    }
    const tenant = c.var.tenant;
    const review = await reviewAuthRecipeExposure(recipe);
    const previous = await getOwnAuthRecipe(c.env, tenant, service);
    const { meta, reused } = consentFor(review, previous?._meta, body.exposure_consent);
    const stored = await putUserAuthRecipe(c.env, tenant, recipe, {
      origin: "user",
      stored_at: new Date().toISOString(),
      ...meta,
    });
    return c.json({ recipe: stored, review, consent_reused: reused }, previous ? 200 : 201);
  });

  app.openapi(routes.authTest, async (c) => {
    const { service } = c.req.valid("param");
    const body = c.req.valid("json") ?? {};
    const auth = body.auth_recipe
      ? await inlineAuth(c, body.auth_recipe, body.exposure_consent)
      : await getAuthRecipe(c.env, c.var.tenant, service);
    if (!auth) throw new ApiError(404, "AUTH_RECIPE_NOT_FOUND", `No auth recipe "${service}"`, { service });
    const result = await checkConnectivity(c.env, c.var.tenant, auth, checkInput(body), {
      timeoutMs: body.timeout_ms ?? 10_000,
      accessToken: componentAccessTokens(getPlatform().runtime, c.env, c.var.tenant),
    });
    return c.json({ service: auth.service, ...result }, 200);
  });
}
