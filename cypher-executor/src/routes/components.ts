import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { hasAdminToken } from "../auth/middleware";
import { ApiError } from "../http/errors";
import { bearerSecurity, ErrorSchema, errorResponses } from "../http/schemas";
import { enforceCallExposure } from "../recipes/call-exposure";
import { EXPOSURE_CONSENT_HEADER } from "../recipes/workflow-exposure";
import { builtinRuntime } from "../runtime/builtins";
import type { ComponentOutcome } from "../runtime/types";

const ManifestSchema = z
  .object({
    name: z.string().openapi({ example: "set" }),
    version: z.string(),
    description: z.string(),
    input_schema: z.record(z.string(), z.unknown()),
    output_schema: z.record(z.string(), z.unknown()),
    capabilities: z.array(z.string()),
    allowed_hosts: z.array(z.string()),
    language: z.string().optional(),
  })
  .openapi("ComponentManifest");

const LimitsSchema = z
  .object({
    timeout_ms: z.number().int().positive().optional(),
    max_output_bytes: z.number().int().positive().optional(),
    max_memory_pages: z.number().int().positive().optional(),
    max_host_calls: z.number().int().positive().optional(),
    fuel: z.number().int().positive().optional(),
  })
  .openapi("ComponentLimits");

const CallBody = z.object({
  input: z.unknown().optional(),
  limits: LimitsSchema.optional(),
  /** Local platform + ADMIN_TOKEN only: tests and benchmarks. */
  debug: z
    .object({
      scan_memory_for: z.array(z.string().min(4)).max(16).optional(),
      repeat: z.number().int().min(1).max(10_000).optional(),
    })
    .optional(),
});

const CallResult = z
  .object({
    status: z.enum(["succeeded", "pending", "failed"]),
    data: z.unknown().optional(),
    pending: z.record(z.string(), z.unknown()).optional(),
    logs: z.string(),
    duration_us: z.number(),
    host_calls: z.number(),
  })
  .passthrough()
  .openapi("ComponentCallResult");

const nameParam = z.object({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9_]*$/)
    .openapi({ example: "set" }),
});
const notFound = { description: "No such component", content: { "application/json": { schema: ErrorSchema } } };

const list = createRoute({
  method: "get",
  path: "/v1/components",
  tags: ["components"],
  operationId: "listComponents",
  summary: "The built-in components with their input and output schemas",
  security: bearerSecurity,
  responses: {
    200: {
      description: "Every bundled component",
      content: { "application/json": { schema: z.object({ components: z.array(ManifestSchema) }) } },
    },
    ...errorResponses,
  },
});

const get = createRoute({
  method: "get",
  path: "/v1/components/{name}",
  tags: ["components"],
  operationId: "getComponent",
  summary: "One component's manifest",
  security: bearerSecurity,
  request: { params: nameParam },
  responses: {
    200: { description: "The manifest", content: { "application/json": { schema: ManifestSchema } } },
    ...errorResponses,
    404: notFound,
  },
});

const call = createRoute({
  method: "post",
  path: "/v1/components/{name}/call",
  tags: ["components"],
  operationId: "callComponent",
  summary: "Run one component once with an input (as the caller: its credentials, its KV scope)",
  security: bearerSecurity,
  request: {
    params: nameParam,
    body: { required: false, content: { "application/json": { schema: CallBody } } },
  },
  responses: {
    200: { description: "The component succeeded", content: { "application/json": { schema: CallResult } } },
    202: {
      description: "The component is pending (e.g. wait)",
      content: { "application/json": { schema: CallResult } },
    },
    ...errorResponses,
    403: {
      description:
        "debug options outside the local platform, or EXPOSURE_CONSENT_REQUIRED: a component that calls out needs a human's consent (header X-Arcrun-Exposure-Consent, as for a workflow)",
      content: { "application/json": { schema: ErrorSchema } },
    },
    404: notFound,
    422: { description: "The component failed", content: { "application/json": { schema: ErrorSchema } } },
  },
});

