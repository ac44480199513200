/** Field names whose values are never logged, whatever a caller passes. */
const SECRET = /authorization|api[_-]?key|secret|token|password|cookie|credential|encryption|plaintext|^value$/i;

/** What identifies a log line's context; `tenant` is a short hash prefix, never a key. */
export interface LogContext {
  request_id?: string;
  execution_id?: string;
  /** First 12 hex characters of the tenant's key hash. */
  tenant?: string;
  workflow?: string;
  node?: string;
}

/**
 * Writes one structured JSON log line (Workers Logs / `acr serve --verbose` / any log shipper reads it).
 * Secret-looking fields are replaced by "[redacted]"; strings are cut at 500 characters.
 *
 * @example
 * log("warn", "host_call_failed", { execution_id: id, tenant: tenantTag(t.keyHash) }, { fn: "http_request" });
 */
export function log(
  level: "debug" | "info" | "warn" | "error",
  event: string,
  ctx: LogContext = {},
  fields: Record<string, unknown> = {},
): void {
  const line: Record<string, unknown> = { ts: new Date().toISOString(), level, event };
  for (const [k, v] of Object.entries({ ...ctx, ...fields })) {
    if (v === undefined) continue;
    line[k] = SECRET.test(k) ? "[redacted]" : typeof v === "string" && v.length > 500 ? `${v.slice(0, 500)}…` : v;
  }
  const text = JSON.stringify(line);
  if (level === "error") console.error(text);
  else if (level === "warn") console.warn(text);
  else console.log(text);
}

/** The tenant tag logs carry: a prefix of the key hash (which is itself not secret). */
export function tenantTag(keyHash: string): string {
  return keyHash.slice(0, 12);
}

/** A request id: the caller's `x-request-id` or Cloudflare's `cf-ray` when present, else a new one. */
export function requestId(req: Request): string {
  return req.headers.get("x-request-id") ?? req.headers.get("cf-ray") ?? crypto.randomUUID();
}
