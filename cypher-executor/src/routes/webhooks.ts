/**
 * arcrun's webhook routes, compatible with existing scripts: trigger by namespace or by key, the
 * synchronous query endpoints, and register/list/delete/definition of named webhooks (= workflows).
 */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context, TypedResponse } from "hono";
import type { JSONParsed } from "hono/utils/types";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import type { AppEnv } from "../app-env";
import { apiKeyHash, findTenantByNamespace, knownApiKeyHash, rememberApiKey, type Tenant } from "../auth/api-keys";
import { presentedKey, requireApiKey } from "../auth/middleware";
import {
  AcceptedSchema,
  ExecutionResponseSchema,
  executionAnswer,
  executionHeaders,
  lazyTriggerMeta,
} from "../engine/http";
import { type ExecutionResponse, type Platform, startExecution } from "../engine/service";
import { ApiError, validationFailed } from "../http/errors";
import { bearerSecurity, ErrorSchema, errorResponses } from "../http/schemas";
import { webhookInput } from "../triggers/body/index";
import { admit, queryInput } from "../triggers/gate/index";
import { answerResponse, respondAnswer } from "../triggers/respond/index";
import { verifyWebhookSignature } from "../triggers/signatures/index";
import { timingSafeEqual } from "../utils/crypto";
import { deleteWorkflow, getWorkflow, listWorkflows, loadPlan } from "../workflow-store/index";
import { deployFromRequest, notFoundError } from "./workflows";

const json = <T extends z.ZodTypeAny>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
const pathParam = (name: string, example: string) => z.string().openapi({ param: { name, in: "path" }, example });
const NsName = z.object({ ns: pathParam("ns", "k3x9p2m7qa"), name: pathParam("name", "hello") });
const Name = z.object({ name: pathParam("name", "hello") });
const AsyncQuery = z.object({ async: z.enum(["0", "1", "true", "false"]).optional() });
// Declared as a media range so no JSON validator consumes the body first: HMAC needs the raw bytes.
const RawBody = {
  required: false,
  content: { "*/*": { schema: z.unknown().openapi({ description: "Any JSON; signed as raw bytes with hmac" }) } },
};
const notFound = { 404: json(ErrorSchema, "No such workflow") };
const triggerResponses = {
  200: json(ExecutionResponseSchema, "The execution finished (or the answer of its `respond` step)"),
  202: json(AcceptedSchema, "Started (`?async=1`, or `trigger.webhook.respond: immediately`)"),
  ...errorResponses,
  ...notFound,
  405: json(ErrorSchema, "The workflow's trigger.webhook.methods does not list this method (Allow header)"),
  429: json(ErrorSchema, "Over the webhook's rate limit (Retry-After header)"),
};
const queryResponses = {
  200: json(z.unknown(), "The workflow's output, as is"),
  ...errorResponses,
  ...notFound,
  422: json(ErrorSchema, "The execution failed (EXECUTION_FAILED, with execution_id and node)"),
};

const triggerNs = createRoute({
  method: "post",
  path: "/webhooks/named/{ns}/{name}/trigger",
  tags: ["webhooks"],
  operationId: "triggerWebhookByNamespace",
  summary:
    "Trigger a workflow by namespace; auth as its trigger says (api_key, hmac or none). GET, PUT, PATCH and DELETE reach it too when trigger.webhook.methods lists them (docs/webhooks.md)",
  request: { params: NsName, query: AsyncQuery, body: RawBody },
  responses: triggerResponses,
});
const triggerKey = createRoute({
  method: "post",
  path: "/webhooks/named/{name}/trigger",
  tags: ["webhooks"],
  operationId: "triggerWebhook",
  summary: "Trigger one of the caller's workflows",
  security: bearerSecurity,
  middleware: [requireApiKey()] as const,
  request: { params: Name, query: AsyncQuery, body: RawBody },
  responses: triggerResponses,
});
const queryPost = createRoute({
  method: "post",
  path: "/webhooks/named/{name}/query",
  tags: ["webhooks"],
  operationId: "queryWebhook",
  summary: "Run a workflow synchronously and answer its output directly",
  security: bearerSecurity,
  middleware: [requireApiKey()] as const,
  request: { params: Name, body: RawBody },
  responses: queryResponses,
});
const queryGet = createRoute({
  method: "get",
  path: "/webhooks/named/{name}/query",
  tags: ["webhooks"],
  operationId: "queryWebhookGet",
  summary: "Run a workflow synchronously with the query string as input; answers its output",
  security: bearerSecurity,
  middleware: [requireApiKey()] as const,
  request: { params: Name },
  responses: queryResponses,
});
const queryNs = createRoute({
  method: "get",
  path: "/q/{ns}/{name}",
  tags: ["webhooks"],
  operationId: "queryWebhookByNamespace",
  summary: "Synchronous query by namespace (query string = input); auth as the workflow's trigger says",
  request: { params: NsName },
  responses: queryResponses,
});
const RegisteredSchema = z
  .object({
    success: z.literal(true),
    name: z.string(),
    version: z.number(),
    trigger_url: z.string().openapi({ example: "/webhooks/named/k3x9p2m7qa/hello/trigger" }),
  })
  .openapi("RegisteredWebhook");
