/**
 * Which results of an earlier run a new run may reuse, and whether they still fit another version of
 * the workflow: a reused node must still exist with the same component (or subflow), else the reused
 * data would stand in for a step that is no longer there.
 */
import type { NodeRecord } from "../engine/types";
import { ApiError } from "../http/errors";
import type { Plan } from "../workflow/plan";

/** What a re-run replays from: the first step, the failed part, or a named node. */
export type RerunFrom = "start" | "failed" | { node: string };

/** One difference that keeps a result from being reused on another version. */
export interface PlanChange {
  node: string;
  change: string;
}

/**
 * The differences between two versions that matter for the nodes in `reused`: removed nodes, or a
 * node now calling another component or subflow. Empty when the results fit.
 *
 * @example
 * planChanges(oldPlan, newPlan, ["fetch"]); // [{ node: "fetch", change: "component http_request → set" }]
 */
export function planChanges(before: Plan, after: Plan, reused: Iterable<string>): PlanChange[] {
  const out: PlanChange[] = [];
  for (const id of reused) {
    const a = before.steps[id];
    const b = after.steps[id];
    if (!a) continue;
    if (!b) out.push({ node: id, change: "removed" });
    else if ((a.subflow ?? a.component) !== (b.subflow ?? b.component)) {
      out.push({ node: id, change: `component ${a.subflow ?? a.component} → ${b.subflow ?? b.component}` });
    }
  }
  return out;
}

/**
 * Throws 409 `WORKFLOW_CHANGED` naming each change when earlier results do not fit the target version.
 *
 * @example
 * requireFit(oldPlan, newPlan, Object.keys(previous), { from: 3, to: 4 });
 */
export function requireFit(
  before: Plan,
  after: Plan,
  reused: Iterable<string>,
  versions: { from: number; to: number },
) {
  const changes = planChanges(before, after, reused);
  if (changes.length === 0) return;
  const list = changes.map((c) => `"${c.node}" ${c.change}`).join(", ");
  throw new ApiError(
    409,
    "WORKFLOW_CHANGED",
    `Version ${versions.to} no longer fits the results of version ${versions.from}: ${list}; re-run from the start instead`,
    { ...versions, changes },
  );
}

/**
 * The node results a re-run reuses: nothing from the start; every succeeded node (and a failed
 * FOREACH's finished elements) from the failed part; from a node, every succeeded node that is not
 * that node or downstream of it.
 *
 * @example
 * const previous = reusable(plan, { ...rec.nodes }, { node: "notify" });
 */
export function reusable(
  plan: Plan,
  nodes: Record<string, NodeRecord>,
  from: RerunFrom,
): Record<string, NodeRecord> | undefined {
  if (from === "start") return undefined;
  const again = typeof from === "object" ? downstream(plan, from.node) : new Set<string>();
  const out: Record<string, NodeRecord> = {};
  for (const [id, n] of Object.entries(nodes)) {
    if (again.has(id) || id === "input") continue;
    if (n.status === "succeeded") out[id] = { ...n, reused: undefined };
    // A failed FOREACH keeps its finished elements: only the others are called again.
    else if (n.status !== "pending" && n.elements) out[id] = { ...n, reused: undefined };
  }
  return out;
}

/** `node` and every node reachable from it. */
function downstream(plan: Plan, node: string): Set<string> {
  const seen = new Set<string>([node]);
  const todo = [node];
  for (let id = todo.pop(); id !== undefined; id = todo.pop()) {
    for (const e of plan.outgoing[id] ?? []) {
      if (!seen.has(e.to)) {
        seen.add(e.to);
        todo.push(e.to);
      }
    }
  }
  return seen;
}
