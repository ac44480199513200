/**
 * Recipes in the RECIPES namespace. Seed recipes are public and read-only (`auth_recipe:{service}`,
 * `rec_{hash}`); recipes a tenant pushes are private to it (`{key_hash}:auth_recipe:{service}`,
 * `{key_hash}:rec_{hash}`) and shadow a seed recipe of the same name for that tenant only.
 */
import type { Tenant } from "../auth/api-keys";
import type { Env } from "../env";
import { sha256Hex } from "../utils/crypto";
import { SEED_API_RECIPES, SEED_AUTH_RECIPES } from "./seed-data";
import {
  type ApiRecipe,
  ApiRecipeSchema,
  type AuthRecipe,
  AuthRecipeSchema,
  type StoredApiRecipe,
  type StoredAuthRecipe,
  type StoredMeta,
} from "./types";

/**
 * The id of an API recipe: `rec_` + the first 8 hex chars of sha256(canonical_id).
 *
 * @example
 * await recipeId("telegram_send") // "rec_…"
 */
export async function recipeId(canonicalId: string): Promise<string> {
  return `rec_${(await sha256Hex(canonicalId)).slice(0, 8)}`;
}

/** True for strings shaped like a recipe id. */
export function isRecipeId(s: string): boolean {
  return /^rec_[0-9a-f]{8}$/.test(s);
}

const authKey = (service: string, tenant?: Tenant) =>
  tenant ? `${tenant.keyHash}:auth_recipe:${service}` : `auth_recipe:${service}`;
const apiKey = (id: string, tenant?: Tenant) => (tenant ? `${tenant.keyHash}:${id}` : id);

/** What a KV list returns per recipe without reading each value. */
export interface RecipeSummary {
  id: string;
  canonical_id: string;
  display_name: string;
  description: string;
  auth_service?: string;
  origin: "seed" | "user";
}

/** Resolves an API recipe by id (`rec_…`) or canonical name, the tenant's own first. */
export async function getApiRecipe(env: Env, tenant: Tenant, idOrName: string): Promise<StoredApiRecipe | null> {
  const id = isRecipeId(idOrName) ? idOrName : await recipeId(idOrName.toLowerCase());
  const own = await env.RECIPES.get<StoredApiRecipe>(apiKey(id, tenant), "json");
  if (own) return own;
  return env.RECIPES.get<StoredApiRecipe>(apiKey(id), "json");
}

/** Resolves an auth recipe by service name, the tenant's own first. */
export async function getAuthRecipe(env: Env, tenant: Tenant, service: string): Promise<StoredAuthRecipe | null> {
  const own = await env.RECIPES.get<StoredAuthRecipe>(authKey(service, tenant), "json");
  if (own) return own;
  return env.RECIPES.get<StoredAuthRecipe>(authKey(service), "json");
}

/** Stores a tenant's API recipe; returns the stored record. */
export async function putUserApiRecipe(
  env: Env,
  tenant: Tenant,
  recipe: ApiRecipe,
  meta: StoredMeta,
): Promise<StoredApiRecipe> {
  const id = await recipeId(recipe.canonical_id);
  const stored: StoredApiRecipe = { ...recipe, id, _meta: meta };
  await env.RECIPES.put(apiKey(id, tenant), JSON.stringify(stored), { metadata: summaryOf(stored) });
  return stored;
}

/** Stores a tenant's auth recipe. */
export async function putUserAuthRecipe(
  env: Env,
  tenant: Tenant,
  recipe: AuthRecipe,
  meta: StoredMeta,
): Promise<StoredAuthRecipe> {
  const stored: StoredAuthRecipe = { ...recipe, _meta: meta };
  await env.RECIPES.put(authKey(recipe.service, tenant), JSON.stringify(stored), {
    metadata: {
      service: recipe.service,
      display_name: recipe.display_name ?? recipe.service,
      primitive: recipe.primitive,
    },
  });
  return stored;
}

/** The tenant's stored copy only (no seed fallback): used to tell a re-push from a first push. */
export async function getOwnApiRecipe(env: Env, tenant: Tenant, id: string): Promise<StoredApiRecipe | null> {
  return env.RECIPES.get<StoredApiRecipe>(apiKey(id, tenant), "json");
}

export async function getOwnAuthRecipe(env: Env, tenant: Tenant, service: string): Promise<StoredAuthRecipe | null> {
  return env.RECIPES.get<StoredAuthRecipe>(authKey(service, tenant), "json");
}

function summaryOf(r: StoredApiRecipe): RecipeSummary {
  return {
    id: r.id,
    canonical_id: r.canonical_id,
    display_name: r.display_name,
    description: r.description.slice(0, 300),
    ...(r.auth_service ? { auth_service: r.auth_service } : {}),
    origin: r._meta.origin,
  };
}