const register = createRoute({
  method: "post",
  path: "/webhooks/named",
  tags: ["webhooks"],
  operationId: "registerWebhook",
  summary: "Register a named webhook: a workflow YAML, or JSON { name, yaml } / { name, flow, config }",
  security: bearerSecurity,
  middleware: [requireApiKey()] as const,
  request: {
    body: {
      required: true,
      content: {
        "application/yaml": { schema: z.string() },
        "application/json": {
          schema: z
            .object({ name: z.string().optional(), yaml: z.string().optional() })
            .passthrough()
            .openapi({ description: "{ name, yaml } or the workflow document itself as JSON" }),
        },
      },
    },
  },
  responses: { 200: json(RegisteredSchema, "Updated"), 201: json(RegisteredSchema, "Created"), ...errorResponses },
});
const list = createRoute({
  method: "get",
  path: "/webhooks/named",
  tags: ["webhooks"],
  operationId: "listWebhooks",
  summary: "The caller's named webhooks",
  security: bearerSecurity,
  middleware: [requireApiKey()] as const,
  responses: {
    200: json(
      z.object({ workflows: z.array(z.object({ name: z.string(), version: z.number() }).passthrough()) }),
      "Webhooks",
    ),
    ...errorResponses,
  },
});
const remove = createRoute({
  method: "delete",
  path: "/webhooks/named/{name}",
  tags: ["webhooks"],
  operationId: "deleteWebhook",
  summary: "Delete a named webhook (the workflow and its versions)",
  security: bearerSecurity,
  middleware: [requireApiKey()] as const,
  request: { params: Name },
  responses: { 200: json(z.object({ deleted: z.literal(true), name: z.string() }), "Deleted"), ...notFound },
});
const definition = createRoute({
  method: "get",
  path: "/webhooks/named/{name}/definition",
  tags: ["webhooks"],
  operationId: "getWebhookDefinition",
  summary: "The stored definition of a named webhook (its YAML)",
  security: bearerSecurity,
  middleware: [requireApiKey()] as const,
  request: { params: Name },
  responses: {
    200: json(
      z.object({ name: z.string(), version: z.number(), description: z.string().optional(), yaml: z.string() }),
      "Definition",
    ),
    ...errorResponses,
    ...notFound,
  },
});

