/**
 * Re-run and replay: a new execution of an earlier one's workflow with the same input, on the version
 * it ran (`original`) or the current one, from the start, from the failed part, or from a named node
 * (earlier results of the nodes before it are reused, as Windmill's "re-run from step" does). The new
 * execution records `rerun_of`; the earlier one is left as it is. See docs/engine.md.
 */
import type { Tenant } from "../auth/api-keys";
import { type ExecutionResponse, type Platform, startExecution } from "../engine/service";
import type { ExecutionRecord, NodeRecord } from "../engine/types";
import type { Env } from "../env";
import { effectiveStatus, loadExecution, loadNodeContexts } from "../executions/index";
import { ApiError } from "../http/errors";
import { loadPlan } from "../workflow-store/index";
import { type RerunFrom, requireFit, reusable } from "./fit";

export { type PlanChange, planChanges, type RerunFrom, requireFit, reusable } from "./fit";

/** What `POST /v1/executions/{id}/rerun` takes. */
export interface RerunRequest {
  /** `start` (default), `failed`, or the id of a node to replay from. */
  from?: string;
  /** `original` (default): the version the execution ran; `current`: the workflow as deployed now. */
  version?: "original" | "current";
}

/** Where a re-run came from, kept on its record. */
export interface RerunLink {
  execution_id: string;
  from: string;
  version: number;
}

/**
 * Starts a new execution with the input of execution `id`.
 *
 * @example
 * const r = await rerunExecution(env, tenant, platform, "ex82…", { from: "failed", version: "current" }, { wait: true, waitUntil });
 */
export async function rerunExecution(
  env: Env,
  tenant: Tenant,
  platform: Platform,
  id: string,
  req: RerunRequest,
  opts: { wait: boolean; waitUntil: (p: Promise<unknown>) => void },
): Promise<ExecutionResponse> {
  const rec = await loadExecution(env, tenant, id);
  if (!rec) throw new ApiError(404, "EXECUTION_NOT_FOUND", `No execution "${id}"`, { id });
  const from = parseFrom(req.from);
  const status = effectiveStatus(rec.status, rec.updated_at);
  if (from === "failed" && status !== "failed" && status !== "interrupted") {
    throw new ApiError(
      409,
      "EXECUTION_NOT_FAILED",
      `Execution "${id}" is ${status}: only a failed or interrupted one re-runs from its failed part`,
      { id, status, field: "from" },
    );
  }
  if (isTruncatedMarker(rec.input)) {
    throw new ApiError(409, "INPUT_NOT_KEPT", `Execution "${id}"'s input was too large to keep: it cannot be re-run`, {
      id,
    });
  }
  const original = await planOf(env, tenant, platform, rec.workflow, rec.version);
  const target = req.version === "current" ? await planOf(env, tenant, platform, rec.workflow) : original;
  if (!original && !target) {
    throw new ApiError(409, "WORKFLOW_VERSION_GONE", `Workflow "${rec.workflow}" v${rec.version} was deleted`, {
      workflow: rec.workflow,
      version: rec.version,
    });
  }
  const loaded = target ?? original;
  if (!loaded) throw new ApiError(404, "WORKFLOW_NOT_FOUND", `No workflow named "${rec.workflow}"`);
  if (typeof from === "object" && !loaded.plan.steps[from.node]) {
    throw new ApiError(400, "UNKNOWN_NODE", `Workflow "${rec.workflow}" has no node "${from.node}"`, {
      field: "from",
      nodes: Object.keys(loaded.plan.steps),
    });
  }
  const earlier = from === "start" ? {} : await earlierNodes(env, rec, status);
  const previous = reusable(loaded.plan, earlier, from);
  if (previous && original && loaded !== original) {
    requireFit(original.plan, loaded.plan, Object.keys(previous), {
      from: rec.version,
      to: loaded.workflow.version,
    });
  }
  const link: RerunLink = {
    execution_id: rec.id,
    from: typeof from === "object" ? from.node : from,
    version: loaded.workflow.version,
  };
  return startExecution(env, tenant, platform, {
    name: rec.workflow,
    input: rec.input,
    trigger: "rerun",
    wait: opts.wait,
    waitUntil: opts.waitUntil,
    loaded,
    previous,
    rerunOf: link,
    // A re-run is asked for on purpose: the workflow's idempotency_key template must not answer the first run.
    idempotencyKey: null,
  });
}

function parseFrom(from: string | undefined): RerunFrom {
  if (from === undefined || from === "start") return "start";
  if (from === "failed") return "failed";
  if (typeof from !== "string" || !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(from)) {
    throw new ApiError(400, "INVALID_FROM", 'from must be "start", "failed" or a node id', { field: "from" });
  }
  return { node: from };
}

function planOf(
  env: Env,
  tenant: Tenant,
  platform: Platform,
  name: string,
  version?: number,
): ReturnType<typeof loadPlan> {
  return loadPlan(env, tenant, name, platform.compile, () => platform.catalog(env, tenant), version);
}

/** The record's nodes, plus the `ctx:` checkpoints of an execution a crash interrupted. */
async function earlierNodes(env: Env, rec: ExecutionRecord, status: string): Promise<Record<string, NodeRecord>> {
  if (status !== "interrupted") return { ...rec.nodes };
  return { ...rec.nodes, ...(await loadNodeContexts(env, rec.id)) };
}

function isTruncatedMarker(v: unknown): boolean {
  return typeof v === "object" && v !== null && (v as { truncated?: unknown }).truncated === true && "preview" in v;
}