/** `GET /v1/components`, `GET /v1/components/{name}`, `POST /v1/components/{name}/call`. */
export function registerComponents(app: OpenAPIHono<AppEnv>): void {
  app.openapi(list, (c) => c.json({ components: builtinRuntime.list() }, 200));

  app.openapi(get, (c) => {
    const { name } = c.req.valid("param");
    const m = builtinRuntime.manifest(name);
    if (!m) throw new ApiError(404, "COMPONENT_NOT_FOUND", `No component named "${name}"`, { name });
    return c.json(m, 200);
  });

  app.openapi(call, async (c) => {
    const { name } = c.req.valid("param");
    const body = c.req.valid("json") ?? {};
    if (!builtinRuntime.has(name))
      throw new ApiError(404, "COMPONENT_NOT_FOUND", `No component named "${name}"`, { name });
    const debug = body.debug;
    if (debug && !(c.env.ARCRUN_ENV === "local" && hasAdminHeader(c.req.raw, c.env.ADMIN_TOKEN))) {
      throw new ApiError(403, "FORBIDDEN", "debug options need the local platform and X-Arcrun-Admin-Token");
    }
    // A component that can call out needs the exposure consent a workflow needs (recipes/call-exposure.ts).
    const caps = builtinRuntime.manifest(name)?.capabilities ?? [];
    await enforceCallExposure(
      c.env,
      c.var.tenant,
      name,
      caps,
      body.input ?? {},
      c.req.header(EXPOSURE_CONSENT_HEADER) ?? null,
    );
    const ctx = {
      env: c.env,
      tenant: c.var.tenant,
      ...(body.limits ? { limits: body.limits } : {}),
      waitUntil: (p: Promise<unknown>) => c.executionCtx.waitUntil(p),
    };
    const scan: boolean[] = [];
    const inspectMemory = debug?.scan_memory_for
      ? (memory: Uint8Array) => {
          for (const needle of debug.scan_memory_for ?? []) scan.push(memoryContains(memory, needle));
        }
      : undefined;
    const repeat = debug?.repeat ?? 1;
    let out: ComponentOutcome | undefined;
    const started = performance.now();
    for (let i = 0; i < repeat; i++) {
      out = await builtinRuntime.callWith(name, body.input ?? {}, ctx, inspectMemory ? { inspectMemory } : {});
    }
    const totalUs = Math.round((performance.now() - started) * 1000);
    const result = out as ComponentOutcome;
    const extra = {
      ...(debug?.scan_memory_for ? { memory_contains: scan } : {}),
      ...(debug?.repeat ? { repeat, total_us: totalUs } : {}),
    };
    const common = { logs: result.logs, duration_us: result.durationUs, host_calls: result.hostCalls, ...extra };
    if (result.status === "failed") {
      return c.json(
        {
          error: { ...result.error.details, code: result.error.code, message: result.error.message },
          status: "failed" as const,
          ...common,
        },
        422,
      );
    }
    if (result.status === "pending")
      return c.json({ status: "pending" as const, pending: result.pending, ...common }, 202);
    return c.json({ status: "succeeded" as const, data: result.data, ...common }, 200);
  });
}

function hasAdminHeader(req: Request, adminToken: string | undefined): boolean {
  const token = req.headers.get("x-arcrun-admin-token");
  if (!token || !adminToken) return false;
  return hasAdminToken(new Request("http://x/", { headers: { authorization: `Bearer ${token}` } }), adminToken);
}

/** Looks for `needle` as UTF-8 and as UTF-16LE (AssemblyScript's string encoding). */
function memoryContains(memory: Uint8Array, needle: string): boolean {
  const utf8 = new TextEncoder().encode(needle);
  const utf16 = new Uint8Array(needle.length * 2);
  for (let i = 0; i < needle.length; i++) {
    const code = needle.charCodeAt(i);
    utf16[i * 2] = code & 255;
    utf16[i * 2 + 1] = code >> 8;
  }
  return indexOf(memory, utf8) >= 0 || indexOf(memory, utf16) >= 0;
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  const first = needle[0];
  outer: for (
    let i = hay.indexOf(first as number);
    i >= 0 && i <= hay.length - needle.length;
    i = hay.indexOf(first as number, i + 1)
  ) {
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
