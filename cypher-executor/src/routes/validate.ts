import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { ApiError } from "../http/errors";
import { bearerSecurity, errorResponses } from "../http/schemas";
import { compileFlow, compileWorkflow, describeFlow } from "../workflow/index";
import type { ComponentCatalog } from "../workflow/plan";

/** Largest workflow source accepted (the stored-workflow limit is the same order). */
const MAX_SOURCE_BYTES = 512 * 1024;

const DiagnosticSchema = z
  .object({
    code: z.string().openapi({ example: "UNKNOWN_EDGE_LABEL" }),
    message: z.string(),
    path: z.string().optional().openapi({ example: "flow[2]" }),
    pos: z.object({ line: z.number(), column: z.number(), flowColumn: z.number().optional() }).optional(),
  })
  .openapi("Diagnostic");

const GraphSchema = z
  .object({
    nodes: z.array(z.object({ id: z.string(), component: z.string().nullable(), role: z.string() }).passthrough()),
    edges: z.array(z.object({ from: z.string(), to: z.string(), kind: z.string() }).passthrough()),
    order: z.array(z.string()),
    outputs: z.array(z.string()),
  })
  .openapi("FlowGraph");

const validate = createRoute({
  method: "post",
  path: "/validate",
  tags: ["workflows"],
  operationId: "validateWorkflow",
  summary: "Validate a workflow YAML without storing it: every error and warning, with line and column",
  security: bearerSecurity,
  request: {
    body: {
      required: true,
      content: { "application/yaml": { schema: z.string().openapi({ example: "name: hello\nflow: []\n" }) } },
    },
  },
  responses: {
    200: {
      description: "The verdict; `graph` is present when valid",
      content: {
        "application/json": {
          schema: z.object({
            valid: z.boolean(),
            errors: z.array(DiagnosticSchema),
            warnings: z.array(DiagnosticSchema).openapi({ description: "Problems that do not block the workflow" }),
            graph: GraphSchema.optional(),
          }),
        },
      },
    },
    ...errorResponses,
  },
});

const SearchBody = z
  .object({
    triplets: z
      .union([z.array(z.string()), z.string()])
      .openapi({ example: ["input >> ON_SUCCESS >> a", "(a)-[:ON_SUCCESS]->(b:set)"] }),
    mode: z.literal("compile").default("compile"),
  })
  .openapi("CypherSearch");

const search = createRoute({
  method: "post",
  path: "/cypher/search",
  tags: ["workflows"],
  operationId: "compileFlow",
  summary: "Compile flow entries (arrow or Cypher form) into the graph they describe",
  security: bearerSecurity,
  request: { body: { required: true, content: { "application/json": { schema: SearchBody } } } },
  responses: {
    200: {
      description: "The compiled graph",
      content: {
        "application/json": {
          schema: z.object({
            mode: z.literal("compile"),
            graph: GraphSchema,
            cypher: z
              .object({ nodes: z.array(z.object({ id: z.string() }).passthrough()), edges: z.array(z.unknown()) })
              .openapi({ description: "The same graph in the original arcrun's shape (`componentId` per node)" }),
            missing: z.array(z.string()).openapi({ description: "Cypher-label components the platform does not have" }),
          }),
        },
      },
    },
    ...errorResponses,
  },
});

/**
 * `POST /validate` (YAML body → `{ valid, errors, graph? }`) and `POST /cypher/search`
 * (`{ triplets, mode: "compile" }` → the graph). Both need an API key: mount after
 * `app.use("/validate", requireApiKey())` and `app.use("/cypher/*", requireApiKey())`.
 *
 * @example
 * registerValidateRoutes(app, () => platform().catalog);
 */
export function registerValidateRoutes(
  app: OpenAPIHono<AppEnv>,
  catalog: (c: Context<AppEnv>) => ComponentCatalog | Promise<ComponentCatalog>,
): void {
  app.openapi(validate, async (c) => {
    const source = await readSource(c.req.raw);
    const result = compileWorkflow(source, await catalog(c));
    const warnings = result.warnings ?? [];
    if (!result.ok) return c.json({ valid: false, errors: result.errors, warnings }, 200);
    return c.json({ valid: true, errors: [], warnings, graph: describeFlow(result.plan) }, 200);
  });

  app.openapi(search, async (c) => {
    const body = c.req.valid("json");
    const entries =
      typeof body.triplets === "string"
        ? body.triplets
            .split("\n")
            .map((l) =>
              l
                .trim()
                .replace(/^-\s+/, "")
                .replace(/^"(.*)"$/, "$1"),
            )
            .filter((l) => l !== "" && !l.startsWith("#"))
        : body.triplets;
    if (entries.length === 0)
      throw new ApiError(400, "EMPTY_FLOW", "No flow entries to compile", { field: "triplets" });
    const { graph, errors } = compileFlow(entries);
    if (!graph) {
      throw new ApiError(400, "INVALID_FLOW", `${errors.length} problem(s) in the flow entries`, { errors });
    }
    // `cypher` and `missing` keep the original arcrun's deploy scripts working unchanged.
    const known = await catalog(c);
    const missing = graph.nodes
      .map((n) => n.component)
      .filter((name): name is string => !!name && name !== "input" && !known.manifest(name) && !known.isRecipe?.(name));
    const cypher = {
      nodes: graph.nodes.map((n) => ({ id: n.id, role: n.role, ...(n.component ? { componentId: n.component } : {}) })),
      edges: graph.edges,
    };
    return c.json({ mode: "compile" as const, graph, cypher, missing: [...new Set(missing)] }, 200);
  });
}

/** The YAML text: a raw body, or JSON `{ "yaml": "..." }` / `{ "source": "..." }` for JSON-only clients. */
async function readSource(req: Request): Promise<string> {
  const length = Number(req.headers.get("content-length") ?? 0);
  if (length > MAX_SOURCE_BYTES) {
    throw new ApiError(413, "PAYLOAD_TOO_LARGE", `A workflow is at most ${MAX_SOURCE_BYTES} bytes`);
  }
  const text = await req.text();
  if (text.length > MAX_SOURCE_BYTES) {
    throw new ApiError(413, "PAYLOAD_TOO_LARGE", `A workflow is at most ${MAX_SOURCE_BYTES} bytes`);
  }
  if ((req.headers.get("content-type") ?? "").includes("application/json")) {
    try {
      const j = JSON.parse(text) as { yaml?: unknown; source?: unknown };
      const s = j.yaml ?? j.source;
      if (typeof s === "string") return s;
    } catch {
      // Not JSON after all: YAML is a superset of JSON, so compile the text as it is.
    }
  }
  if (text.trim() === "") throw new ApiError(400, "EMPTY_BODY", "Send the workflow YAML as the request body");
  return text;
}
