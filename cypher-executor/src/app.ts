import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./app-env";
import { requireApiKey } from "./auth/middleware";
import { ApiError, renderError } from "./http/errors";
import { registerComponents } from "./routes/components";
import { registerCredentials } from "./routes/credentials";
import { registerHealth } from "./routes/health";
import { registerKeyAdmin, registerWhoami } from "./routes/keys";
import { registerRecipeAdmin, registerRecipes } from "./routes/recipes";
import { VERSION } from "./version";

/**
 * Builds the cypher-executor's HTTP API. Every `/v1/*` route requires an API key.
 *
 * @example
 * export default { fetch: createApp().fetch };
 */
export function createApp(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    // Request validation failures use the API's one error shape, naming each bad field.
    defaultHook: (result) => {
      if (!result.success) {
        throw new ApiError(400, "VALIDATION_FAILED", "The request does not match the schema", {
          issues: result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
        });
      }
    },
  });
  app.onError(renderError);
  app.notFound((c) =>
    c.json({ error: { code: "NOT_FOUND", message: `No route for ${c.req.method} ${c.req.path}` } }, 404),
  );

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", { type: "http", scheme: "bearer" });
  registerHealth(app);
  registerKeyAdmin(app);
  registerRecipeAdmin(app);

  app.use("/v1/*", requireApiKey());
  registerWhoami(app);
  registerCredentials(app);
  registerComponents(app);
  registerRecipes(app);

  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: { title: "arcrun cypher-executor API", version: VERSION },
  });
  return app;
}
