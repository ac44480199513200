/**
 * The compiled graph as plain JSON, for `POST /cypher/search {mode: "compile"}` and for UIs.
 */
import type { EdgeKind, Plan } from "./plan";

export interface FlowDescription {
  nodes: Array<{ id: string; component: string; role: "trigger" | "output" | "step"; subflow?: string }>;
  edges: Array<{ from: string; to: string; kind: EdgeKind; condition?: string; branch?: string; over?: string }>;
  order: string[];
  outputs: string[];
}

/**
 * Describes a plan's graph.
 *
 * @example
 * describeFlow(plan).edges[0] // { from: "input", to: "check", kind: "ON_SUCCESS" }
 */
export function describeFlow(plan: Plan): FlowDescription {
  return {
    nodes: plan.order.map((id) => {
      const s = plan.steps[id]!;
      return { id, component: s.component, role: s.role, ...(s.subflow ? { subflow: s.subflow } : {}) };
    }),
    edges: plan.edges.map((e) => ({
      from: e.from,
      to: e.to,
      kind: e.kind,
      ...(e.condition ? { condition: e.condition.source } : {}),
      ...(e.branch ? { branch: e.branch } : {}),
      ...(e.over ? { over: e.over } : {}),
    })),
    order: plan.order,
    outputs: plan.outputs,
  };
}
