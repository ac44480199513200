import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { findTenantByApiKey } from "../auth/api-keys";
import { hasAdminToken, presentedKey } from "../auth/middleware";
import { ApiError } from "../http/errors";
import { bearerSecurity, errorResponses } from "../http/schemas";
import { timingSafeEqual } from "../utils/crypto";
import { renderMetrics } from "./metrics";
import { pollTail, streamsTail, tailStream, wantsStream } from "./tail-stream";

const metrics = createRoute({
  method: "get",
  path: "/metrics",
  operationId: "getMetrics",
  tags: ["platform"],
  summary: "Prometheus metrics of this instance (ADMIN_TOKEN, METRICS_TOKEN or an admin API key)",
  security: bearerSecurity,
  responses: {
    200: { description: "Prometheus text format 0.0.4", content: { "text/plain": { schema: z.string() } } },
    ...errorResponses,
  },
});

const STATUSES = ["running", "succeeded", "failed", "waiting", "interrupted"] as const;
const tail = createRoute({
  method: "get",
  path: "/v1/tail",
  operationId: "tailExecutions",
  tags: ["executions"],
  summary: "Executions started or updated after a cursor, with their steps (what `acr tail` follows)",
  description:
    "With `Accept: text/event-stream` on `acr dev` / `acr serve`, a Server-Sent Events stream: `execution` events (the record, `id` = its `updated_at`) as records are stored, after those newer than `after`. On Cloudflare (and without that header) one JSON answer: poll with its `cursor`.",
  security: bearerSecurity,
  request: {
    query: z.object({
      after: z.string().optional().openapi({ description: "the cursor of the previous answer (an ISO time)" }),
      workflow: z.string().optional(),
      status: z.enum(STATUSES).optional(),
      limit: z.coerce.number().int().min(1).max(50).optional(),
    }),
  },
  responses: {
    200: {
      description: "Oldest first; `cursor` goes into the next call's `after`",
      content: {
        "application/json": {
          schema: z.object({ executions: z.array(z.record(z.string(), z.unknown())), cursor: z.string() }),
        },
        "text/event-stream": { schema: z.string().openapi({ description: "`event: execution` frames (local only)" }) },
      },
    },
    ...errorResponses,
  },
});

/** `/metrics` (before the `/v1` key check: it takes operator tokens too). */
export function registerObservability(app: OpenAPIHono<AppEnv>): void {
  app.openapi(metrics, async (c) => {
    const req = c.req.raw;
    const key = presentedKey(req);
    const token = c.env.METRICS_TOKEN;
    const allowed =
      hasAdminToken(req, c.env.ADMIN_TOKEN) ||
      (token !== undefined && token !== "" && key !== null && timingSafeEqual(key, token)) ||
      (key !== null && (await findTenantByApiKey(c.env, key))?.role === "admin");
    if (!allowed) throw new ApiError(401, "UNAUTHORIZED", "/metrics needs ADMIN_TOKEN, METRICS_TOKEN or an admin key");
    return c.text(renderMetrics(), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
  });
}

/** `GET /v1/tail`: a stream on acr dev / serve when asked for; otherwise one poll (one KV list). */
export function registerTail(app: OpenAPIHono<AppEnv>): void {
  app.openapi(tail, async (c) => {
    const q = c.req.valid("query");
    if (streamsTail(c.env) && wantsStream(c.req.raw)) return tailStream(c.env, c.var.tenant, q) as never;
    return c.json(await pollTail(c.env, c.var.tenant, q), 200);
  });
}