/** `/webhooks/named*` and `/q/{ns}/{name}`. (`c.get("tenant")`: Hono's `c.var` copies every variable per read.) */
export function registerWebhookRoutes(app: OpenAPIHono<AppEnv>, platform: () => Platform): void {
  // The hottest route: documented like the others, but its two strings and one flag are checked here
  // instead of by two zod validator middlewares (~2% of a webhook execution's CPU on acr serve).
  app.openAPIRegistry.registerPath(triggerNs);
  const byNamespace = async (c: Context<AppEnv, "/webhooks/named/:ns/:name/trigger">) => {
    const ns = c.req.param("ns");
    const name = c.req.param("name");
    const flag = c.req.query("async");
    if (flag !== undefined) {
      const q = AsyncQuery.safeParse({ async: flag });
      if (!q.success) throw validationFailed(q.error.issues);
    }
    const tenant = await tenantOrNotFound(c.env, ns, name);
    const r = await triggered(c, tenant, name, platform(), { async: isAsync(flag), route: true });
    if ("response" in r) return r.response;
    if ("done" in r) return executionAnswer(r.open ? openView(r.done) : r.done);
    executionHeaders(c, r.r);
    return c.json(r.accepted, 202);
  };
  app.post("/webhooks/named/:ns/:name/trigger", byNamespace);
  // Other methods reach the workflow only when its trigger.webhook.methods lists them (405 otherwise).
  app.on(["GET", "PUT", "PATCH", "DELETE"], "/webhooks/named/:ns/:name/trigger", byNamespace);

  app.openapi(triggerKey, async (c) => {
    const { name } = c.req.valid("param");
    const r = await triggered(c, c.get("tenant"), name, platform(), {
      async: isAsync(c.req.valid("query").async),
      authenticated: true,
    });
    if ("response" in r) return r.response as never;
    if ("done" in r) return done(r.done);
    executionHeaders(c, r.r);
    return c.json(r.accepted, 202);
  });

  app.openapi(queryPost, async (c) => {
    const r = await triggered(c, c.get("tenant"), c.req.valid("param").name, platform(), { authenticated: true });
    if ("response" in r) return r.response as never;
    return c.json(outputOf(c, r), 200);
  });

  app.openapi(queryGet, async (c) => {
    const r = await triggered(c, c.get("tenant"), c.req.valid("param").name, platform(), {
      authenticated: true,
      input: c.req.query(),
    });
    if ("response" in r) return r.response as never;
    return c.json(outputOf(c, r), 200);
  });

  app.openapi(queryNs, async (c) => {
    const { ns, name } = c.req.valid("param");
    const tenant = await tenantOrNotFound(c.env, ns, name);
    const r = await triggered(c, tenant, name, platform(), { input: c.req.query() });
    if ("response" in r) return r.response as never;
    return c.json(outputOf(c, r), 200);
  });

  app.openapi(register, async (c) => {
    const { name, source } = registrationOf(await c.req.text(), c.req.header("content-type") ?? "");
    const { workflow, created } = await deployFromRequest(c, name, source, platform());
    const body = {
      success: true as const,
      name,
      version: workflow.version,
      trigger_url: `/webhooks/named/${c.get("tenant").ns}/${name}/trigger`,
    };
    return c.json(body, created ? 201 : 200);
  });

  app.openapi(list, async (c) => c.json({ workflows: await listWorkflows(c.env, c.get("tenant")) }, 200));

  app.openapi(remove, async (c) => {
    const { name } = c.req.valid("param");
    if (!(await deleteWorkflow(c.env, c.get("tenant"), name))) throw notFoundError(name);
    return c.json({ deleted: true as const, name }, 200);
  });

  app.openapi(definition, async (c) => {
    const { name } = c.req.valid("param");
    const wf = await getWorkflow(c.env, c.get("tenant"), name);
    if (!wf) throw notFoundError(name);
    return c.json(
      { name, version: wf.version, ...(wf.description ? { description: wf.description } : {}), yaml: wf.source },
      200,
    );
  });
}

/**
 * `open`: the caller did not prove to be the owner (trigger auth `none` or `hmac`). `response`: the
 * answer is already made (405/429, a `respond` step's or the workflow's fixed answer).
 */
type Triggered = (
  | { accepted: { execution_id: string; status: "running" }; r: ExecutionResponse }
  | { done: ExecutionResponse }
  | { response: Response }
) & { open?: boolean };

/** The finished execution, typed as the route's 200 (the Response is built without Hono's helpers). */
const done = (r: ExecutionResponse) =>
  executionAnswer(r) as unknown as TypedResponse<JSONParsed<ExecutionResponse>, 200, "json">;

/**
 * Authenticates a trigger as the workflow says, then runs it. `authenticated` = the caller's API key
 * already resolved this tenant.
 */
