/**
 * Exposure consent for workflows: a workflow whose steps send data to third-party hosts (recipe
 * steps, http_request steps) needs a human's consent once per exposure, like `recipe push`.
 * The deploy route calls {@link enforceWorkflowExposure} after compiling and before storing;
 * the CLI sends the consent in the `X-Arcrun-Exposure-Consent` header (JSON).
 */
import type { Tenant } from "../auth/api-keys";
import type { Env } from "../env";
import { ApiError } from "../http/errors";
import type { CompiledValue, Plan } from "../workflow/plan";
import { type ExposureReview, type ExposureStep, reviewWorkflowExposure } from "./exposure";
import { getApiRecipe, getAuthRecipe } from "./store";
import { type ExposureConsent, ExposureConsentSchema } from "./types";

/** The request header that carries a workflow's exposure consent. */
export const EXPOSURE_CONSENT_HEADER = "x-arcrun-exposure-consent";

const consentKey = (tenant: Tenant, workflow: string) => `${tenant.keyHash}:exposure:workflow:${workflow}`;

function field(v: CompiledValue, key: string): CompiledValue | undefined {
  if (v.kind === "object") return v.entries.find(([k]) => k === key)?.[1];
  // A step whose every field is constant compiles to one literal object.
  if (v.kind === "literal" && v.value && typeof v.value === "object" && !Array.isArray(v.value)) {
    const value = (v.value as Record<string, unknown>)[key];
    return value === undefined ? undefined : { kind: "literal", value };
  }
  return undefined;
}

/**
 * The steps of a plan as the exposure review sees them: every component, and for http_request
 * its URL when it is a literal (a URL computed at run time is reported as dynamic).
 *
 * @example
 * exposureSteps(plan) // [{ id: "notify", component: "telegram_send" }, { id: "hook", component: "http_request", url: "https://…" }]
 */
export function exposureSteps(plan: Plan): ExposureStep[] {
  const out: ExposureStep[] = [];
  for (const step of Object.values(plan.steps)) {
    if (step.role === "trigger") continue;
    const s: ExposureStep = { id: step.id, component: step.component };
    if (step.component === "http_request") {
      const url = field(step.input, "url");
      if (url?.kind === "literal" && typeof url.value === "string") s.url = url.value;
      else if (
        url?.kind === "interp" &&
        typeof url.parts[0] === "string" &&
        /^https?:\/\/[^/{]+\//.test(url.parts[0])
      ) {
        // Only the path is templated: the host is still fixed.
        s.url = url.parts[0];
      } else s.dynamicUrl = true;
    }
    out.push(s);
  }
  return out;
}

/** Reviews a compiled workflow for `tenant` (its recipes resolved the way the engine will). */
export function reviewPlanExposure(env: Env, tenant: Tenant, name: string, plan: Plan): Promise<ExposureReview> {
  return reviewWorkflowExposure(name, exposureSteps(plan), async (component) => {
    const recipe = await getApiRecipe(env, tenant, component);
    if (!recipe) return null;
    const auth = recipe.auth_service ? await getAuthRecipe(env, tenant, recipe.auth_service) : null;
    return { recipe, auth };
  });
}

/**
 * Throws 403 EXPOSURE_CONSENT_REQUIRED (with the review) unless the workflow sends data nowhere,
 * the same exposure was already consented to, or `consentHeader` carries a valid consent, which
 * is then stored for audit as `{key_hash}:exposure:workflow:{name}` in RECIPES.
 *
 * @example
 * await enforceWorkflowExposure(c.env, c.var.tenant, name, plan, c.req.header(EXPOSURE_CONSENT_HEADER) ?? null);
 */
export async function enforceWorkflowExposure(
  env: Env,
  tenant: Tenant,
  name: string,
  plan: Plan,
  consentHeader: string | null,
): Promise<{ review: ExposureReview; consent: ExposureConsent; reused: boolean } | null> {
  const review = await reviewPlanExposure(env, tenant, name, plan);
  if (review.destinations.length === 0 && review.findings.length === 0) return null;
  const stored = await env.RECIPES.get<{ fingerprint: string; consent: ExposureConsent }>(
    consentKey(tenant, name),
    "json",
  );
  if (stored?.fingerprint === review.fingerprint) return { review, consent: stored.consent, reused: true };
  let parsed: unknown;
  try {
    parsed = consentHeader ? JSON.parse(consentHeader) : undefined;
  } catch {
    parsed = undefined;
  }
  const consent = ExposureConsentSchema.safeParse(parsed);
  if (!consent.success) {
    throw new ApiError(
      403,
      "EXPOSURE_CONSENT_REQUIRED",
      `Workflow ${name} sends data to ${review.destinations.map((d) => d.host).join(", ") || "hosts computed at run time"}: a human must review and confirm this exposure (header ${EXPOSURE_CONSENT_HEADER})`,
      { review },
    );
  }
  await env.RECIPES.put(
    consentKey(tenant, name),
    JSON.stringify({
      fingerprint: review.fingerprint,
      consent: consent.data,
      hosts: review.destinations.map((d) => d.host),
    }),
  );
  return { review, consent: consent.data, reused: false };
}
