import { z } from "@hono/zod-openapi";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ApiCall } from "../api";
import { apiFailure, toolResult } from "./result";

const ID = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/)
  .describe("Execution id, e.g. ex82359120543211a2b3c4d");
const STATUS = z.enum(["running", "succeeded", "failed", "waiting", "interrupted"]);
/** Longest a run_workflow call waits before answering "still running" with the id. */
export const MAX_RUN_WAIT_SECONDS = 120;

interface NodeRecord {
  status: string;
  error?: { code: string; message: string };
  attempts?: number;
  duration_ms?: number;
  logs?: unknown;
  data?: unknown;
}
interface ExecutionRecord {
  id: string;
  workflow: string;
  status: string;
  error?: unknown;
  output?: unknown;
  nodes?: Record<string, NodeRecord>;
  [k: string]: unknown;
}

/** The parts of an execution an agent debugs with: per-node status, error, attempts, logs, data. */
function execView(rec: ExecutionRecord) {
  const nodes = Object.entries(rec.nodes ?? {}).map(([id, n]) => ({
    id,
    status: n.status,
    ...(n.attempts !== undefined ? { attempts: n.attempts } : {}),
    ...(n.duration_ms !== undefined ? { duration_ms: n.duration_ms } : {}),
    ...(n.error ? { error: n.error } : {}),
    ...(n.logs !== undefined ? { logs: n.logs } : {}),
    ...(n.data !== undefined ? { data: n.data } : {}),
  }));
  const failed = nodes.filter((n) => n.status === "failed").map((n) => n.id);
  return { ...rec, nodes, ...(failed.length ? { failed_nodes: failed } : {}) };
}

function summaryOf(rec: ExecutionRecord): string {
  const err = rec.error as { code?: string; message?: string } | undefined;
  return `execution ${rec.id} of ${rec.workflow}: ${rec.status}${err?.code ? ` (${err.code}: ${err.message ?? ""})` : ""}`;
}

/** Execution tools: run (bounded wait), get, list, resume. */
export function registerExecutionTools(server: McpServer, api: ApiCall, opts: { canWrite: boolean }): void {
  server.registerTool(
    "get_execution",
    {
      title: "Get an execution",
      description:
        "One execution: status, output, error, and every node with its status, attempts, duration, error, logs and data.",
      inputSchema: { id: ID },
      annotations: { readOnlyHint: true },
    },
    async ({ id }) => {
      const r = await api("GET", `/v1/executions/${id}`);
      if (r.status !== 200) return apiFailure("get_execution", r);
      const rec = r.body as ExecutionRecord;
      return toolResult(summaryOf(rec), execView(rec));
    },
  );

  server.registerTool(
    "list_executions",
    {
      title: "List executions",
      description: "The caller's executions, newest first, optionally of one workflow or status; `cursor` pages on.",
      inputSchema: {
        workflow: z.string().max(64).optional(),
        status: STATUS.optional(),
        limit: z.number().int().min(1).max(100).optional(),
        cursor: z.string().max(512).optional(),
      },
      annotations: { readOnlyHint: true },
    },
    async (args) => {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(args)) if (v !== undefined) q.set(k, String(v));
      const r = await api("GET", `/v1/executions${q.size ? `?${q}` : ""}`);
      if (r.status !== 200) return apiFailure("list_executions", r);
      const page = r.body as { executions: unknown[]; cursor: string | null };
      return toolResult(`${page.executions.length} executions${page.cursor ? " (more: pass cursor)" : ""}`, page);
    },
  );

  if (!opts.canWrite) return;
  server.registerTool(
    "run_workflow",
    {
      title: "Run a workflow",
      description: `Runs a deployed workflow with a JSON input. With wait (the default) it answers the finished (or parked) execution with every node; past timeout_seconds (at most ${MAX_RUN_WAIT_SECONDS}) it answers "still running" and the run goes on. wait: false starts it and answers its id.`,
      inputSchema: {
        name: z.string().regex(/^[a-z0-9_-]{1,64}$/),
        input: z.unknown().optional().describe("The workflow's input (what `input.x` reads); {} by default"),
        wait: z.boolean().optional().describe("Wait for the result (default true)"),
        timeout_seconds: z.number().int().min(1).max(MAX_RUN_WAIT_SECONDS).optional().describe("Default 30"),
      },
      annotations: { readOnlyHint: false, openWorldHint: true },
    },
    async ({ name, input, wait, timeout_seconds }) => {
      if (wait === false) {
        const started = await api("POST", `/v1/workflows/${name}/runs?wait=false`, { json: input ?? {} });
        if (started.status !== 202) return apiFailure("run_workflow", started);
        const id = (started.body as { execution_id: string }).execution_id;
        return toolResult(`started execution ${id}`, { execution_id: id, status: "running" });
      }
      // One synchronous run: it answers when the execution finishes or parks (a wait step parks, it does not
      // block). The timeout only bounds how long the agent waits; the run goes on and keeps its record.
      const seconds = timeout_seconds ?? 30;
      const run = api("POST", `/v1/workflows/${name}/runs`, { json: input ?? {} });
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<null>((r) => {
        timer = setTimeout(() => r(null), seconds * 1000);
      });
      const r = await Promise.race([run, timeout]);
      clearTimeout(timer);
      if (r === null) {
        return toolResult(
          `${name} still running after ${seconds} s: find it with list_executions (workflow ${name}, status running)`,
          { workflow: name, status: "running" },
        );
      }
      if (r.status !== 200) return apiFailure("run_workflow", r);
      const rec = r.body as ExecutionRecord & { execution_id: string };
      const full = { ...rec, id: rec.execution_id };
      return toolResult(summaryOf(full), execView(full), rec.status === "failed");
    },
  );

  server.registerTool(
    "resume_execution",
    {
      title: "Resume an execution",
      description:
        "Continues a failed, interrupted or waiting execution; finished nodes are not re-run. For a waiting task, pass its task_id and result.",
      inputSchema: { id: ID, task_id: z.string().max(128).optional(), result: z.unknown().optional() },
      annotations: { readOnlyHint: false, openWorldHint: true },
    },
    async ({ id, task_id, result }) => {
      const body = { ...(task_id ? { task_id } : {}), ...(result !== undefined ? { result } : {}) };
      const r = await api("POST", `/v1/executions/${id}/resume`, { json: body });
      if (r.status !== 200) return apiFailure("resume_execution", r);
      const rec = r.body as ExecutionRecord & { execution_id: string };
      const full = { ...rec, id: rec.execution_id };
      return toolResult(summaryOf(full), execView(full), rec.status === "failed");
    },
  );
}