async function triggered(
  c: Context<AppEnv>,
  tenant: Tenant,
  name: string,
  platform: Platform,
  /** `route`: the public trigger route (its method must be one the workflow declares). */
  opts: { async?: boolean; authenticated?: boolean; input?: unknown; route?: boolean },
): Promise<Triggered> {
  const loaded = await loadPlan(c.env, tenant, name, platform.compile, () => platform.catalog(c.env, tenant));
  // Without the owner's key a missing workflow answers as an existing api_key one does (no probing).
  if (!loaded && !opts.authenticated) await requireSameTenant(c, tenant);
  if (!loaded) throw notFoundError(name);
  const webhook = loaded.plan.trigger.webhook;
  const auth = opts.authenticated ? "owner" : (webhook?.auth ?? "api_key");
  // The owner's key first: a 405 or 429 must not tell a stranger that an api_key workflow exists.
  if (auth === "api_key") await requireSameTenant(c, tenant);
  const refused = await admit(c.env, tenant, name, webhook, c.req.method, opts.route === true);
  if (refused) return { response: refused };
  const raw = await c.req.arrayBuffer();
  const open = auth === "none" || auth === "hmac";
  if (auth === "hmac") await verifyWebhookSignature(c.env, tenant, webhook ?? {}, raw, c.req.raw);
  const bodiless = c.req.method === "GET" || c.req.method === "HEAD" || (c.req.method === "DELETE" && !raw.byteLength);
  const input =
    opts.input ?? (bodiless ? queryInput(c.req.url) : await webhookInput(raw, c.req.header("content-type") ?? null));
  // `respond: immediately` or a fixed answer: the caller is answered at once, the run goes on in the background.
  const query = opts.input !== undefined || c.req.path.endsWith("/query");
  const respond = query ? undefined : webhook?.respond;
  const background = opts.async || (respond !== undefined && respond !== "result");
  const r = await startExecution(c.env, tenant, platform, {
    name,
    input,
    meta: lazyTriggerMeta(c.req.raw),
    trigger: query ? "query" : "webhook",
    wait: !background,
    waitUntil: (p) => c.executionCtx.waitUntil(p),
    loaded,
    idempotencyKey: c.req.header("idempotency-key"),
  });
  if (background) {
    if (respond && typeof respond === "object" && !opts.async)
      return { response: answerResponse(respond, r.execution_id) };
    return { accepted: { execution_id: r.execution_id, status: "running" }, r, open };
  }
  const shaped = query ? undefined : respondAnswer(loaded.plan, r);
  return shaped ? { response: shaped } : { done: r, open };
}

/**
 * What a caller without the owner's key (auth `none`, `hmac`: a form, Stripe, GitHub) gets back: the
 * output and status, not every step's data and resolved input, which stay in the owner's execution record.
 * Third parties log webhook answers; what a workflow fetched on the way must not end up there.
 */
function openView(r: ExecutionResponse): Omit<ExecutionResponse, "nodes"> {
  const { nodes: _nodes, error, ...rest } = r;
  return error
    ? {
        ...rest,
        error: { code: error.code, message: "the workflow failed: see the execution record", node: error.node },
      }
    : rest;
}

/** A query answers the output itself; a failed run is a 422 naming the execution and node. */
function outputOf(c: Context<AppEnv>, r: Exclude<Triggered, { response: Response }>): unknown {
  executionHeaders(c, "r" in r ? r.r : r.done);
  if ("accepted" in r) return r.accepted;
  const d = r.done;
  if (d.status === "failed") {
    // An error message may quote what a step saw: only the owner's key reads it (GET /v1/executions/{id}).
    const why = r.open ? "see the execution record" : (d.error?.message ?? "unknown");
    throw new ApiError(422, "EXECUTION_FAILED", `Workflow "${d.workflow}" failed: ${why}`, {
      execution_id: d.execution_id,
      node: d.error?.node,
      cause: d.error?.code,
    });
  }
  if (d.status === "waiting") return { execution_id: d.execution_id, status: "waiting" };
  return d.output;
}

/**
 * The key's hash must be the owner's: no lookup needed, the namespace already named the tenant. A key
 * that matched once is remembered (auth/api-keys.ts), so its next triggers skip the digest.
 */
