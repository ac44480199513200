import type { ExecutionSummary } from "../api";
import { Link, navigate } from "../router";
import { ago, ErrorNote, inputClass, Loading, Page, StatusBadge } from "../ui";
import { useApi } from "../useApi";

const STATUSES = ["", "running", "succeeded", "failed", "waiting", "interrupted"];

/** Executions, newest first; filters live in the URL (deep-linkable); refreshed every 3 s. */
export function Executions({ query }: { query: URLSearchParams }) {
  const workflow = query.get("workflow") ?? "";
  const status = query.get("status") ?? "";
  const q = new URLSearchParams({ limit: "100" });
  if (workflow) q.set("workflow", workflow);
  if (status) q.set("status", status);
  const list = useApi<{ executions: ExecutionSummary[] }>(`/v1/executions?${q}`, 3000);
  const setFilter = (k: string, v: string) => {
    const next = new URLSearchParams(query);
    if (v) next.set(k, v);
    else next.delete(k);
    navigate(`/executions${next.size ? `?${next}` : ""}`, { replace: true });
  };
  return (
    <Page
      title="Executions"
      actions={
        <>
          <label className="flex items-center gap-1 text-sm">
            <span className="text-stone-300">Workflow</span>
            <input
              defaultValue={workflow}
              onKeyDown={(e) => e.key === "Enter" && setFilter("workflow", e.currentTarget.value.trim())}
              onBlur={(e) =>
                e.currentTarget.value.trim() !== workflow && setFilter("workflow", e.currentTarget.value.trim())
              }
              placeholder="any"
              className={`${inputClass} w-32`}
            />
          </label>
          <label className="flex items-center gap-1 text-sm">
            <span className="text-stone-300">Status</span>
            <select value={status} onChange={(e) => setFilter("status", e.target.value)} className={inputClass}>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s || "any"}
                </option>
              ))}
            </select>
          </label>
        </>
      }
    >
      <ErrorNote error={list.error} />
      {!list.data && !list.error && <Loading what="executions" />}
      {list.data?.executions.length === 0 && <p className="text-stone-300">No executions match.</p>}
      {!!list.data?.executions.length && (
        <div className="overflow-x-auto rounded-lg border border-stone-700">
          <table className="w-full text-left text-sm">
            <thead className="bg-stone-900 text-stone-300">
              <tr>
                <th scope="col" className="px-3 py-2">
                  Execution
                </th>
                <th scope="col" className="px-3 py-2">
                  Workflow
                </th>
                <th scope="col" className="px-3 py-2">
                  Status
                </th>
                <th scope="col" className="px-3 py-2">
                  Trigger
                </th>
                <th scope="col" className="px-3 py-2">
                  Started
                </th>
                <th scope="col" className="px-3 py-2">
                  Duration
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.executions.map((e) => (
                <tr key={e.id} className="border-t border-stone-800 hover:bg-stone-900">
                  <td className="px-3 py-2 font-mono text-xs">
                    <Link
                      to={`/executions/${encodeURIComponent(e.id)}`}
                      className="text-orange-300 underline-offset-2 hover:underline"
                    >
                      {e.id}
                    </Link>
                  </td>
                  <td className="px-3 py-2">{e.workflow}</td>
                  <td className="px-3 py-2">
                    <StatusBadge status={e.status} />
                  </td>
                  <td className="px-3 py-2 text-stone-300">{e.trigger}</td>
                  <td className="px-3 py-2 text-stone-300">{ago(e.started_at)}</td>
                  <td className="px-3 py-2 text-stone-300">
                    {e.duration_ms !== undefined ? `${e.duration_ms} ms` : "—"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Page>
  );
}