async function listAll<T>(env: Env, prefix: string): Promise<Array<{ name: string; metadata: T }>> {
  const out: Array<{ name: string; metadata: T }> = [];
  let cursor: string | undefined;
  do {
    const page = await env.RECIPES.list<T>({ prefix, cursor });
    for (const k of page.keys) if (k.metadata) out.push({ name: k.name, metadata: k.metadata });
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return out;
}

/**
 * Lists the API recipes a tenant can use (its own shadowing the seeds), filtered by `q`
 * (case-insensitive, matched against name, title, description and service).
 */
export async function searchApiRecipes(env: Env, tenant: Tenant, q = ""): Promise<RecipeSummary[]> {
  const [pub, own] = await Promise.all([
    listAll<RecipeSummary>(env, "rec_"),
    listAll<RecipeSummary>(env, `${tenant.keyHash}:rec_`),
  ]);
  const byId = new Map<string, RecipeSummary>();
  for (const r of pub) byId.set(r.metadata.id, r.metadata);
  for (const r of own) byId.set(r.metadata.id, r.metadata);
  const terms = q.toLowerCase().split(/\s+/).filter(Boolean);
  return [...byId.values()]
    .filter((r) => {
      const hay = `${r.canonical_id} ${r.display_name} ${r.description} ${r.auth_service ?? ""}`.toLowerCase();
      return terms.every((t) => hay.includes(t));
    })
    .sort((a, b) => a.canonical_id.localeCompare(b.canonical_id));
}

export interface AuthRecipeSummary {
  service: string;
  display_name: string;
  primitive: string;
}

/** Lists the auth recipes a tenant can use. */
export async function listAuthRecipes(env: Env, tenant: Tenant): Promise<AuthRecipeSummary[]> {
  const [pub, own] = await Promise.all([
    listAll<AuthRecipeSummary>(env, "auth_recipe:"),
    listAll<AuthRecipeSummary>(env, `${tenant.keyHash}:auth_recipe:`),
  ]);
  const bySvc = new Map<string, AuthRecipeSummary>();
  for (const r of [...pub, ...own]) bySvc.set(r.metadata.service, r.metadata);
  return [...bySvc.values()].sort((a, b) => a.service.localeCompare(b.service));
}

/** The names (and ids) of the API recipes a tenant can run, for the workflow validator. */
export async function recipeNames(env: Env, tenant: Tenant): Promise<Set<string>> {
  const all = await searchApiRecipes(env, tenant);
  return new Set(all.flatMap((r) => [r.id, r.canonical_id]));
}

export interface SeedReport {
  auth: { created: number; updated: number; unchanged: number };
  api: { created: number; updated: number; unchanged: number };
}

/**
 * Writes the bundled seed recipes as public recipes. Idempotent: an unchanged recipe is not
 * rewritten, so re-running (every `acr dev` start, every `acr init`) costs only reads.
 */
export async function seedRecipes(env: Env): Promise<SeedReport> {
  const report: SeedReport = {
    auth: { created: 0, updated: 0, unchanged: 0 },
    api: { created: 0, updated: 0, unchanged: 0 },
  };
  const now = new Date().toISOString();
  for (const raw of SEED_AUTH_RECIPES) {
    const r = AuthRecipeSchema.parse(raw);
    const key = authKey(r.service);
    const old = await env.RECIPES.get<StoredAuthRecipe>(key, "json");
    const tally = report.auth;
    if (old && sameContent(old, r)) {
      tally.unchanged++;
      continue;
    }
    old ? tally.updated++ : tally.created++;
    await env.RECIPES.put(key, JSON.stringify({ ...r, _meta: { origin: "seed", stored_at: now } }), {
      metadata: { service: r.service, display_name: r.display_name ?? r.service, primitive: r.primitive },
    });
  }
  for (const raw of SEED_API_RECIPES) {
    const r = ApiRecipeSchema.parse(raw);
    const id = await recipeId(r.canonical_id);
    const old = await env.RECIPES.get<StoredApiRecipe>(id, "json");
    const tally = report.api;
    if (old && sameContent(old, { ...r, id })) {
      tally.unchanged++;
      continue;
    }
    old ? tally.updated++ : tally.created++;
    const stored: StoredApiRecipe = { ...r, id, _meta: { origin: "seed", stored_at: now } };
    await env.RECIPES.put(id, JSON.stringify(stored), { metadata: summaryOf(stored) });
  }
  return report;
}

function sameContent(stored: { _meta?: unknown }, fresh: object): boolean {
  const { _meta, ...rest } = stored;
  return canonicalJson(rest) === canonicalJson(fresh);
}

/** JSON with sorted keys, so equal content compares equal whatever the key order. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v && typeof v === "object") {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}
