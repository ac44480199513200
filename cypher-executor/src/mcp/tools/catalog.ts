import { z } from "@hono/zod-openapi";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ApiCall } from "../api";
import type { Library } from "../library";
import { apiFailure, toolResult } from "./result";

interface Manifest {
  name: string;
  description: string;
  input_schema: unknown;
  output_schema: unknown;
  capabilities: string[];
}

/** Read-only catalogue tools: components, recipes, credential names. */
export function registerCatalogTools(server: McpServer, api: ApiCall, library: Library): void {
  server.registerTool(
    "list_components",
    {
      title: "List components",
      description:
        "The built-in components a workflow step can use (`component:` in its config), with each one's input schema and an example input.",
      annotations: { readOnlyHint: true },
    },
    async () => {
      const r = await api("GET", "/v1/components");
      if (r.status !== 200) return apiFailure("list_components", r);
      const components = (r.body as { components: Manifest[] }).components.map((m) => ({
        name: m.name,
        description: m.description,
        input_schema: m.input_schema,
        capabilities: m.capabilities,
        ...(library.components[m.name]?.example !== undefined ? { example: library.components[m.name]?.example } : {}),
      }));
      return toolResult(`${components.length} components: ${components.map((c) => c.name).join(", ")}`, {
        components,
      });
    },
  );

  server.registerTool(
    "get_component",
    {
      title: "Get a component",
      description: "One component: its manifest (input and output schemas), README and an example input.",
      inputSchema: {
        name: z
          .string()
          .regex(/^[a-z][a-z0-9_]*$/)
          .describe("Component name, e.g. set"),
      },
      annotations: { readOnlyHint: true },
    },
    async ({ name }) => {
      const r = await api("GET", `/v1/components/${encodeURIComponent(name)}`);
      if (r.status !== 200) return apiFailure("get_component", r);
      const doc = library.components[name];
      return toolResult(`component ${name}`, {
        manifest: r.body,
        ...(doc?.readme ? { readme: doc.readme } : {}),
        ...(doc?.example !== undefined ? { example: doc.example } : {}),
      });
    },
  );

  server.registerTool(
    "list_recipes",
    {
      title: "List recipes",
      description:
        "API recipes (ready-made calls to third-party services, usable as `component: <recipe id>`) and auth recipes, optionally filtered by a search text.",
      inputSchema: { query: z.string().max(200).optional().describe("Search text, e.g. telegram") },
      annotations: { readOnlyHint: true },
    },
    async ({ query }) => {
      const [recipes, auth] = await Promise.all([
        api("GET", `/v1/recipes${query ? `?q=${encodeURIComponent(query)}` : ""}`),
        api("GET", "/v1/auth-recipes"),
      ]);
      if (recipes.status !== 200) return apiFailure("list_recipes", recipes);
      if (auth.status !== 200) return apiFailure("list_recipes", auth);
      const list = (recipes.body as { recipes: unknown[] }).recipes;
      return toolResult(`${list.length} API recipes`, { recipes: list, auth_recipes: auth.body });
    },
  );

  server.registerTool(
    "list_credentials",
    {
      title: "List credential names",
      description:
        "The names of the caller's stored credentials, to reference as {{ credential.NAME }}. Never their values: a human sets credentials with `acr credential set NAME`.",
      annotations: { readOnlyHint: true },
    },
    async () => {
      const r = await api("GET", "/v1/credentials");
      if (r.status !== 200) return apiFailure("list_credentials", r);
      const names = (r.body as { credentials: { name: string }[] }).credentials.map((c) => c.name);
      return toolResult(`${names.length} credentials: ${names.join(", ") || "(none)"}`, { credentials: names });
    },
  );
}
