import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { findTenantByApiKey } from "../auth/api-keys";
import { hasAdminToken, presentedKey } from "../auth/middleware";
import { listExecutions, loadExecution } from "../executions/index";
import { ApiError } from "../http/errors";
import { bearerSecurity, errorResponses } from "../http/schemas";
import { timingSafeEqual } from "../utils/crypto";
import { renderMetrics } from "./metrics";

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
  summary: "Executions started or updated after a cursor, with their steps (what `acr tail` polls)",
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

/** `GET /v1/tail`: one KV list and a read per new or changed execution; pollers pick their interval. */
export function registerTail(app: OpenAPIHono<AppEnv>): void {
  app.openapi(tail, async (c) => {
    const q = c.req.valid("query");
    const after = q.after ?? new Date(Date.now() - 60_000).toISOString();
    const { executions } = await listExecutions(c.env, c.var.tenant, {
      workflow: q.workflow,
      status: q.status,
      limit: q.limit ?? 20,
    });
    const fresh = executions.filter((e) => e.updated_at > after).reverse();
    const records = await Promise.all(fresh.map((e) => loadExecution(c.env, c.var.tenant, e.id)));
    const out = records
      .filter((r) => r !== null)
      .map((r) => ({ ...r, status: fresh.find((e) => e.id === r.id)?.status ?? r.status }));
    // ISO times sort as strings: the newest seen becomes the next `after`.
    const cursor = [after, ...fresh.map((e) => e.updated_at)].sort().at(-1) ?? after;
    return c.json({ executions: out as Array<Record<string, unknown>>, cursor }, 200);
  });
}
