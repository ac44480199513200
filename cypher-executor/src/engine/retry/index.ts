/**
 * Which failures a step's `retry:` policy may repeat. Retrying only helps when the cause can go
 * away by itself (a network hiccup, a timeout, an overloaded server); a refused host, a 404 or a
 * bad input fails the same way every time, so those end the step at once.
 * The table is documented per code in docs/engine.md ("Retries").
 */
import type { ComponentError } from "../../runtime/types";

/** Codes that never change on a second try. */
const PERMANENT = new Set([
  "SSRF_BLOCKED",
  "HOST_NOT_ALLOWED",
  "BAD_HOST_REQUEST",
  "REQUEST_TOO_LARGE",
  "RESPONSE_TOO_LARGE",
  "CREDENTIAL_UNAVAILABLE",
  "CREDENTIAL_NOT_FOUND",
  "INVALID_PRIVATE_KEY",
  "KV_ACCESS_DENIED",
  "MISSING_FIELD",
  "INVALID_FIELD",
  "INVALID_INPUT",
  "INVALID_URL",
  "INPUT_INVALID",
  "VALIDATION_FAILED",
]);

/** The longest `Retry-After` honoured; a server asking for more ends the step (its ON_FAIL runs). */
export const MAX_RETRY_AFTER_MS = 60_000;

/** What to do after a failed attempt: give up, or wait `delayMs` (undefined: the policy's delay). */
export type RetryDecision = { retry: false } | { retry: true; delayMs?: number };

/**
 * Classifies a failed attempt. `HTTP_STATUS` (http_request's error for a status >= 400) is
 * retryable for 408, 429 and 5xx; `Retry-After` (seconds or an HTTP date) on a 429 or 503 sets the wait.
 *
 * @example
 * retryDecision({ code: "HTTP_STATUS", message: "", details: { status: 429, headers: { "retry-after": "1" } } })
 * // { retry: true, delayMs: 1000 }
 */
export function retryDecision(error: ComponentError, now = Date.now()): RetryDecision {
  if (PERMANENT.has(error.code) || error.code.startsWith("INVALID_")) return { retry: false };
  if (error.code !== "HTTP_STATUS") return { retry: true };
  const status = Number(error.details?.status);
  if (!(status === 408 || status === 429 || status >= 500)) return { retry: false };
  if (status !== 429 && status !== 503) return { retry: true };
  const headers = error.details?.headers as Record<string, unknown> | undefined;
  const after = retryAfterMs(headers?.["retry-after"], now);
  if (after === undefined) return { retry: true };
  if (after > MAX_RETRY_AFTER_MS) return { retry: false };
  return { retry: true, delayMs: after };
}

/** `Retry-After: 120` or `Retry-After: Wed, 21 Oct 2026 07:28:00 GMT`, in ms from `now`. */
function retryAfterMs(value: unknown, now: number): number | undefined {
  if (typeof value !== "string" || value.trim() === "") return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
