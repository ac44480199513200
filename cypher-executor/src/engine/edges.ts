import type { Edge } from "../workflow/plan";
import type { Templates } from "./types";

/** What templates (and routing) see of a settled node. */
export interface NodeResult {
  success: boolean;
  data: unknown;
  error: unknown;
  status: string;
}

const TRUE_BRANCHES = new Set(["true", "then", "yes"]);
const FALSE_BRANCHES = new Set(["false", "else", "no"]);

/**
 * Decides whether `edge` is taken, given its source's settled result. `anyIfTaken` tells an
 * ELSE edge whether one of its sibling IF edges was taken.
 *
 * @example
 * edgeTaken({ from: "a", to: "b", kind: "ON_SUCCESS" }, { success: true, data: 1, error: null, status: "succeeded" }, scope, t, false); // true
 */
export function edgeTaken(
  edge: Edge,
  src: NodeResult,
  scope: Record<string, unknown>,
  templates: Templates,
  anyIfTaken: boolean,
): boolean {
  const ok = src.status === "succeeded";
  const failed = src.status === "failed";
  switch (edge.kind) {
    case "ON_SUCCESS":
    case "FOREACH":
    case "CALLS_SUBFLOW":
      return ok;
    case "ON_FAIL":
      return failed;
    case "ON_COMPLETE":
      return ok || failed;
    case "IF":
      return ok && edge.condition !== undefined && conditionHolds(edge, scope, templates);
    case "ELSE":
      return ok && !anyIfTaken;
    case "ON_TRUE":
      return ok && branchOf(src.data, TRUE_BRANCHES, true);
    case "ON_FALSE":
      return ok && branchOf(src.data, FALSE_BRANCHES, false);
    case "ON_BRANCH": {
      if (!ok) return false;
      const b = (src.data as { branch?: unknown } | null)?.branch;
      return b !== undefined && b !== null && String(b) === edge.branch;
    }
    default:
      return false;
  }
}

/** Reads the routing decision of `if_control` / `switch` / `try_catch`: `data.branch`, else a boolean `data.result`. */
function branchOf(data: unknown, names: Set<string>, want: boolean): boolean {
  if (typeof data === "boolean") return data === want;
  if (typeof data !== "object" || data === null) return false;
  const d = data as { branch?: unknown; result?: unknown };
  if (typeof d.branch === "string") return names.has(d.branch.toLowerCase());
  if (typeof d.branch === "boolean") return d.branch === want;
  if (typeof d.result === "boolean") return d.result === want;
  return false;
}

/** A condition that cannot be evaluated (e.g. a filter given the wrong type) is false: the IF is not taken. */
function conditionHolds(edge: Edge, scope: Record<string, unknown>, templates: Templates): boolean {
  try {
    return templates.isTruthy(templates.evaluate(edge.condition as NonNullable<Edge["condition"]>, scope));
  } catch {
    return false;
  }
}
