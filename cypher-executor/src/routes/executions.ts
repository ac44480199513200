import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { ExecutionResponseSchema, executionHeaders, NodeRecordSchema } from "../engine/http";
import { type Platform, resumeExecution } from "../engine/service";
import { effectiveStatus, listExecutions, loadExecution } from "../executions/index";
import { ApiError } from "../http/errors";
import { bearerSecurity, ErrorSchema, errorResponses } from "../http/schemas";
import { registerRerunRoute } from "../rerun/route";

const IdParam = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, example: "ex82359120543211a2b3c4d" }),
});
const json = <T extends z.ZodTypeAny>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
const STATUSES = ["running", "succeeded", "failed", "waiting", "interrupted"] as const;

const SummarySchema = z
  .object({
    id: z.string(),
    workflow: z.string(),
    status: z.enum(STATUSES),
    trigger: z.string(),
    started_at: z.string(),
    updated_at: z.string(),
    duration_ms: z.number().optional(),
  })
  .openapi("ExecutionSummary");

const RecordSchema = z
  .object({
    id: z.string(),
    workflow: z.string(),
    version: z.number(),
    status: z.enum(STATUSES),
    trigger: z.string(),
    started_at: z.string(),
    updated_at: z.string(),
    finished_at: z.string().optional(),
    duration_ms: z.number().optional(),
    input: z.unknown(),
    output: z.unknown().optional(),
    error: z.object({ code: z.string(), message: z.string() }).passthrough().optional(),
    nodes: z.record(z.string(), NodeRecordSchema),
    kv_writes: z.number(),
    resumes: z.number().optional(),
    rerun_of: z
      .object({ execution_id: z.string(), from: z.string(), version: z.number() })
      .optional()
      .openapi({ description: "A re-run: the execution it re-ran, from where, on which version" }),
  })
  .openapi("Execution");

const listRoute = createRoute({
  method: "get",
  path: "/v1/executions",
  tags: ["executions"],
  operationId: "listExecutions",
  summary: "The caller's executions, newest first",
  security: bearerSecurity,
  request: {
    query: z.object({
      workflow: z.string().optional(),
      status: z.enum(STATUSES).optional(),
      limit: z.coerce.number().int().min(1).max(200).optional(),
      // KV cursors are base64 text; anything else is the caller's mistake (400), not a storage error.
      cursor: z
        .string()
        .regex(/^[A-Za-z0-9+/=_-]{1,1024}$/, "cursor is the `cursor` value of a previous page")
        .optional(),
    }),
  },
  responses: {
    200: json(z.object({ executions: z.array(SummarySchema), cursor: z.string().nullable() }), "A page"),
    ...errorResponses,
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/executions/{id}",
  tags: ["executions"],
  operationId: "getExecution",
  summary: "One execution with every node: status, attempts, timings, input, data or error",
  security: bearerSecurity,
  request: { params: IdParam },
  responses: {
    200: json(RecordSchema, "The execution"),
    ...errorResponses,
    404: json(ErrorSchema, "No such execution"),
  },
});

const resumeRoute = createRoute({
  method: "post",
  path: "/v1/executions/{id}/resume",
  tags: ["executions"],
  operationId: "resumeExecution",
  summary: "Continue a failed, interrupted or waiting execution; finished nodes are not re-run",
  security: bearerSecurity,
  request: {
    params: IdParam,
    body: {
      required: false,
      content: {
        "application/json": {
          schema: z.object({
            task_id: z.string().optional().openapi({ description: "The pending task this result completes" }),
            result: z.unknown().optional(),
            version: z.enum(["original", "current"]).optional().openapi({
              description:
                "`current`: continue on the workflow as deployed now, when it still fits the finished nodes (else 409 `WORKFLOW_CHANGED`)",
            }),
          }),
        },
      },
    },
  },
  responses: {
    200: json(ExecutionResponseSchema, "The execution after resuming"),
    ...errorResponses,
    404: json(ErrorSchema, "No such execution or task"),
    409: json(ErrorSchema, "Already succeeded or still running"),
  },
});

/** `/v1/executions*`: history and resume. */
export function registerExecutionRoutes(app: OpenAPIHono<AppEnv>, platform: () => Platform): void {
  app.openapi(listRoute, async (c) => c.json(await listExecutions(c.env, c.var.tenant, c.req.valid("query")), 200));

  app.openapi(getRoute, async (c) => {
    const { id } = c.req.valid("param");
    const rec = await loadExecution(c.env, c.var.tenant, id);
    if (!rec) throw new ApiError(404, "EXECUTION_NOT_FOUND", `No execution "${id}"`, { id });
    return c.json({ ...rec, status: effectiveStatus(rec.status, rec.updated_at) }, 200);
  });

  app.openapi(resumeRoute, async (c) => {
    const { id } = c.req.valid("param");
    const text = await c.req.text();
    let body: { task_id?: string; result?: unknown; version?: "current" | "original" } = {};
    if (text.trim()) {
      try {
        body = JSON.parse(text);
      } catch (err) {
        throw new ApiError(400, "INVALID_JSON", `The request body is not valid JSON: ${(err as Error).message}`);
      }
    }
    const r = await resumeExecution(c.env, c.var.tenant, platform(), id, body, (p) => c.executionCtx.waitUntil(p));
    executionHeaders(c, r);
    return c.json(r, 200);
  });

  registerRerunRoute(app, platform);
}
