/**
 * FOREACH element checkpoints: which elements of a FOREACH already finished (from a failed run's record or
 * a crash's `ctx:` progress checkpoint), so a resume calls only the others.
 */
import type { NodeRecord } from "../engine/types";

/** What a failed or unfinished FOREACH node keeps of its finished elements. */
export interface ForeachProgress {
  /** Indexes of the elements that succeeded, ascending. */
  done: number[];
  /** Their results, by index (null elsewhere). */
  results: unknown[];
  /** How many elements the list had. */
  total: number;
}

/**
 * The results of the elements an earlier run of this node finished, by index; empty when none.
 *
 * @example
 * const done = finishedElements(previous?.[step.id], items.length);
 * if (done.has(3)) results[3] = done.get(3);
 */
export function finishedElements(prev: NodeRecord | undefined, total: number): Map<number, unknown> {
  const p = (prev as (NodeRecord & { elements?: ForeachProgress }) | undefined)?.elements;
  const out = new Map<number, unknown>();
  // A list of another length is another list: nothing of it is reused.
  if (!p || p.total !== total || !Array.isArray(p.done)) return out;
  for (const i of p.done) if (Number.isInteger(i) && i >= 0 && i < total) out.set(i, p.results[i] ?? null);
  return out;
}

/**
 * The progress record of a FOREACH: the finished elements' indexes and results.
 *
 * @example
 * rec.elements = foreachProgress(finished, results, items.length);
 */
export function foreachProgress(finished: Set<number>, results: unknown[], total: number): ForeachProgress {
  const done = [...finished].sort((a, b) => a - b);
  const kept: unknown[] = new Array(total).fill(null);
  for (const i of done) kept[i] = results[i] ?? null;
  return { done, results: kept, total };
}
