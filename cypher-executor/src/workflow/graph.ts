/**
 * Graph facts of a flow: adjacency, cycles, reachability from `input`, and a topological order.
 */
import type { Edge } from "./plan";

export interface GraphFacts {
  incoming: Record<string, Edge[]>;
  outgoing: Record<string, Edge[]>;
  /** Topological order (declaration order breaks ties); complete only when there is no cycle. */
  order: string[];
  /** Each cycle as a node list whose last element repeats the first. */
  cycles: string[][];
  /** Nodes with no path from `input`, in declaration order. */
  unreachable: string[];
}

/**
 * Builds the graph facts for the nodes (in declaration order) and edges of a flow.
 *
 * @example
 * buildGraph(["input", "a"], [{ from: "input", to: "a", kind: "ON_SUCCESS" }]).order // ["input", "a"]
 */
export function buildGraph(ids: string[], edges: Edge[]): GraphFacts {
  const incoming: Record<string, Edge[]> = {};
  const outgoing: Record<string, Edge[]> = {};
  for (const id of ids) {
    incoming[id] = [];
    outgoing[id] = [];
  }
  for (const e of edges) {
    if (!outgoing[e.from]) outgoing[e.from] = [];
    if (!incoming[e.to]) incoming[e.to] = [];
    outgoing[e.from]!.push(e);
    incoming[e.to]!.push(e);
  }
  const all = Object.keys(outgoing);

  // Kahn's algorithm, picking ready nodes in declaration order so the order is stable.
  const indeg = new Map(all.map((id) => [id, new Set((incoming[id] ?? []).map((e) => e.from)).size]));
  const order: string[] = [];
  const ready = all.filter((id) => indeg.get(id) === 0);
  while (ready.length) {
    const id = ready.shift()!;
    order.push(id);
    for (const to of new Set((outgoing[id] ?? []).map((e) => e.to))) {
      const d = indeg.get(to)! - 1;
      indeg.set(to, d);
      if (d === 0) ready.push(to);
    }
  }

  const cycles: string[][] = [];
  if (order.length < all.length) {
    const state = new Map<string, 1 | 2>();
    const stack: string[] = [];
    const seen = new Set<string>();
    const dfs = (id: string) => {
      state.set(id, 1);
      stack.push(id);
      for (const to of new Set((outgoing[id] ?? []).map((e) => e.to))) {
        if (state.get(to) === 1) {
          const cycle = [...stack.slice(stack.indexOf(to)), to];
          const key = [...cycle.slice(0, -1)].sort().join(",");
          if (!seen.has(key)) {
            seen.add(key);
            cycles.push(cycle);
          }
        } else if (!state.has(to)) dfs(to);
      }
      stack.pop();
      state.set(id, 2);
    };
    for (const id of all) if (!state.has(id)) dfs(id);
  }

  const reached = new Set<string>(["input"]);
  const queue = ["input"];
  while (queue.length) {
    const id = queue.shift()!;
    for (const e of outgoing[id] ?? []) {
      if (!reached.has(e.to)) {
        reached.add(e.to);
        queue.push(e.to);
      }
    }
  }
  const unreachable = all.filter((id) => !reached.has(id));
  return { incoming, outgoing, order, cycles, unreachable };
}

/**
 * For each node, the nodes that always run before it (its ancestors), computed in topological
 * order. Returns undefined when the graph has a cycle (reported separately).
 *
 * @example
 * ancestors(buildGraph(["input", "a"], edges)).get("a") // Set { "input" }
 */
export function ancestors(graph: GraphFacts): Map<string, Set<string>> | undefined {
  if (graph.cycles.length) return undefined;
  const out = new Map<string, Set<string>>();
  for (const id of graph.order) {
    const mine = new Set<string>();
    for (const e of graph.incoming[id] ?? []) {
      mine.add(e.from);
      for (const a of out.get(e.from) ?? []) mine.add(a);
    }
    out.set(id, mine);
  }
  return out;
}
