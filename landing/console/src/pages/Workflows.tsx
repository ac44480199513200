import { useMemo, useState } from "react";
import type { ExecutionSummary, WorkflowSummary } from "../api";
import { Link } from "../router";
import { ago, ErrorNote, inputClass, Loading, Page, StatusBadge } from "../ui";
import { useApi } from "../useApi";

export function Workflows() {
  const wfs = useApi<{ workflows: WorkflowSummary[] }>("/v1/workflows");
  const runs = useApi<{ executions: ExecutionSummary[] }>("/v1/executions?limit=200", 10_000);
  const [q, setQ] = useState("");
  const last = useMemo(() => {
    const m = new Map<string, ExecutionSummary>();
    for (const e of runs.data?.executions ?? []) if (!m.has(e.workflow)) m.set(e.workflow, e);
    return m;
  }, [runs.data]);
  const list = (wfs.data?.workflows ?? []).filter(
    (w) => !q || w.name.includes(q.toLowerCase()) || (w.description ?? "").toLowerCase().includes(q.toLowerCase()),
  );
  return (
    <Page
      title="Workflows"
      actions={
        <>
          <Link
            to="/new"
            className="rounded-md bg-orange-500 px-3 py-1.5 text-sm font-semibold text-stone-950 hover:bg-orange-400"
          >
            New workflow
          </Link>
          <label className="flex items-center gap-2 text-sm">
            <span className="sr-only">Search workflows</span>
            <input
              type="search"
              value={q}
              onChange={(e) => setQ(e.target.value)}
              placeholder="Search workflows"
              className={inputClass}
            />
          </label>
        </>
      }
    >
      <ErrorNote error={wfs.error} />
      {!wfs.data && !wfs.error && <Loading what="workflows" />}
      {wfs.data && list.length === 0 && (
        <p className="text-stone-300">
          {q ? "No workflow matches." : "No workflows yet: deploy one with `acr push examples/hello.yaml`."}
        </p>
      )}
      {list.length > 0 && (
        <div className="overflow-x-auto rounded-lg border border-stone-700">
          <table className="w-full text-left text-sm">
            <thead className="bg-stone-900 text-stone-300">
              <tr>
                <th scope="col" className="px-3 py-2">
                  Name
                </th>
                <th scope="col" className="px-3 py-2">
                  Trigger
                </th>
                <th scope="col" className="px-3 py-2">
                  Last run
                </th>
                <th scope="col" className="px-3 py-2">
                  Version
                </th>
                <th scope="col" className="px-3 py-2">
                  Changed
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((w) => {
                const run = last.get(w.name);
                return (
                  <tr key={w.name} className="border-t border-stone-800 hover:bg-stone-900">
                    <td className="px-3 py-2">
                      <Link
                        to={`/workflows/${encodeURIComponent(w.name)}`}
                        className="font-medium text-orange-300 underline-offset-2 hover:underline"
                      >
                        {w.name}
                      </Link>
                      {w.description && <div className="text-xs text-stone-400">{w.description}</div>}
                    </td>
                    <td className="px-3 py-2 text-stone-300">{w.cron ? `cron ${w.cron}` : "webhook"}</td>
                    <td className="px-3 py-2">
                      {run ? (
                        <Link to={`/executions/${run.id}`} className="inline-flex items-center gap-2">
                          <StatusBadge status={run.status} />
                          <span className="text-xs text-stone-400">{ago(run.started_at)}</span>
                        </Link>
                      ) : (
                        <span className="text-xs text-stone-400" title="none among the latest 200 executions">
                          —
                        </span>
                      )}
                    </td>
                    <td className="px-3 py-2 text-stone-300">v{w.version}</td>
                    <td className="px-3 py-2 text-stone-300">{ago(w.updated_at)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </Page>
  );
}
