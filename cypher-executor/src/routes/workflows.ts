import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import type { Platform } from "../engine/service";
import { ApiError } from "../http/errors";
import { bearerSecurity, ErrorSchema, errorResponses } from "../http/schemas";
import { EXPOSURE_CONSENT_HEADER, enforceWorkflowExposure } from "../recipes/index";
import {
  checkName,
  deleteWorkflow,
  getWorkflow,
  listVersions,
  listWorkflows,
  putWorkflow,
} from "../workflow-store/index";

const NameParam = z.object({
  name: z.string().openapi({ param: { name: "name", in: "path" }, example: "hello" }),
});
const json = <T extends z.ZodTypeAny>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
const notFound = { 404: json(ErrorSchema, "No such workflow (WORKFLOW_NOT_FOUND)") };

const WorkflowSchema = z
  .object({
    name: z.string(),
    version: z.number(),
    source: z.string().openapi({ description: "The YAML as deployed" }),
    description: z.string().optional(),
    cron: z.string().optional(),
    webhook_auth: z.enum(["api_key", "hmac", "none"]),
    created_at: z.string(),
  })
  .openapi("Workflow");

const SummarySchema = z
  .object({
    name: z.string(),
    version: z.number(),
    description: z.string().optional(),
    cron: z.string().optional(),
    updated_at: z.string(),
  })
  .openapi("WorkflowSummary");

const putRoute = createRoute({
  method: "put",
  path: "/v1/workflows/{name}",
  tags: ["workflows"],
  operationId: "deployWorkflow",
  summary: "Deploy a workflow (YAML body): validated, stored as a new version (a byte-identical one keeps the current)",
  security: bearerSecurity,
  request: {
    params: NameParam,
    body: {
      required: true,
      content: {
        "application/yaml": { schema: z.string() },
        "text/plain": { schema: z.string() },
      },
    },
  },
  responses: {
    200: json(WorkflowSchema.omit({ source: true }), "A new version of an existing workflow"),
    201: json(WorkflowSchema.omit({ source: true }), "Created"),
    ...errorResponses,
    403: json(
      ErrorSchema,
      "Sends data to third-party hosts: needs X-Arcrun-Exposure-Consent (EXPOSURE_CONSENT_REQUIRED)",
    ),
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/workflows",
  tags: ["workflows"],
  operationId: "listWorkflows",
  summary: "The caller's workflows",
  security: bearerSecurity,
  responses: { 200: json(z.object({ workflows: z.array(SummarySchema) }), "Workflows"), ...errorResponses },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/workflows/{name}",
  tags: ["workflows"],
  operationId: "getWorkflow",
  summary: "A workflow: its current version, or `?version=n`",
  security: bearerSecurity,
  request: {
    params: NameParam,
    query: z.object({ version: z.coerce.number().int().positive().optional() }),
  },
  responses: { 200: json(WorkflowSchema, "The workflow"), ...errorResponses, ...notFound },
});

const versionsRoute = createRoute({
  method: "get",
  path: "/v1/workflows/{name}/versions",
  tags: ["workflows"],
  operationId: "listWorkflowVersions",
  summary: "Every stored version of a workflow",
  security: bearerSecurity,
  request: { params: NameParam },
  responses: {
    200: json(
      z.object({ name: z.string(), versions: z.array(z.object({ version: z.number(), created_at: z.string() })) }),
      "Versions, oldest first",
    ),
    ...errorResponses,
    ...notFound,
  },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/v1/workflows/{name}",
  tags: ["workflows"],
  operationId: "deleteWorkflow",
  summary: "Delete a workflow with all its versions",
  security: bearerSecurity,
  request: { params: NameParam },
  responses: { 200: json(z.object({ deleted: z.literal(true), name: z.string() }), "Deleted"), ...notFound },
});

/** Reads a workflow YAML from a request: a YAML/text body, or JSON `{ "yaml": "..." }`. */
export function readSource(text: string, type: string): string {
  if (/json/i.test(type)) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      throw new ApiError(400, "INVALID_JSON", `The request body is not valid JSON: ${(err as Error).message}`);
    }
    const yaml = (body as { yaml?: unknown })?.yaml;
    if (typeof yaml !== "string") {
      throw new ApiError(400, "VALIDATION_FAILED", 'A JSON body must be { "yaml": "<workflow YAML>" }', {
        issues: [{ path: "yaml", message: "expected a string" }],
      });
    }
    return yaml;
  }
  if (text.trim() === "")
    throw new ApiError(400, "EMPTY_WORKFLOW", "The request body is empty: send the workflow YAML");
  return text;
}