async function requireSameTenant(c: Context<AppEnv>, tenant: Tenant): Promise<void> {
  const key = presentedKey(c.req.raw);
  // This very key matched this tenant before (in constant time, below): nothing new to compare. A key
  // remembered for another tenant falls through and fails below.
  if (key && knownApiKeyHash(key) === tenant.keyHash) return;
  const hash = key && key.length <= 256 ? await apiKeyHash(key) : "";
  if (!key || !timingSafeEqual(hash, tenant.keyHash)) {
    throw new ApiError(401, "UNAUTHORIZED", OWNER_KEY_NEEDED);
  }
  rememberApiKey(key, tenant);
}

const OWNER_KEY_NEEDED = "This webhook needs the API key of its owner (trigger auth: api_key)";

/** Namespaces never change owner: a short per-isolate cache saves two KV reads per trigger. */
const NS_TTL_MS = 10_000;
const nsCache = new Map<string, { at: number; tenant: Tenant }>();

/** An unknown namespace answers like an unknown workflow: it reveals nothing. */
async function tenantOrNotFound(env: AppEnv["Bindings"], ns: string, name: string): Promise<Tenant> {
  const hit = nsCache.get(ns);
  if (hit && Date.now() - hit.at < NS_TTL_MS) return hit.tenant;
  const tenant = await findTenantByNamespace(env, ns);
  if (!tenant) throw new ApiError(401, "UNAUTHORIZED", OWNER_KEY_NEEDED);
  if (nsCache.size > 1_000) nsCache.clear();
  nsCache.set(ns, { at: Date.now(), tenant });
  return tenant;
}

function isAsync(v: string | undefined): boolean {
  return v === "1" || v === "true";
}

/** Reads a registration: YAML (name inside), JSON `{ name, yaml }`, or the document as JSON. */
function registrationOf(text: string, type: string): { name: string; source: string } {
  if (/json/i.test(type)) {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new ApiError(400, "INVALID_JSON", `The request body is not valid JSON: ${(err as Error).message}`);
    }
    const source =
      typeof body.yaml === "string"
        ? body.yaml
        : isGraph(body.graph)
          ? toYaml(workflowOfGraph(body, body.graph))
          : toYaml(body);
    const name = typeof body.name === "string" ? body.name : nameInYaml(source);
    return { name: requireName(name), source };
  }
  return { name: requireName(nameInYaml(text)), source: text };
}

function nameInYaml(source: string): unknown {
  try {
    return (parseYaml(source) as { name?: unknown } | null)?.name;
  } catch {
    return undefined;
  }
}

function requireName(name: unknown): string {
  if (typeof name !== "string" || !name) {
    throw new ApiError(400, "VALIDATION_FAILED", "A named webhook needs a name (the YAML's `name:` or JSON `name`)", {
      issues: [{ path: "name", message: "required" }],
    });
  }
  return name;
}

/** The original arcrun's registration: `{ name, description, graph: { nodes, edges } }` (as /cypher/search gives it). */
interface GraphBody {
  nodes: Array<{ id: string; componentId?: string; data?: Record<string, unknown> }>;
  edges: Array<{ from: string; to: string; kind: string; condition?: string; branch?: string; over?: string }>;
}

function isGraph(g: unknown): g is GraphBody {
  const x = g as GraphBody | null;
  return typeof x === "object" && x !== null && Array.isArray(x.nodes) && Array.isArray(x.edges);
}

/** Turns a graph back into the workflow document it describes, so it is validated like any YAML. */
function workflowOfGraph(body: Record<string, unknown>, graph: GraphBody): Record<string, unknown> {
  const label = (e: GraphBody["edges"][number]) =>
    e.kind === "IF" && e.condition
      ? `IF {{ ${e.condition} }}`
      : e.kind === "ON_BRANCH" && e.branch
        ? `ON_BRANCH(${e.branch})`
        : e.kind === "FOREACH" && e.over
          ? `FOREACH ${e.over}`
          : e.kind;
  const config: Record<string, unknown> = {};
  for (const n of graph.nodes) {
    if (n.id === "input" || (!n.componentId && !n.data)) continue;
    config[n.id] = { ...(n.componentId ? { component: n.componentId } : {}), ...(n.data ?? {}) };
  }
  return {
    name: body.name,
    ...(typeof body.description === "string" ? { description: body.description } : {}),
    ...(body.trigger ? { trigger: body.trigger } : {}),
    flow: graph.edges.map((e) => `${e.from} >> ${label(e)} >> ${e.to}`),
    config,
  };
}
