import type { Execution, FlowGraph } from "../api";

/** A FOREACH target node: the list it ran over (from its source node's data) and each element's outcome. */
export interface ForeachInfo {
  from: string;
  over: string;
  /** The elements, as the engine picked them; null when the source's data holds no list. */
  items: unknown[] | null;
  elements: ForeachElement[];
}

export interface ForeachElement {
  index: number;
  item: unknown;
  /** `unknown`: a failed FOREACH keeps only the failing element's error, not the others' results. */
  status: "succeeded" | "failed" | "unknown" | "not run";
  output?: unknown;
  error?: { code: string; message: string };
}

/** The engine's rule (`pickList`): `data[over]`, else `data[over + "s"]`, else `data` itself when it is a list. */
function pickList(src: unknown, key: string): unknown[] | null {
  if (src && typeof src === "object" && !Array.isArray(src)) {
    const o = src as Record<string, unknown>;
    const v = o[key] ?? o[`${key}s`];
    if (Array.isArray(v)) return v;
  }
  return Array.isArray(src) ? src : null;
}

/**
 * The FOREACH nodes of an execution with their elements, read from the record: a succeeded FOREACH's data is the
 * list of results in element order; a failed one names the failing element (`error.details.index`, `.cause`).
 *
 * @example
 * const each = foreachNodes(execution, graph); // { line: { over: "item", elements: [...] } }
 */
export function foreachNodes(e: Execution, graph: FlowGraph | undefined): Record<string, ForeachInfo> {
  const out: Record<string, ForeachInfo> = {};
  for (const edge of graph?.edges ?? []) {
    if (edge.kind !== "FOREACH") continue;
    const rec = e.nodes[edge.to];
    if (!rec) continue;
    const over = edge.over ?? "item";
    const items = pickList(e.nodes[edge.from]?.data, over);
    const results = rec.status === "succeeded" && Array.isArray(rec.data) ? rec.data : null;
    const details = (rec.error as { details?: { index?: number; cause?: { code: string; message: string } } })?.details;
    const elements = (items ?? []).map((item, index): ForeachElement => {
      if (results) return { index, item, status: "succeeded", output: results[index] };
      if (rec.status === "failed" && details?.index === index)
        return { index, item, status: "failed", ...(details.cause ? { error: details.cause } : {}) };
      if (rec.status === "skipped") return { index, item, status: "not run" };
      return { index, item, status: "unknown" };
    });
    out[edge.to] = { from: edge.from, over, items, elements };
  }
  return out;
}
