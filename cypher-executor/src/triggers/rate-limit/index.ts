/**
 * Per-webhook rate limits, counted in the isolate's memory: no KV write per request (Cloudflare KV takes
 * one write per second per key and 1,000 a day on the Free plan). A fixed window per webhook; over the
 * limit the caller gets 429 with `Retry-After`. On Cloudflare each isolate counts on its own, so the
 * limit holds per isolate (a burst from one client lands on few isolates); `acr serve`/`acr dev` have one.
 */
import type { Env } from "../../env";
import { rateLimitOf, type WebhookOptions } from "../options/index";

/** Open (`auth: none`) webhooks without a `rate_limit`: 60 calls a minute, unless the platform says otherwise. */
export const OPEN_WEBHOOK_DEFAULT = { requests: 60, windowMs: 60_000 };

interface Window {
  start: number;
  count: number;
  windowMs: number;
}
const windows = new Map<string, Window>();
const MAX_KEYS = 10_000;

/**
 * The limit that applies to a webhook: its own `rate_limit`, else for `auth: none` the platform's
 * `ARCRUN_OPEN_WEBHOOK_RATE_LIMIT` (`"60/1m"`, `off`) or {@link OPEN_WEBHOOK_DEFAULT}; else none.
 *
 * @example
 * limitFor(env, { auth: "none" }) // { requests: 60, windowMs: 60000 }
 */
export function limitFor(
  env: Env,
  webhook: { auth?: string; rateLimit?: WebhookOptions["rateLimit"] } | undefined,
): { requests: number; windowMs: number } | undefined {
  if (webhook?.rateLimit !== undefined) return webhook.rateLimit || undefined;
  if ((webhook?.auth ?? "api_key") !== "none") return undefined;
  const configured = env.ARCRUN_OPEN_WEBHOOK_RATE_LIMIT;
  if (configured) return rateLimitOf(configured) || undefined;
  return OPEN_WEBHOOK_DEFAULT;
}

/**
 * Counts one call against `key`; the 429 answer when the window is full, else undefined.
 *
 * @example
 * const refused = takeRateLimit(`${tenant.keyHash}:${name}`, { requests: 60, windowMs: 60_000 });
 * if (refused) return refused;
 */
export function takeRateLimit(
  key: string,
  limit: { requests: number; windowMs: number },
  now = Date.now(),
): Response | undefined {
  let w = windows.get(key);
  if (!w || now - w.start >= limit.windowMs) {
    if (!w && windows.size >= MAX_KEYS) prune(now);
    w = { start: now, count: 0, windowMs: limit.windowMs };
    windows.set(key, w);
  }
  if (w.count < limit.requests) {
    w.count++;
    return undefined;
  }
  const retryAfter = Math.max(1, Math.ceil((w.start + limit.windowMs - now) / 1000));
  return rateLimited(`This webhook takes ${limit.requests} calls per ${limit.windowMs / 1000} s`, retryAfter);
}

/**
 * The 429 answer: `RATE_LIMITED` with `Retry-After` (seconds).
 *
 * @example
 * rateLimited("This webhook takes 60 calls per 60 s", 12).headers.get("retry-after") // "12"
 */
export function rateLimited(why: string, retryAfter: number): Response {
  return new Response(
    JSON.stringify({
      error: { code: "RATE_LIMITED", message: `${why}; retry in ${retryAfter} s`, retry_after: retryAfter },
    }),
    { status: 429, headers: { "content-type": "application/json", "retry-after": String(retryAfter) } },
  );
}

/** Drops finished windows; all of them if every one is still live. */
function prune(now: number): void {
  for (const [k, w] of windows) if (now - w.start >= w.windowMs) windows.delete(k);
  if (windows.size >= MAX_KEYS) windows.clear();
}
