import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "../../app-env";

/** Headers a browser client (the JS SDK) sends and reads; see docs/api.md "CORS". */
const ALLOW_HEADERS = [
  "authorization",
  "content-type",
  "x-arcrun-api-key",
  "x-arcrun-exposure-consent",
  "idempotency-key",
];
const EXPOSE_HEADERS = ["retry-after", "x-arcrun-kv-writes", "x-arcrun-execution-id", "location"];

let cached: { list: string; handler: MiddlewareHandler<AppEnv> } | undefined;

/**
 * CORS for browser callers, driven by the platform's `ARCRUN_CORS_ORIGINS` (comma-separated exact origins,
 * or `*`). Unset or empty: off, and the middleware costs one string check per request. Preflights are
 * answered before authentication (browsers never send the API key on them); an origin outside the list
 * gets no `Access-Control-Allow-Origin`, so the browser blocks the call. Credentials mode stays off:
 * the API authenticates with a bearer key, never a cookie.
 *
 * @example
 * app.use("*", corsFromConfig()); // ARCRUN_CORS_ORIGINS="https://app.example.com,http://localhost:5173"
 */
export function corsFromConfig(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const list = c.env?.ARCRUN_CORS_ORIGINS?.trim();
    if (!list) return next();
    if (cached?.list !== list) cached = { list, handler: build(list) };
    return cached.handler(c, next);
  };
}

function build(list: string): MiddlewareHandler<AppEnv> {
  const origins = new Set(
    list
      .split(",")
      .map((o) => o.trim().replace(/\/+$/, ""))
      .filter(Boolean),
  );
  const any = origins.has("*");
  return cors({
    origin: (origin) => (origin && (any || origins.has(origin)) ? origin : null),
    allowMethods: ["GET", "HEAD", "PUT", "POST", "DELETE", "PATCH"],
    allowHeaders: ALLOW_HEADERS,
    exposeHeaders: EXPOSE_HEADERS,
    maxAge: 600,
    credentials: false,
  }) as MiddlewareHandler<AppEnv>;
}
