/**
 * `trigger.idempotency_key`: a workflow can name its own idempotency key from the request, e.g. a
 * webhook sender's delivery id (`{{ trigger.headers['x-github-delivery'] }}`) or a field of the body
 * (`{{ input.order_id }}`), for senders that do not send `Idempotency-Key`. The header wins when both are there.
 */
import type { Templates, TriggerMetaSource } from "../engine/types";
import type { Plan } from "../workflow/plan";

const HEADER_FORM = /^[\x21-\x7e]{1,255}$/;
const NO_META = { headers: {}, query: {}, method: "POST", path: "" };

/**
 * The key the plan's template gives for this request, or null (no template, or it resolved to nothing:
 * the run is then not deduplicated). A value that is not 1-255 visible ASCII characters is hashed.
 *
 * @example
 * const key = await templateKey(plan, input, meta, platform.templates); // "3c1e…" (the delivery id)
 */
export async function templateKey(
  plan: Plan,
  input: unknown,
  meta: TriggerMetaSource | undefined,
  templates: Templates,
): Promise<string | null> {
  const compiled = plan.trigger.idempotencyKey;
  if (!compiled) return null;
  const m = typeof meta === "function" ? meta() : (meta ?? NO_META);
  const v = templates.resolveValue(compiled, { trigger: { ...m, body: input ?? {} } });
  if (v === null || v === undefined || v === "") return null;
  const text = typeof v === "string" ? v : JSON.stringify(v);
  if (HEADER_FORM.test(text)) return text;
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return `sha256-${Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}
