import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./app-env";
import { requireApiKey } from "./auth/middleware";
import { wrongKeyThrottle } from "./auth/throttle";
import { registerConsole } from "./console/index";
import { getPlatform } from "./engine/platform";
import { corsFromConfig } from "./http/cors/index";
import { renderError, validationFailed } from "./http/errors";
import { registerMcp } from "./mcp/index";
import { registerObservability, registerTail } from "./observability/index";
import { registerComponents } from "./routes/components";
import { registerCredentials } from "./routes/credentials";
import { registerExecutionRoutes } from "./routes/executions";
import { registerHealth } from "./routes/health";
import { registerKeyAdmin, registerWhoami } from "./routes/keys";
import { registerRecipeAdmin, registerRecipes } from "./routes/recipes";
import { registerRunRoutes } from "./routes/runs";
import { registerValidateRoutes } from "./routes/validate";
import { registerWebhookRoutes } from "./routes/webhooks";
import { registerWorkflowRoutes } from "./routes/workflows";
import { registerSessionRoutes } from "./sessions/index";
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
      if (!result.success) throw validationFailed(result.error.issues);
    },
  });
  app.onError(renderError);
  app.notFound((c) =>
    c.json({ error: { code: "NOT_FOUND", message: `No route for ${c.req.method} ${c.req.path}` } }, 404),
  );

  // Before every route and before authentication: preflights carry no API key.
  app.use("*", corsFromConfig());
  // Repeated invalid keys from one client: 429 before any lookup (memory only, no KV write).
  app.use("*", wrongKeyThrottle());
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", { type: "http", scheme: "bearer" });
  registerHealth(app);
  registerConsole(app);
  registerKeyAdmin(app);
  registerObservability(app);
  registerRecipeAdmin(app);

  // Webhook routes authenticate per route: a trigger may be open (auth: none) or signed (hmac).
  registerWebhookRoutes(app, getPlatform);

  app.use("/v1/*", requireApiKey());
  registerWorkflowRoutes(app, getPlatform);
  registerRunRoutes(app, getPlatform);
  registerTail(app);
  registerExecutionRoutes(app, getPlatform);
  // Validation is authenticated like /v1 (the catalog includes the tenant's own recipes).
  app.use("/validate", requireApiKey());
  app.use("/cypher/*", requireApiKey());
  registerValidateRoutes(app, (c) => getPlatform().catalog(c.env, c.var.tenant));
  registerWhoami(app);
  registerSessionRoutes(app);
  registerCredentials(app);
  registerComponents(app);
  registerRecipes(app);
  // MCP for AI agents: tools call the routes above in process, as the caller.
  registerMcp(app);

  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: { title: "arcrun cypher-executor API", version: VERSION },
  });
  return app;
}
