import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { log, requestId, tenantTag } from "../observability/log";

/**
 * The one error shape of the API: `{ "error": { "code": "UPPER_SNAKE", "message": "...", ...details } }`.
 *
 * @example
 * throw new ApiError(404, "WORKFLOW_NOT_FOUND", `No workflow named "${name}"`, { name });
 */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }

  toJSON(): { error: Record<string, unknown> } {
    return { error: { ...this.details, code: this.code, message: this.message } };
  }
}

/**
 * A request that does not match its route's schema: 400 `VALIDATION_FAILED` naming each bad field.
 *
 * @example
 * const r = Schema.safeParse(value);
 * if (!r.success) throw validationFailed(r.error.issues);
 */
export function validationFailed(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): ApiError {
  return new ApiError(400, "VALIDATION_FAILED", "The request does not match the schema", {
    issues: issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message })),
  });
}

/** Renders any thrown value as the API's error shape; never leaks a stack trace. */
export function renderError(err: unknown, c: Context): Response {
  if (err instanceof ApiError) return c.json(err.toJSON(), err.status);
  const status = (err as { status?: unknown })?.status;
  if (typeof status === "number" && status >= 400 && status < 500) {
    const message = err instanceof Error && err.message ? err.message : "Bad request";
    return c.json({ error: { code: codeForStatus(status), message } }, status as ContentfulStatusCode);
  }
  // Unknown failures are logged for the operator but answered without internals.
  const tenant = (c.get("tenant") as { keyHash?: string } | undefined)?.keyHash;
  log(
    "error",
    "unhandled_error",
    { request_id: requestId(c.req.raw), ...(tenant ? { tenant: tenantTag(tenant) } : {}) },
    {
      method: c.req.method,
      path: c.req.path,
      error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
    },
  );
  return c.json({ error: { code: "INTERNAL", message: "The platform failed to handle this request" } }, 500);
}

function codeForStatus(status: number): string {
  switch (status) {
    case 400:
      return "BAD_REQUEST";
    case 401:
      return "UNAUTHORIZED";
    case 403:
      return "FORBIDDEN";
    case 404:
      return "NOT_FOUND";
    case 405:
      return "METHOD_NOT_ALLOWED";
    case 409:
      return "CONFLICT";
    case 413:
      return "PAYLOAD_TOO_LARGE";
    default:
      return "BAD_REQUEST";
  }
}
