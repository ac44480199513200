/**
 * HTTP helpers shared by the engine's routes: the OpenAPI schemas of executions, reading a request
 * as a workflow input, and answering an execution.
 */
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { checkBodySize, checkDepth } from "../durability/index";
import { ApiError } from "../http/errors";
import type { ExecutionResponse } from "./service";
import type { TriggerMeta } from "./types";

export const NodeRecordSchema = z
  .object({
    status: z.enum(["succeeded", "failed", "skipped", "pending", "running"]),
    data: z.unknown().optional(),
    error: z.object({ code: z.string(), message: z.string() }).passthrough().optional(),
    attempts: z.number(),
    duration_ms: z.number(),
    started_at: z.string().optional(),
    input: z.unknown().optional(),
    reused: z.boolean().optional(),
    warnings: z
      .array(z.object({ code: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: "Non-fatal findings of this run of the node, e.g. UNRESOLVED_TEMPLATE" }),
    logs: z
      .string()
      .optional()
      .openapi({ description: "What the step logged (console.log of a code step, stderr), ≤ 16 KiB" }),
  })
  .passthrough()
  .openapi("NodeRecord");

export const ExecutionResponseSchema = z
  .object({
    execution_id: z.string().openapi({ example: "ex82359120543211a2b3c4d" }),
    workflow: z.string(),
    status: z.enum(["succeeded", "failed", "waiting", "running"]),
    output: z.unknown(),
    nodes: z.record(z.string(), NodeRecordSchema).optional().openapi({
      description: "Every step's record; only for the owner's API key (absent for trigger auth none / hmac)",
    }),
    error: z.object({ code: z.string(), message: z.string() }).passthrough().optional(),
    kv_writes: z.number().openapi({ description: "KV writes this execution cost (also in X-Arcrun-KV-Writes)" }),
    duration_ms: z.number(),
    idempotent_replay: z.boolean().optional().openapi({
      description: "True when this answer is the earlier execution of the same Idempotency-Key, not a new run",
    }),
  })
  .openapi("ExecutionResult");

export const AcceptedSchema = z
  .object({ execution_id: z.string(), status: z.literal("running") })
  .openapi("ExecutionAccepted");

/** Headers a workflow's `trigger` node never sees: the caller's secrets. */
// Credentials a caller sends to the platform never reach a workflow's `trigger.headers`.
const HIDDEN_HEADERS = new Set([
  "authorization",
  "proxy-authorization",
  "x-arcrun-api-key",
  "x-api-key",
  "x-arcrun-admin-token",
  "cookie",
  "x-arcrun-signature",
]);

/**
 * `triggerMeta(req)`, built once and only if a template reads `trigger` (the engine calls it lazily).
 *
 * @example
 * startExecution(env, tenant, platform, { ..., meta: lazyTriggerMeta(c.req.raw) });
 */
export function lazyTriggerMeta(req: Request): () => TriggerMeta {
  let meta: TriggerMeta | undefined;
  return () => (meta ??= triggerMeta(req));
}

/** The `trigger` node's data: headers (minus secrets), query and method. */
export function triggerMeta(req: Request): TriggerMeta {
  const headers: Record<string, string> = {};
  req.headers.forEach((v, k) => {
    if (!HIDDEN_HEADERS.has(k)) headers[k] = v;
  });
  const url = new URL(req.url);
  return { headers, query: Object.fromEntries(url.searchParams), method: req.method, path: url.pathname };
}

/**
 * Parses a request body text as the workflow input: empty → `{}`, JSON → its value, anything else
 * is refused with a 400 naming the position of the JSON error; over 1 MiB a 413, nested over 64 levels a 400.
 */
export function parseInput(text: string, contentType: string | null): unknown {
  // Refused before anything runs: a record that cannot be stored must never follow a step that ran.
  checkBodySize(text);
  if (text.trim() === "") return {};
  checkDepth(text);
  try {
    return JSON.parse(text);
  } catch (err) {
    if (contentType && !/json/i.test(contentType) && !/text\/plain/i.test(contentType)) return { body: text };
    throw new ApiError(400, "INVALID_JSON", `The request body is not valid JSON: ${(err as Error).message}`, {
      field: "body",
    });
  }
}

/**
 * A finished execution as the HTTP answer, built in one step: the same body and headers as
 * `executionHeaders` + `c.json`, without Hono's per-header `Headers` calls (the webhook hot path).
 */
export function executionAnswer(r: Omit<ExecutionResponse, "nodes"> & Partial<ExecutionResponse>): Response {
  return new Response(JSON.stringify(r), {
    status: 200,
    headers: {
      "content-type": "application/json",
      "x-arcrun-kv-writes": String(r.kv_writes),
      "x-arcrun-execution-id": r.execution_id,
    },
  });
}

/** Sets the headers of an execution answer: its id and the KV writes it cost. */
export function executionHeaders(c: Context, r: Pick<ExecutionResponse, "kv_writes" | "execution_id">): void {
  c.header("X-Arcrun-KV-Writes", String(r.kv_writes));
  c.header("X-Arcrun-Execution-Id", r.execution_id);
}
