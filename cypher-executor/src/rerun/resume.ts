/**
 * Resume on the current version: a fix deployed after a failure can continue the execution when the
 * new version still fits the results already kept (see {@link requireFit}); otherwise a clear 409.
 */
import type { Tenant } from "../auth/api-keys";
import type { ExecutionRecord, NodeRecord } from "../engine/types";
import type { Env } from "../env";
import type { ComponentCatalog, Plan } from "../workflow/plan";
import { type Compile, loadPlan, type StoredWorkflow } from "../workflow-store/index";
import { requireFit } from "./fit";

/**
 * The plan a resume runs: the version the execution started with, or (`version: "current"`) the
 * current one when every reused node still exists with the same component. Null when it was deleted.
 *
 * @example
 * const loaded = await resumePlan(env, tenant, platform, rec, previous, body.version);
 */
export async function resumePlan(
  env: Env,
  tenant: Tenant,
  platform: { compile: Compile; catalog(env: Env, tenant: Tenant): Promise<ComponentCatalog> },
  rec: ExecutionRecord,
  previous: Record<string, NodeRecord>,
  version: unknown,
): Promise<{ plan: Plan; workflow: StoredWorkflow } | null> {
  const load = (v?: number) =>
    loadPlan(env, tenant, rec.workflow, platform.compile, () => platform.catalog(env, tenant), v);
  const original = await load(rec.version);
  if (version !== "current") return original;
  const current = await load();
  if (!current || !original || current.workflow.version === rec.version) return current ?? original;
  const kept = Object.entries(previous)
    .filter(([, n]) => n.status === "succeeded" || n.status === "pending" || n.elements)
    .map(([id]) => id);
  requireFit(original.plan, current.plan, kept, { from: rec.version, to: current.workflow.version });
  return current;
}
