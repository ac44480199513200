/**
 * Deploy-time checks of FOREACH bodies: what can never run there is an error with its place in the
 * flow, not a failure of the first execution. A body element cannot park the execution (a `wait`, or
 * any step that answers pending): one element waiting would hold the others' results with no way to
 * resume that element alone. Subflow bodies are supported (one sub-execution per element).
 */
import type { FlowEdge } from "./flow";
import type { Step } from "./plan";
import type { WorkflowSource } from "./source";

/** Components that answer `pending` (park the execution until a task is resumed). */
export const PENDING_COMPONENTS = new Set(["wait"]);

/**
 * Reports each FOREACH edge whose body can never run.
 *
 * @example
 * checkForeachBodies(src, rawEdges, steps);
 */
export function checkForeachBodies(
  src: WorkflowSource,
  edges: Array<FlowEdge & { entry: number }>,
  steps: Record<string, Step>,
): void {
  for (const e of edges) {
    if (e.kind !== "FOREACH") continue;
    const body = steps[e.to];
    if (!body || !PENDING_COMPONENTS.has(body.component)) continue;
    const where = ["flow", e.entry];
    src.report(
      "FOREACH_BODY_CANNOT_WAIT",
      `"${e.to}" (${body.component}) is the body of FOREACH ${e.over ?? ""}: a FOREACH element cannot wait; put the ${body.component} before or after the FOREACH`,
      where,
      src.nodeAt(where),
      { index: e.toIndex, flow: true },
    );
  }
}
