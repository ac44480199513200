/**
 * Exposure consent for one-off component calls (`POST /v1/components/{name}/call`): a component that can
 * send data out (it holds the `http_request` capability: http_request, auth_oauth2, auth_service_account)
 * needs the same human consent a workflow needs before it reaches a host. Without it, an API key (or an
 * AI agent holding one) could send a tenant's data anywhere in one call, around the workflow review.
 *
 * The hosts are the http(s) URLs found anywhere in the input; a calling component whose input names no
 * URL is reviewed as calling a host computed at run time. A consent given once (header
 * `X-Arcrun-Exposure-Consent`) is stored under the component and its review's fingerprint, so the same call to the same
 * hosts is not asked again: `{key_hash}:exposure:call:{component}:{fingerprint}` in RECIPES.
 */
import type { Tenant } from "../auth/api-keys";
import type { Env } from "../env";
import { ApiError } from "../http/errors";
import { type ExposureReview, type ExposureStep, reviewWorkflowExposure } from "./exposure";
import { type ExposureConsent, ExposureConsentSchema } from "./types";
import { EXPOSURE_CONSENT_HEADER } from "./workflow-exposure";

const URL_RE = /^https?:\/\/[^\s/?#]+/i;
const MAX_URLS = 32;

/** Every http(s) URL in `input` (depth-first, bounded), for the review. */
function urlsIn(input: unknown, out: string[] = [], depth = 0): string[] {
  if (out.length >= MAX_URLS || depth > 32) return out;
  if (typeof input === "string") {
    if (URL_RE.test(input)) out.push(input);
  } else if (Array.isArray(input)) {
    for (const v of input) urlsIn(v, out, depth + 1);
  } else if (input && typeof input === "object") {
    for (const v of Object.values(input)) urlsIn(v, out, depth + 1);
  }
  return out;
}

/**
 * The exposure review of calling `component` once with `input`, or null when the component cannot
 * send data out (no `http_request` capability).
 *
 * @example
 * await reviewCallExposure("http_request", ["http_request"], { url: "https://api.example.com/x" });
 */
export async function reviewCallExposure(
  component: string,
  capabilities: readonly string[],
  input: unknown,
): Promise<ExposureReview | null> {
  if (!capabilities.includes("http_request")) return null;
  const urls = urlsIn(input);
  const steps: ExposureStep[] = urls.length
    ? urls.map((url, i) => ({ id: `call${urls.length > 1 ? `_${i + 1}` : ""}`, component: "http_request", url }))
    : [{ id: "call", component: "http_request", dynamicUrl: true }];
  const review = await reviewWorkflowExposure(`${component} call`, steps, async () => null);
  return { ...review, subject: { kind: "workflow", name: `component ${component}` } };
}

/**
 * Throws 403 EXPOSURE_CONSENT_REQUIRED (with the review) unless the call sends data nowhere, the same
 * exposure was consented to before, or `consentHeader` carries a valid consent (then stored).
 *
 * @example
 * await enforceCallExposure(c.env, c.var.tenant, name, manifest.capabilities, input, c.req.header(EXPOSURE_CONSENT_HEADER) ?? null);
 */
export async function enforceCallExposure(
  env: Env,
  tenant: Tenant,
  component: string,
  capabilities: readonly string[],
  input: unknown,
  consentHeader: string | null,
): Promise<void> {
  const review = await reviewCallExposure(component, capabilities, input);
  if (!review) return;
  const key = `${tenant.keyHash}:exposure:call:${component}:${review.fingerprint}`;
  if (await env.RECIPES.get(key)) return;
  let parsed: unknown;
  try {
    parsed = consentHeader ? JSON.parse(consentHeader) : undefined;
  } catch {
    parsed = undefined;
  }
  const consent = ExposureConsentSchema.safeParse(parsed);
  if (!consent.success) {
    const hosts = review.destinations.map((d) => d.host).join(", ") || "a host computed at run time";
    throw new ApiError(
      403,
      "EXPOSURE_CONSENT_REQUIRED",
      `Calling ${component} sends data to ${hosts}: a human must review and confirm this exposure (header ${EXPOSURE_CONSENT_HEADER}, as for a workflow)`,
      { review },
    );
  }
  const stored: { consent: ExposureConsent; component: string; hosts: string[] } = {
    consent: consent.data,
    component,
    hosts: review.destinations.map((d) => d.host),
  };
  await env.RECIPES.put(key, JSON.stringify(stored));
}
