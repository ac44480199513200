/**
 * What a webhook delivery passes before its body is read or its signature checked: the method the
 * workflow declared (405 with `Allow` otherwise) and the rate limits (429 with `Retry-After`), per
 * webhook and per tenant. In memory only: nothing here costs a KV operation.
 */
import type { Tenant } from "../../auth/api-keys";
import type { Env } from "../../env";
import type { TriggerSpec } from "../../workflow/plan";
import { formObject } from "../body/index";
import { rateLimitOf } from "../options/index";
import { limitFor, rateLimited, takeRateLimit } from "../rate-limit/index";

/**
 * The refusal for this delivery, or undefined to go on. `route` = the public trigger route, where the
 * workflow's `methods` apply (the owner's `/query` routes keep their own methods).
 *
 * @example
 * const refused = await admit(c.env, tenant, name, plan.trigger.webhook, c.req.method, true);
 * if (refused) return refused;
 */
export async function admit(
  env: Env,
  tenant: Tenant,
  name: string,
  webhook: TriggerSpec["webhook"],
  method: string,
  route: boolean,
): Promise<Response | undefined> {
  if (route) {
    const allowed = webhook?.methods ?? ["POST"];
    const m = method === "HEAD" ? "GET" : method;
    if (!allowed.includes(m as never)) {
      return new Response(
        JSON.stringify({
          error: {
            code: "METHOD_NOT_ALLOWED",
            message: `This webhook answers ${allowed.join(", ")} (trigger.webhook.methods), not ${method}`,
            allowed,
          },
        }),
        { status: 405, headers: { "content-type": "application/json", allow: allowed.join(", ") } },
      );
    }
  }
  const limit = limitFor(env, webhook);
  if (limit && env.ARCRUN_WEBHOOK_LIMITER && webhook?.rateLimit === undefined) {
    // Cloudflare: the platform's counter (per location, shared by isolates) for the open-webhook default.
    const { success } = await env.ARCRUN_WEBHOOK_LIMITER.limit({ key: `${tenant.keyHash}:${name}` });
    if (!success) return rateLimited("This open webhook is over the platform's rate limit", 60);
  } else if (limit) {
    const refused = takeRateLimit(`w:${tenant.keyHash}:${name}`, limit);
    if (refused) return refused;
  }
  const perTenant = env.ARCRUN_TENANT_WEBHOOK_RATE_LIMIT ? rateLimitOf(env.ARCRUN_TENANT_WEBHOOK_RATE_LIMIT) : false;
  return perTenant ? takeRateLimit(`t:${tenant.keyHash}`, perTenant) : undefined;
}

/**
 * A GET (or bodiless) delivery's input: its query parameters, a repeated one as a list.
 *
 * @example
 * queryInput("https://x/hook?hub.mode=subscribe&tag=a&tag=b") // { "hub.mode": "subscribe", tag: ["a", "b"] }
 */
export function queryInput(url: string): Record<string, unknown> {
  const q = url.indexOf("?");
  return q < 0 ? {} : formObject(new URLSearchParams(url.slice(q + 1)));
}
