/**
 * The per-node timeline of an execution: one bar per node at its start offset, and under a retried node one bar
 * per attempt. The execution record keeps a node's start, total duration and attempt count (not each attempt's
 * own timing), so attempts share the node's span equally and are marked as approximate.
 */
import type { Execution, NodeRecord } from "../api";
import type { ForeachInfo } from "./foreach";

const BAR: Record<string, string> = {
  succeeded: "bg-emerald-500",
  failed: "bg-red-500",
  running: "bg-sky-400",
  pending: "bg-amber-400",
  skipped: "bg-stone-600",
};

export interface TimelineProps {
  execution: Execution;
  /** Node ids in plan order (only those in the record). */
  order: string[];
  /** FOREACH targets: their attempts are calls over elements, not retries. */
  foreach: Record<string, ForeachInfo>;
  selected: string | null;
  onSelect: (id: string) => void;
}

/** Where on the time axis a node sits, in ms from the execution's start. */
function place(e: Execution, r: NodeRecord): { start: number; end: number } {
  const t0 = Date.parse(e.started_at);
  const start = r.started_at ? Math.max(0, Date.parse(r.started_at) - t0) : 0;
  return { start, end: start + r.duration_ms };
}

const fmt = (ms: number) => (ms >= 10 ? `${Math.round(ms)} ms` : `${Math.round(ms * 10) / 10} ms`);

/**
 * @example
 * <Timeline execution={e} order={["input", "fetch"]} foreach={{}} selected={null} onSelect={setNode} />
 */
export function Timeline({ execution: e, order, foreach, selected, onSelect }: TimelineProps) {
  const span = Math.max(1, e.duration_ms ?? 0, ...order.map((n) => place(e, e.nodes[n]!).end));
  const pct = (ms: number) => `${(ms / span) * 100}%`;
  return (
    <ol className="space-y-1" aria-label="Node timeline">
      {order.map((n) => {
        const r = e.nodes[n]!;
        const { start } = place(e, r);
        const each = foreach[n];
        const retried = !each && r.attempts > 1;
        const status = r.status === "pending" ? "waiting" : r.status;
        return (
          <li key={n} data-timeline-node={n}>
            <button
              type="button"
              onClick={() => onSelect(n)}
              aria-pressed={selected === n}
              className={`grid w-full grid-cols-[7rem_1fr_6rem] items-center gap-2 rounded px-1 py-1 text-left text-xs hover:bg-stone-900 sm:grid-cols-[9rem_1fr_8rem] ${selected === n ? "bg-stone-800" : ""}`}
            >
              <span className="truncate font-medium">{n}</span>
              <span className="relative h-4 rounded bg-stone-900" aria-hidden="true">
                <span
                  className={`absolute top-0 h-4 rounded-sm ${BAR[r.status] ?? "bg-stone-500"}`}
                  style={{ left: `min(${pct(start)}, calc(100% - 3px))`, width: `max(3px, ${pct(r.duration_ms)})` }}
                />
              </span>
              <span className="text-right text-stone-300 wrap-anywhere">
                {r.status === "skipped" ? "skipped" : fmt(r.duration_ms)}
                {retried ? ` · ${r.attempts} attempts` : ""}
                {each ? ` · ${each.items?.length ?? "?"} elements` : ""}
                <span className="sr-only">, {status}</span>
              </span>
            </button>
            {retried && <Attempts record={r} start={start} pct={pct} node={n} />}
          </li>
        );
      })}
    </ol>
  );
}

/** One row and bar per attempt: every attempt but the last failed (a retry follows only a failure). */
function Attempts({
  record: r,
  start,
  pct,
  node,
}: {
  record: NodeRecord;
  start: number;
  pct: (ms: number) => string;
  node: string;
}) {
  const each = r.duration_ms / r.attempts;
  const last = r.status === "pending" ? "waiting" : r.status;
  return (
    <ol className="mb-1 ml-3 border-l border-stone-700 pl-2" aria-label={`${node} attempts`}>
      {Array.from({ length: r.attempts }, (_, i) => {
        const final = i === r.attempts - 1;
        const outcome = final ? last : "failed, retried";
        return (
          <li
            // biome-ignore lint/suspicious/noArrayIndexKey: attempts are positional
            key={i}
            data-attempt={i + 1}
            data-outcome={final ? last : "retried"}
            className="grid grid-cols-[6.5rem_1fr_6rem] items-center gap-2 py-0.5 text-[11px] text-stone-300 sm:grid-cols-[8.5rem_1fr_8rem]"
          >
            <span>attempt {i + 1}</span>
            <span className="relative h-2.5 rounded bg-stone-900" aria-hidden="true">
              <span
                className={`absolute top-0 h-2.5 rounded-sm ${final ? (BAR[r.status] ?? "bg-stone-500") : "bg-red-400/80"}`}
                style={{ left: pct(start + i * each), width: `max(2px, calc(${pct(each)} - 1px))` }}
              />
            </span>
            <span className="text-right wrap-anywhere">
              {outcome}
              {final && r.error ? ` (${r.error.code})` : ""}
            </span>
          </li>
        );
      })}
      <li className="text-[11px] text-stone-400">
        ≈{fmt(each)} each: the record keeps the node's total time, not each attempt's
      </li>
    </ol>
  );
}
