import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { VERSION } from "../version";

const health = createRoute({
  method: "get",
  path: "/health",
  tags: ["platform"],
  operationId: "getHealth",
  summary: "Liveness and version",
  responses: {
    200: {
      description: "The platform is up",
      content: { "application/json": { schema: z.object({ ok: z.literal(true), version: z.string() }) } },
    },
  },
});

/** `GET /health` → `{ ok: true, version }`. Unauthenticated on purpose: load balancers call it. */
export function registerHealth(app: OpenAPIHono<AppEnv>): void {
  app.openapi(health, (c) => c.json({ ok: true as const, version: VERSION }, 200));
}
