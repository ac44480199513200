/**
 * An error answered by the platform, in its `{ error: { code, message, ...details } }` shape, or raised
 * by the client itself (`UNREACHABLE`, `TIMEOUT`, `ENCRYPTION_KEY_MISSING`). Subclasses by HTTP status let
 * callers `catch` by kind; `code` is always the platform's (e.g. `CREDENTIAL_KEY_MISMATCH`).
 *
 * @example
 * try { await arc.workflows.get("nope"); } catch (e) { if (e instanceof NotFoundError) console.log(e.code); }
 */
export class ArcrunError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "ArcrunError";
  }
}

/** 400: the request is malformed (`VALIDATION_FAILED`, `INVALID_JSON`, …). */
export class BadRequestError extends ArcrunError {
  override name = "BadRequestError";
}
/** 401: no, or an unknown, API key / signature (`UNAUTHORIZED`, `SIGNATURE_MISMATCH`). */
export class AuthenticationError extends ArcrunError {
  override name = "AuthenticationError";
}
/** 403: the key may not do this (`FORBIDDEN`, `EXPOSURE_CONSENT_REQUIRED`). */
export class PermissionDeniedError extends ArcrunError {
  override name = "PermissionDeniedError";
}
/** 404: no such workflow, execution, credential, … */
export class NotFoundError extends ArcrunError {
  override name = "NotFoundError";
}
/** 409: the state forbids it (`CREDENTIAL_KEY_MISMATCH`, resuming a finished execution). */
export class ConflictError extends ArcrunError {
  override name = "ConflictError";
}
/** 413 / 422: understood but refused (a workflow that does not validate, a record too large). */
export class UnprocessableError extends ArcrunError {
  override name = "UnprocessableError";
}
/** 429: slow down; `retryAfterMs` from `Retry-After` when the platform sent one. */
export class RateLimitError extends ArcrunError {
  override name = "RateLimitError";
  retryAfterMs?: number;
}
/** 5xx: the platform failed. */
export class ServerError extends ArcrunError {
  override name = "ServerError";
}
/** No HTTP answer at all (`UNREACHABLE`) or none in time (`TIMEOUT`): status 0. */
export class ConnectionError extends ArcrunError {
  override name = "ConnectionError";
}

/** The error class for an HTTP status. */
export function errorFor(status: number, code: string, message: string, details: Record<string, unknown>): ArcrunError {
  const Kind =
    status === 400
      ? BadRequestError
      : status === 401
        ? AuthenticationError
        : status === 403
          ? PermissionDeniedError
          : status === 404
            ? NotFoundError
            : status === 409
              ? ConflictError
              : status === 413 || status === 422
                ? UnprocessableError
                : status === 429
                  ? RateLimitError
                  : status >= 500
                    ? ServerError
                    : ArcrunError;
  return new Kind(status, code, message, details);
}
