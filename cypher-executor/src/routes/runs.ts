import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { AcceptedSchema, ExecutionResponseSchema, executionHeaders, parseInput, triggerMeta } from "../engine/http";
import { type Platform, startExecution } from "../engine/service";
import { bearerSecurity, ErrorSchema, errorResponses } from "../http/schemas";

const runRoute = createRoute({
  method: "post",
  path: "/v1/workflows/{name}/runs",
  tags: ["executions"],
  operationId: "createRun",
  summary: "Run a workflow with the JSON body as its input; waits for the result unless `?wait=false`",
  security: bearerSecurity,
  request: {
    params: z.object({ name: z.string().openapi({ param: { name: "name", in: "path" }, example: "hello" }) }),
    query: z.object({ wait: z.enum(["true", "false"]).optional() }),
    // A media range, so no generic validator answers first: parseInput names JSON errors itself.
    body: {
      required: false,
      content: { "*/*": { schema: z.unknown().openapi({ description: "The input, as JSON (empty = {})" }) } },
    },
  },
  responses: {
    200: {
      description: "The execution finished (succeeded or failed) or parked (waiting)",
      content: { "application/json": { schema: ExecutionResponseSchema } },
    },
    202: { description: "Started (`?wait=false`)", content: { "application/json": { schema: AcceptedSchema } } },
    ...errorResponses,
    404: { description: "No such workflow", content: { "application/json": { schema: ErrorSchema } } },
  },
});

/** `POST /v1/workflows/{name}/runs`. */
export function registerRunRoutes(app: OpenAPIHono<AppEnv>, platform: () => Platform): void {
  app.openapi(
    runRoute,
    async (c) => {
      const { name } = c.req.valid("param");
      const wait = c.req.valid("query").wait !== "false";
      const input = parseInput(await c.req.text(), c.req.header("content-type") ?? null);
      const r = await startExecution(c.env, c.var.tenant, platform(), {
        name,
        input,
        meta: triggerMeta(c.req.raw),
        trigger: "api",
        wait,
        waitUntil: (p) => c.executionCtx.waitUntil(p),
        idempotencyKey: c.req.header("idempotency-key"),
      });
      if (!wait) return c.json({ execution_id: r.execution_id, status: "running" as const }, 202);
      executionHeaders(c, r);
      return c.json(r, 200);
    },
    // The body is any JSON (or nothing): it is parsed by parseInput, which names JSON errors.
  );
}
