import { lazy, Suspense, useEffect, useMemo, useState } from "react";
import { api, type Execution, enc, type NodeRecord, type Validation, type Workflow } from "../api";
import { Link, navigate } from "../router";
import { ago, Button, ErrorNote, Json, Loading, Page, StatusBadge } from "../ui";
import { useApi } from "../useApi";

const FlowCanvas = lazy(() => import("../parts/Graph"));

const LIVE = new Set(["running"]);
const BAR: Record<string, string> = {
  succeeded: "bg-emerald-500",
  failed: "bg-red-500",
  running: "bg-sky-400",
  pending: "bg-amber-400",
  skipped: "bg-stone-600",
};

/** One execution: the graph coloured by node state, a per-node timeline, each node's input/output/error/logs. */
export default function ExecutionPage({ id }: { id: string }) {
  const [poll, setPoll] = useState(true);
  const ex = useApi<Execution>(`/v1/executions/${enc(id)}`, poll ? 1500 : undefined);
  const [graph, setGraph] = useState<Validation["graph"]>();
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const e = ex.data;

  useEffect(() => {
    if (e && !LIVE.has(e.status)) setPoll(false);
  }, [e]);
  // The graph of the version that ran.
  useEffect(() => {
    if (!e) return;
    api<Workflow>("GET", `/v1/workflows/${enc(e.workflow)}?version=${e.version}`)
      .then((w) => api<Validation>("POST", "/validate", w.source))
      .then((v) => setGraph(v.graph))
      .catch(() => {});
  }, [e?.workflow, e?.version, e]);

  const states = useMemo(() => {
    const out: Record<string, string> = {};
    for (const [k, n] of Object.entries(e?.nodes ?? {})) out[k] = n.status === "pending" ? "waiting" : n.status;
    return out;
  }, [e]);

  if (ex.error)
    return (
      <Page title={id}>
        <ErrorNote error={ex.error} />
      </Page>
    );
  if (!e)
    return (
      <Page title={id}>
        <Loading what="execution" />
      </Page>
    );

  const order = graph?.order.filter((n) => e.nodes[n]) ?? Object.keys(e.nodes);
  const t0 = Date.parse(e.started_at);
  const ends = order.map((n) => {
    const r = e.nodes[n]!;
    return (r.started_at ? Date.parse(r.started_at) - t0 : 0) + r.duration_ms;
  });
  const span = Math.max(1, e.duration_ms ?? 0, ...ends);
  const resume = async () => {
    setBusy(true);
    setError(null);
    try {
      await api("POST", `/v1/executions/${enc(id)}/resume`, {});
      setPoll(true);
      ex.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const rerun = async () => {
    setBusy(true);
    try {
      const r = await api<{ execution_id: string }>("POST", `/v1/workflows/${enc(e.workflow)}/runs`, e.input ?? {});
      navigate(`/executions/${enc(r.execution_id)}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const node = selected ? e.nodes[selected] : undefined;
  return (
    <Page
      title={
        <span className="flex flex-wrap items-center gap-2">
          <Link to={`/workflows/${enc(e.workflow)}`} className="text-orange-300 underline-offset-2 hover:underline">
            {e.workflow}
          </Link>
          <span className="font-mono text-sm text-stone-400">{e.id}</span>
          <StatusBadge status={e.status} />
        </span>
      }
      actions={
        <>
          {["failed", "waiting", "interrupted"].includes(e.status) && (
            <Button kind="primary" onClick={resume} disabled={busy}>
              Resume
            </Button>
          )}
          <Button onClick={rerun} disabled={busy}>
            Re-run
          </Button>
        </>
      }
    >
      <p className="-mt-2 mb-3 text-sm text-stone-300">
        v{e.version} · {e.trigger} · started {ago(e.started_at)}
        {e.duration_ms !== undefined ? ` · ${e.duration_ms} ms` : ""} · {e.kv_writes} KV writes
        {e.resumes ? ` · resumed ${e.resumes}×` : ""}
      </p>
      <ErrorNote error={error} />
      {e.error && (
        <p className="mb-3 rounded border border-red-700 bg-red-950 px-3 py-2 text-sm text-red-100">
          <strong>{e.error.code}</strong> {e.error.message}
        </p>
      )}
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
        <div className="h-[380px] lg:h-[520px]">
          <Suspense fallback={<Loading what="graph" />}>
            {graph ? (
              <FlowCanvas graph={graph} states={states} onSelect={setSelected} label="Execution graph" />
            ) : (
              <Loading what="graph" />
            )}
          </Suspense>
        </div>
        <section aria-labelledby="timeline-title">
          <h2 id="timeline-title" className="mb-2 text-lg font-semibold">
            Timeline
          </h2>
          <ol className="space-y-1" aria-label="Node timeline">
            {order.map((n) => {
              const r = e.nodes[n]!;
              const start = r.started_at ? Date.parse(r.started_at) - t0 : 0;
              return (
                <li key={n} data-timeline-node={n}>
                  <button
                    type="button"
                    onClick={() => setSelected(n)}
                    aria-pressed={selected === n}
                    className={`grid w-full grid-cols-[7rem_1fr_5rem] items-center gap-2 rounded px-1 py-1 text-left text-xs hover:bg-stone-900 sm:grid-cols-[9rem_1fr_6rem] ${selected === n ? "bg-stone-800" : ""}`}
                  >
                    <span className="truncate font-medium">{n}</span>
                    <span className="relative h-4 rounded bg-stone-900" aria-hidden="true">
                      <Attempts
                        record={r}
                        left={(start / span) * 100}
                        width={Math.max(1, (r.duration_ms / span) * 100)}
                      />
                    </span>
                    <span className="text-right text-stone-300">
                      {r.status === "skipped" ? "skipped" : `${r.duration_ms} ms`}
                      {r.attempts > 1 ? ` · ${r.attempts}×` : ""}
                      <span className="sr-only">, {r.status}</span>
                    </span>
                  </button>
                </li>
              );
            })}
          </ol>
          <NodeDetail id={selected} record={node} />
          {!selected && (
            <div className="mt-3 grid gap-2 sm:grid-cols-2">
              <div>
                <h3 className="text-sm font-semibold">Input</h3>
                <Json value={e.input} label="Execution input" />
              </div>
              <div>
                <h3 className="text-sm font-semibold">Output</h3>
                <Json value={e.output} label="Execution output" />
              </div>
            </div>
          )}
        </section>
      </div>
    </Page>
  );
}

/** Each attempt is its own bar segment (a retried node shows its attempts side by side). */
function Attempts({ record, left, width }: { record: NodeRecord; left: number; width: number }) {
  const n = Math.max(1, record.attempts);
  return (
    <span className="absolute top-0 flex h-4 gap-px" style={{ left: `${left}%`, width: `${width}%` }}>
      {Array.from({ length: n }, (_, i) => (
        <span
          // biome-ignore lint/suspicious/noArrayIndexKey: attempts are positional
          key={i}
          className={`h-4 flex-1 rounded-sm ${i < n - 1 ? "bg-red-400/70" : (BAR[record.status] ?? "bg-stone-500")}`}
        />
      ))}
    </span>
  );
}

function NodeDetail({ id, record }: { id: string | null; record: NodeRecord | undefined }) {
  if (!id || !record) return null;
  return (
    <section className="mt-3 space-y-2 rounded-lg border border-stone-700 p-3" aria-label={`Node ${id}`}>
      <h3 className="flex items-center gap-2 text-sm font-semibold">
        {id} <StatusBadge status={record.status === "pending" ? "waiting" : record.status} />
        <span className="text-xs font-normal text-stone-400">
          {record.attempts} attempt(s){record.reused ? " · reused from an earlier run" : ""}
          {record.handled ? " · failure handled" : ""}
        </span>
      </h3>
      {record.error && (
        <p className="rounded border border-red-700 bg-red-950 px-2 py-1 text-sm text-red-100">
          <strong>{record.error.code}</strong> {record.error.message}
        </p>
      )}
      {record.pending && <Json value={record.pending} label={`${id} waiting for`} />}
      <div className="grid gap-2 sm:grid-cols-2">
        <div>
          <h4 className="text-xs text-stone-300">Input</h4>
          <Json value={record.input} label={`${id} input`} />
        </div>
        <div>
          <h4 className="text-xs text-stone-300">Output</h4>
          <Json value={record.data} label={`${id} output`} />
        </div>
      </div>
      {record.logs !== undefined && (
        <div>
          <h4 className="text-xs text-stone-300">Logs</h4>
          <Json value={record.logs} label={`${id} logs`} />
        </div>
      )}
    </section>
  );
}