/**
 * Validates and stores a workflow sent in a request (`PUT /v1/workflows/{name}`, `POST /webhooks/named`),
 * with the exposure consent its header carries: data sent to third-party hosts needs a human's consent
 * once (see docs/recipes.md).
 */
export async function deployFromRequest(c: Context<AppEnv>, name: string, source: string, p: Platform) {
  checkWorkflowSize(source);
  const tenant = c.var.tenant;
  const consent = c.req.header(EXPOSURE_CONSENT_HEADER) ?? null;
  return putWorkflow(c.env, tenant, name, source, p.compile, await p.catalog(c.env, tenant), (plan) =>
    enforceWorkflowExposure(c.env, tenant, name, plan, consent),
  );
}

/** Largest workflow document stored; real workflows are a few KiB, `code` bodies included. */
export const MAX_WORKFLOW_BYTES = 512 * 1024;

function checkWorkflowSize(source: string): void {
  const bytes = new TextEncoder().encode(source).length;
  if (bytes > MAX_WORKFLOW_BYTES) {
    throw new ApiError(
      413,
      "WORKFLOW_TOO_LARGE",
      `The workflow is ${bytes} bytes; the limit is ${MAX_WORKFLOW_BYTES} bytes (512 KiB)`,
      { field: "body", limit: MAX_WORKFLOW_BYTES, size: bytes },
    );
  }
}

/** `/v1/workflows*`: deploy, list, show, versions, delete. */
export function registerWorkflowRoutes(app: OpenAPIHono<AppEnv>, platform: () => Platform): void {
  app.openapi(putRoute, async (c) => {
    const { name } = c.req.valid("param");
    checkName(name);
    const source = readSource(await c.req.text(), c.req.header("content-type") ?? "");
    const { workflow, created } = await deployFromRequest(c, name, source, platform());
    const { source: _omit, ...meta } = workflow;
    return c.json(meta, created ? 201 : 200);
  });

  app.openapi(listRoute, async (c) => c.json({ workflows: await listWorkflows(c.env, c.var.tenant) }, 200));

  app.openapi(getRoute, async (c) => {
    const { name } = c.req.valid("param");
    const { version } = c.req.valid("query");
    const wf = await getWorkflow(c.env, c.var.tenant, name, version);
    if (!wf) throw notFoundError(name, version);
    return c.json(wf, 200);
  });

  app.openapi(versionsRoute, async (c) => {
    const { name } = c.req.valid("param");
    const versions = await listVersions(c.env, c.var.tenant, name);
    if (versions.length === 0) throw notFoundError(name);
    return c.json({ name, versions }, 200);
  });

  app.openapi(deleteRoute, async (c) => {
    const { name } = c.req.valid("param");
    if (!(await deleteWorkflow(c.env, c.var.tenant, name))) throw notFoundError(name);
    return c.json({ deleted: true as const, name }, 200);
  });
}

export function notFoundError(name: string, version?: number): ApiError {
  return new ApiError(
    404,
    "WORKFLOW_NOT_FOUND",
    version ? `No version ${version} of workflow "${name}"` : `No workflow named "${name}"`,
    { name, ...(version ? { version } : {}) },
  );
}
