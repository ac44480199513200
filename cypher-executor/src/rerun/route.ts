/** `POST /v1/executions/{id}/rerun`: a new execution of an earlier one's input (src/rerun). */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { AcceptedSchema, ExecutionResponseSchema, executionHeaders } from "../engine/http";
import type { Platform } from "../engine/service";
import { ApiError, validationFailed } from "../http/errors";
import { bearerSecurity, ErrorSchema, errorResponses } from "../http/schemas";
import { type RerunRequest, rerunExecution } from "./index";

const RerunBody = z.object({
  from: z.string().optional().openapi({
    description:
      "`start` (default): every node runs again; `failed`: the succeeded nodes (and a failed FOREACH's finished elements) are reused and only the rest runs; a node id: that node and everything downstream run again, the nodes before it are reused",
    example: "failed",
  }),
  version: z.enum(["original", "current"]).optional().openapi({
    description:
      "`original` (default): the version the execution ran; `current`: the workflow as deployed now (409 `WORKFLOW_CHANGED` when reused nodes were removed or changed component)",
  }),
});

const rerunRoute = createRoute({
  method: "post",
  path: "/v1/executions/{id}/rerun",
  tags: ["executions"],
  operationId: "rerunExecution",
  summary: "Run an execution again with the same input: a new execution linked to the old one (`rerun_of`)",
  security: bearerSecurity,
  request: {
    params: z.object({
      id: z.string().openapi({ param: { name: "id", in: "path" }, example: "ex82359120543211a2b3c4d" }),
    }),
    query: z.object({ wait: z.enum(["true", "false"]).optional() }),
    body: { required: false, content: { "application/json": { schema: RerunBody } } },
  },
  responses: {
    200: {
      description: "The new execution finished (succeeded or failed) or parked (waiting)",
      content: { "application/json": { schema: ExecutionResponseSchema } },
    },
    202: { description: "Started (`?wait=false`)", content: { "application/json": { schema: AcceptedSchema } } },
    ...errorResponses,
    404: { description: "No such execution", content: { "application/json": { schema: ErrorSchema } } },
    409: {
      description:
        "Not failed (`from: failed`), input not kept, version deleted, or the current version no longer fits",
      content: { "application/json": { schema: ErrorSchema } },
    },
  },
});

/**
 * Registers the re-run route.
 *
 * @example
 * registerRerunRoute(app, getPlatform);
 */
export function registerRerunRoute(app: OpenAPIHono<AppEnv>, platform: () => Platform): void {
  app.openapi(rerunRoute, async (c) => {
    const { id } = c.req.valid("param");
    const wait = c.req.valid("query").wait !== "false";
    const text = await c.req.text();
    let body: RerunRequest = {};
    if (text.trim()) {
      try {
        body = JSON.parse(text);
      } catch (err) {
        throw new ApiError(400, "INVALID_JSON", `The request body is not valid JSON: ${(err as Error).message}`);
      }
      // Without a JSON content type the route's validator did not run: the same check here.
      const parsed = RerunBody.safeParse(body);
      if (!parsed.success) throw validationFailed(parsed.error.issues);
      body = parsed.data;
    }
    const r = await rerunExecution(c.env, c.var.tenant, platform(), id, body, {
      wait,
      waitUntil: (p) => c.executionCtx.waitUntil(p),
    });
    if (!wait) return c.json({ execution_id: r.execution_id, status: "running" as const }, 202);
    executionHeaders(c, r);
    return c.json(r, 200);
  });
}
