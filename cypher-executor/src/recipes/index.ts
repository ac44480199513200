/**
 * Recipes: integrations with outside services as data (auth recipes + API recipes), run by the
 * platform's egress host function. This is the face of the feature: the engine's step runner,
 * the validator's catalog hook, the exposure review and the store.
 */
import type { Tenant } from "../auth/api-keys";
import type { StepCall, StepRunner } from "../engine/types";
import type { Env } from "../env";
import type { ComponentOutcome, ComponentRuntime } from "../runtime/types";
import type { ComponentCatalog } from "../workflow/plan";
import { RecipeError } from "./egress";
import { type AccessTokenProvider, runApiRecipe } from "./runner";
import { SEED_API_RECIPES } from "./seed-data";
import { getApiRecipe, getAuthRecipe, isRecipeId, recipeNames } from "./store";
import { componentAccessTokens, hostAccessTokens } from "./tokens";

export { RecipeError, sendWithCredentials } from "./egress";
export {
  type ExposureReview,
  type ExposureStep,
  reviewApiRecipeExposure,
  reviewAuthRecipeExposure,
  reviewWorkflowExposure,
} from "./exposure";
export { checkConnectivity, runApiRecipe } from "./runner";
export { getApiRecipe, getAuthRecipe, recipeId, searchApiRecipes, seedRecipes } from "./store";
export { componentAccessTokens, hostAccessTokens } from "./tokens";
export type { ApiRecipe, AuthRecipe, ExposureConsent } from "./types";
export {
  EXPOSURE_CONSENT_HEADER,
  enforceWorkflowExposure,
  exposureSteps,
  reviewPlanExposure,
} from "./workflow-exposure";

/** Canonical names of the seed API recipes (known without a KV read). */
export const SEED_RECIPE_NAMES: ReadonlySet<string> = new Set(
  SEED_API_RECIPES.map((r) => (r as { canonical_id: string }).canonical_id),
);

/**
 * Wraps a component catalog so the validator accepts recipes as components: seed names, any
 * `rec_xxxxxxxx` id, and `extra` (a tenant's own recipe names, from {@link tenantRecipeNames}).
 *
 * @example
 * const catalog = withRecipes(runtimeCatalog, await tenantRecipeNames(env, tenant));
 */
export function withRecipes(base: ComponentCatalog, extra: ReadonlySet<string> = new Set()): ComponentCatalog {
  const wrapped: ComponentCatalog = Object.create(base);
  wrapped.manifest = (name) => base.manifest(name);
  wrapped.isRecipe = (name) =>
    isRecipeId(name) || SEED_RECIPE_NAMES.has(name) || extra.has(name) || (base.isRecipe?.(name) ?? false);
  return wrapped;
}

/** The recipe names and ids a tenant can use (seed + own), for {@link withRecipes}. */
export function tenantRecipeNames(env: Env, tenant: Tenant): Promise<Set<string>> {
  return recipeNames(env, tenant);
}

/**
 * The engine's step runner for recipe components (`component: telegram_send` or `rec_1a2b3c4d`).
 * `isComponent` tells bundled components apart so they never reach this runner; with `runtime`,
 * oauth2 / service_account tokens come from the auth_oauth2 / auth_service_account components.
 *
 * @example
 * const runners = [recipeStepRunner({ isComponent: (n) => runtime.has(n), runtime })];
 */
export function recipeStepRunner(opts: {
  isComponent: (name: string) => boolean;
  runtime?: ComponentRuntime;
  accessToken?: AccessTokenProvider;
}): StepRunner {
  return {
    accepts: (component) =>
      !opts.isComponent(component) &&
      (isRecipeId(component) || /^[a-z][a-z0-9_.-]*$/.test(component)) &&
      component !== "subflow" &&
      component !== "input",
    run: (call) =>
      runRecipeStep(
        call,
        opts.accessToken ?? (opts.runtime ? componentAccessTokens(opts.runtime, call.env, call.tenant) : undefined),
      ),
  };
}

async function runRecipeStep(call: StepCall, accessToken?: AccessTokenProvider): Promise<ComponentOutcome> {
  const started = Date.now();
  const base = { logs: "", hostCalls: 1 };
  try {
    const recipe = await getApiRecipe(call.env, call.tenant, call.step.component);
    if (!recipe) {
      throw new RecipeError("RECIPE_NOT_FOUND", `No recipe or component named "${call.step.component}"`, 404, {
        component: call.step.component,
      });
    }
    const auth = recipe.auth_service ? await getAuthRecipe(call.env, call.tenant, recipe.auth_service) : null;
    if (recipe.auth_service && !auth) {
      throw new RecipeError("AUTH_RECIPE_NOT_FOUND", `No auth recipe for service "${recipe.auth_service}"`, 404);
    }
    const input = (call.input && typeof call.input === "object" ? call.input : {}) as Record<string, unknown>;
    const data = await runApiRecipe(call.env, call.tenant, recipe, auth, input, {
      timeoutMs: call.step.limits?.timeout_ms ?? 15_000,
      accessToken: accessToken ?? hostAccessTokens(call.env, call.tenant),
    });
    return { status: "succeeded", data, ...base, durationUs: (Date.now() - started) * 1000 };
  } catch (err) {
    if (err instanceof RecipeError) {
      return {
        status: "failed",
        error: { code: err.code, message: err.message, details: err.details },
        ...base,
        durationUs: (Date.now() - started) * 1000,
      };
    }
    throw err;
  }
}
