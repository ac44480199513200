/**
 * The checks shared by the recipe routes: schema validation with field paths, and the exposure
 * consent rule (asked once per recipe and exposure; see docs/recipes.md).
 */
import type { z } from "@hono/zod-openapi";
import { ApiError } from "../http/errors";
import type { ExposureReview } from "./exposure";
import { type ExposureConsent, ExposureConsentSchema, issuesOf, type StoredMeta } from "./types";

/**
 * Validates `value` or throws 400 VALIDATION_FAILED naming each bad field under `prefix`.
 *
 * @example
 * const recipe = parseOrThrow(ApiRecipeSchema, body.recipe, "recipe");
 */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, prefix: string): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new ApiError(400, "VALIDATION_FAILED", `The ${prefix} does not match its format (docs/recipes.md)`, {
      issues: issuesOf(r.error).map((i) => ({ ...i, path: i.path ? `${prefix}.${i.path}` : prefix })),
    });
  }
  return r.data;
}

/**
 * Decides whether the stored consent covers this exposure; throws 403 EXPOSURE_CONSENT_REQUIRED
 * with the review when a human must confirm. Consent is asked once per recipe and exposure.
 */
export function consentFor(
  review: ExposureReview,
  previous: StoredMeta | undefined,
  given: unknown,
): { meta: Partial<StoredMeta>; reused: boolean } {
  if (previous?.exposure_fingerprint === review.fingerprint && previous.exposure_consent) {
    return {
      meta: { exposure_fingerprint: review.fingerprint, exposure_consent: previous.exposure_consent },
      reused: true,
    };
  }
  const parsed = ExposureConsentSchema.safeParse(given);
  if (!parsed.success || Date.parse(parsed.data.confirmed_at) > Date.now() + 10 * 60_000) {
    throw new ApiError(
      403,
      "EXPOSURE_CONSENT_REQUIRED",
      `${review.subject.name} sends data to ${review.destinations.map((d) => d.host).join(", ")}: a human must review and confirm this exposure (send exposure_consent { confirmed_by_human: true, understood: true, confirmed_at })`,
      { review },
    );
  }
  const consent: ExposureConsent = parsed.data;
  return { meta: { exposure_fingerprint: review.fingerprint, exposure_consent: consent }, reused: false };
}
