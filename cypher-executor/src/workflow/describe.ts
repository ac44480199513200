/**
 * The compiled graph as plain JSON, for `POST /cypher/search {mode: "compile"}` and for UIs.
 */

import { ExprError } from "./expr";
import { parseFlowEntry } from "./flow";
import { buildGraph } from "./graph";
import type { Diagnostic, Edge, EdgeKind, Plan } from "./plan";
import { INPUT_ALIASES, OUTPUT_NAMES } from "./steps";
import { compileExpr } from "./template";

export interface FlowDescription {
  nodes: Array<{ id: string; component: string | null; role: "trigger" | "output" | "step"; subflow?: string }>;
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

/**
 * Compiles bare flow entries (no config) into a graph, for `POST /cypher/search {mode: "compile"}`:
 * nodes get their component from Cypher labels (or `null`), IF conditions are syntax-checked, and
 * problems come back as diagnostics with `path: "flow[i]"` and the column inside the entry.
 *
 * @example
 * compileFlow(["(input)-[:ON_SUCCESS]->(a:set)"]).graph?.nodes[1] // { id: "a", component: "set", role: "step" }
 */
export function compileFlow(entries: string[]): { graph?: FlowDescription; errors: Diagnostic[] } {
  const errors: Diagnostic[] = [];
  const edges: Edge[] = [];
  const components = new Map<string, string>();
  const ids: string[] = ["input"];
  const add = (id: string) => {
    if (!ids.includes(id)) ids.push(id);
  };
  entries.forEach((entry, i) => {
    const parsed = parseFlowEntry(entry);
    for (const p of parsed.problems)
      errors.push({
        code: p.code,
        message: p.message,
        path: `flow[${i}]`,
        pos: { line: i + 1, column: p.index + 1, flowColumn: p.index + 1 },
      });
    for (const l of parsed.labels) components.set(l.node, l.component);
    for (const e of parsed.edges) {
      const from = INPUT_ALIASES.has(e.from) ? "input" : e.from;
      const to = INPUT_ALIASES.has(e.to) ? "input" : e.to;
      add(from);
      add(to);
      const edge: Edge = { from, to, kind: e.kind };
      if (e.branch) edge.branch = e.branch;
      if (e.over) edge.over = e.over;
      if (e.condition) {
        try {
          edge.condition = compileExpr(e.condition.source);
        } catch (err) {
          const index = e.condition.index + (err instanceof ExprError ? err.index : 0);
          errors.push({
            code: err instanceof ExprError ? err.code : "INVALID_EXPRESSION",
            message: (err as Error).message,
            path: `flow[${i}]`,
            pos: { line: i + 1, column: index + 1, flowColumn: index + 1 },
          });
        }
      }
      edges.push(edge);
    }
  });
  const g = buildGraph(ids, edges);
  for (const c of g.cycles)
    errors.push({ code: "CYCLE", message: `The flow has a cycle: ${c.join(" → ")}`, path: "flow" });
  if (errors.length) return { errors };
  const outputs = OUTPUT_NAMES.filter((n) => ids.includes(n));
  return {
    errors,
    graph: {
      nodes: g.order.map((id) => ({
        id,
        component: id === "input" ? "input" : (components.get(id) ?? null),
        role: id === "input" ? "trigger" : OUTPUT_NAMES.includes(id) ? "output" : "step",
      })),
      edges: edges.map((e) => ({
        from: e.from,
        to: e.to,
        kind: e.kind,
        ...(e.condition ? { condition: e.condition.source } : {}),
        ...(e.branch ? { branch: e.branch } : {}),
        ...(e.over ? { over: e.over } : {}),
      })),
      order: g.order,
      outputs: outputs.length ? [outputs[0]!] : g.order.filter((id) => !g.outgoing[id]?.length && id !== "input"),
    },
  };
}
