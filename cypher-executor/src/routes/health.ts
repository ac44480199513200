import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { checkStorage } from "../observability/health";
import { VERSION } from "../version";

const HealthSchema = z.object({
  ok: z.boolean(),
  version: z.string(),
  storage: z.object({ kv: z.string(), r2: z.string() }),
});

const health = createRoute({
  method: "get",
  path: "/health",
  tags: ["platform"],
  operationId: "getHealth",
  summary: "Liveness, version, and whether storage (KV, R2) answers",
  responses: {
    200: {
      description: "The platform is up and its storage answers",
      content: { "application/json": { schema: HealthSchema } },
    },
    503: {
      description: "Storage does not answer",
      content: { "application/json": { schema: HealthSchema } },
    },
  },
});

/** `GET /health` → `{ ok, version, storage }`. Unauthenticated on purpose: load balancers call it. */
export function registerHealth(app: OpenAPIHono<AppEnv>): void {
  app.openapi(health, async (c) => {
    const storage = await checkStorage(c.env);
    const ok = storage.kv === "ok" && storage.r2 === "ok";
    return ok ? c.json({ ok, version: VERSION, storage }, 200) : c.json({ ok, version: VERSION, storage }, 503);
  });
}
