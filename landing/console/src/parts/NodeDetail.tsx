/**
 * One node of an execution: status, attempts, error, input, output, its log, and for a FOREACH node each element
 * with its item, status and output.
 */
import type { NodeRecord } from "../api";
import { Json, StatusBadge } from "../ui";
import type { ForeachInfo } from "./foreach";

/** Time of day with milliseconds (the record's timestamps are ISO, UTC). */
function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

/**
 * What happened to the node, line by line, from the record. Components' own stderr is not kept in the execution
 * history; when a record carries `logs` they are shown as they are.
 *
 * @example
 * nodeLog(record) // ["18:36:08.982 started", "attempt 1 failed, retried", ...]
 * nodeLog(foreachRecord, 3) // ["… started", "3 element(s), 3 call(s)", "… succeeded …"]
 */
export function nodeLog(r: NodeRecord, elements?: number): string[] {
  if (r.status === "skipped") return ["skipped: no edge into this node was taken"];
  const lines: string[] = [];
  const t = r.started_at ? Date.parse(r.started_at) : Number.NaN;
  const at = (ms: number) => (Number.isNaN(t) ? "" : `${clock(t + ms)} `);
  if (r.reused) lines.push(`${at(0)}result reused from an earlier run of this execution (resume)`);
  else lines.push(`${at(0)}started`);
  // A FOREACH node's attempts are its calls over the elements (retries included), not retries of one call.
  const tries = elements === undefined ? `${r.attempts} attempt(s)` : `${r.attempts} call(s)`;
  if (elements !== undefined) {
    const retried = r.attempts - elements;
    lines.push(`${elements} element(s), ${r.attempts} call(s)${retried > 0 ? `: ${retried} retried` : ""}`);
  } else for (let i = 1; i < r.attempts; i++) lines.push(`attempt ${i} failed, retried`);
  const end = at(r.duration_ms);
  if (r.status === "succeeded") lines.push(`${end}succeeded after ${tries}, ${r.duration_ms} ms`);
  if (r.status === "failed")
    lines.push(`${end}failed after ${tries}: ${r.error?.code ?? "FAILED"} ${r.error?.message ?? ""}`);
  if (r.status === "failed" && r.handled) lines.push("the failure is handled by an ON_FAIL / ON_COMPLETE edge");
  if (r.status === "pending")
    lines.push(
      `${end}waiting for task ${r.pending?.task_id ?? "?"}${r.pending?.resume_at ? ` until ${r.pending.resume_at}` : ""}`,
    );
  if (r.status === "running") lines.push("running…");
  return lines;
}

export function NodeDetail({
  id,
  record,
  foreach,
}: {
  id: string | null;
  record: NodeRecord | undefined;
  foreach?: ForeachInfo;
}) {
  if (!id || !record) return null;
  const retries = foreach ? record.attempts - foreach.elements.length : record.attempts - 1;
  return (
    <section className="mt-3 space-y-2 rounded-lg border border-stone-700 p-3" aria-label={`Node ${id}`}>
      <h3 className="flex flex-wrap items-center gap-2 text-sm font-semibold">
        {id} <StatusBadge status={record.status === "pending" ? "waiting" : record.status} />
        <span className="text-xs font-normal text-stone-300">
          {foreach
            ? `${foreach.elements.length} element(s), ${record.attempts} call(s)${retries > 0 ? `, ${retries} retried` : ""}`
            : `${record.attempts} attempt(s)${retries > 0 ? `, ${retries} retried` : ""}`}
          {record.reused ? " · reused from an earlier run" : ""}
          {record.handled ? " · failure handled" : ""}
        </span>
      </h3>
      {record.error && (
        <p className="rounded border border-red-700 bg-red-950 px-2 py-1 text-sm text-red-100">
          <strong>{record.error.code}</strong> {record.error.message}
        </p>
      )}
      {record.pending && <Json value={record.pending} label={`${id} waiting for`} />}
      {foreach && <Elements id={id} info={foreach} />}
      <div className="grid gap-2 sm:grid-cols-2">
        <div className="min-w-0">
          <h4 className="text-xs text-stone-300">Input</h4>
          {foreach && record.input === undefined ? (
            <p className="text-xs text-stone-300">
              Each element's input is built from <code>{foreach.over}</code> (above).
            </p>
          ) : (
            <Json value={record.input} label={`${id} input`} />
          )}
        </div>
        <div className="min-w-0">
          <h4 className="text-xs text-stone-300">Output</h4>
          <Json value={record.data} label={`${id} output`} />
        </div>
      </div>
      <div>
        <h4 className="text-xs text-stone-300">Log</h4>
        <ol aria-label={`${id} log`} className="rounded border border-stone-700 bg-stone-900 p-2 font-mono text-xs">
          {nodeLog(record, foreach?.elements.length).map((l, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: log lines are positional
            <li key={i}>{l}</li>
          ))}
        </ol>
        {record.logs !== undefined && <Json value={record.logs} label={`${id} component logs`} />}
      </div>
    </section>
  );
}

/** FOREACH: one row per element (the item it got, its status, its output or error). */
function Elements({ id, info }: { id: string; info: ForeachInfo }) {
  if (!info.items)
    return <p className="text-xs text-stone-300">{`${info.from}.data.${info.over}`} is not a list: no elements ran.</p>;
  const unknown = info.elements.some((el) => el.status === "unknown");
  return (
    <div>
      <h4 className="text-xs text-stone-300">
        Elements: FOREACH {info.over} over {info.from}
      </h4>
      <section
        aria-label={`${id} elements`}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard (axe)
        tabIndex={0}
        className="max-h-72 overflow-auto rounded border border-stone-700"
      >
        <table className="w-full text-left text-xs">
          <thead className="bg-stone-900 text-stone-300">
            <tr>
              <th scope="col" className="px-2 py-1">
                #
              </th>
              <th scope="col" className="px-2 py-1">
                Status
              </th>
              <th scope="col" className="px-2 py-1">
                {info.over}
              </th>
              <th scope="col" className="px-2 py-1">
                Output
              </th>
            </tr>
          </thead>
          <tbody>
            {info.elements.map((el) => (
              <tr key={el.index} data-element={el.index} className="border-t border-stone-800 align-top">
                <td className="px-2 py-1">{el.index}</td>
                <td className="px-2 py-1">
                  <StatusBadge status={el.status} />
                </td>
                <td className="px-2 py-1 font-mono break-all">{JSON.stringify(el.item)}</td>
                <td className="px-2 py-1 font-mono break-all">
                  {el.error ? (
                    <span className="text-red-200">
                      {el.error.code} {el.error.message}
                    </span>
                  ) : el.output === undefined ? (
                    "—"
                  ) : (
                    JSON.stringify(el.output)
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {unknown && (
        <p className="mt-1 text-xs text-stone-300">
          A failed FOREACH keeps only the failing element's error: the other elements' results are not recorded.
        </p>
      )}
    </div>
  );
}
