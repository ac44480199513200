import { lazy, Suspense, useEffect, useMemo, useState } from "react";
import { api, type Execution, enc, type Validation, type Workflow } from "../api";
import { foreachNodes } from "../parts/foreach";
import { NodeDetail } from "../parts/NodeDetail";
import { ResumePanel } from "../parts/ResumePanel";
import { Timeline } from "../parts/Timeline";
import { Link } from "../router";
import { ago, ErrorNote, Json, Loading, Page, StatusBadge } from "../ui";
import { useApi } from "../useApi";

const FlowCanvas = lazy(() => import("../parts/Graph"));

const LIVE = new Set(["running"]);

/**
 * One execution: the graph coloured by node state, a per-node timeline (attempts as their own bars), each node's
 * input, output, error and log, FOREACH elements; resume (waiting, failed, interrupted) and re-run.
 */
export default function ExecutionPage({ id }: { id: string }) {
  const [poll, setPoll] = useState(true);
  const ex = useApi<Execution>(`/v1/executions/${enc(id)}`, poll ? 1500 : undefined);
  const [graph, setGraph] = useState<Validation["graph"]>();
  const [selected, setSelected] = useState<string | null>(null);
  const e = ex.data;

  // After a resume, the stored record can lag (KV takes one write per second per key, so the final write of a
  // resume moments after the first run waits): keep polling until it counts the resume, for at most 15 s.
  const [awaited, setAwaited] = useState<{ resumes: number; until: number } | null>(null);
  useEffect(() => {
    if (!e || LIVE.has(e.status)) return;
    if (awaited && (e.resumes ?? 0) < awaited.resumes && Date.now() < awaited.until) return;
    setPoll(false);
  }, [e, awaited]);
  // The graph of the version that ran (once per workflow version, not per poll).
  const workflow = e?.workflow;
  const version = e?.version;
  useEffect(() => {
    if (!workflow) return;
    api<Workflow>("GET", `/v1/workflows/${enc(workflow)}?version=${version}`)
      .then((w) => api<Validation>("POST", "/validate", w.source))
      .then((v) => setGraph(v.graph))
      .catch(() => {});
  }, [workflow, version]);

  const states = useMemo(() => {
    const out: Record<string, string> = {};
    for (const [k, n] of Object.entries(e?.nodes ?? {})) out[k] = n.status === "pending" ? "waiting" : n.status;
    return out;
  }, [e]);
  const foreach = useMemo(() => (e ? foreachNodes(e, graph) : {}), [e, graph]);

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
  const reload = () => {
    setAwaited({ resumes: (e.resumes ?? 0) + 1, until: Date.now() + 15_000 });
    setPoll(true);
    ex.reload();
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
    >
      <p className="-mt-2 mb-3 text-sm text-stone-300">
        v{e.version} · {e.trigger} · started {ago(e.started_at)}
        {e.duration_ms !== undefined ? ` · ${e.duration_ms} ms` : ""} · {e.kv_writes} KV writes
        {e.resumes ? ` · resumed ${e.resumes}×` : ""}
      </p>
      {e.error && (
        <p className="mb-3 rounded border border-red-700 bg-red-950 px-3 py-2 text-sm text-red-100">
          <strong>{e.error.code}</strong> {e.error.message}
        </p>
      )}
      {e.status !== "running" && <ResumePanel key={`${e.status}-${e.resumes ?? 0}`} execution={e} onResumed={reload} />}
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
        <section aria-labelledby="timeline-title" className="min-w-0">
          <h2 id="timeline-title" className="mb-2 text-lg font-semibold">
            Timeline
          </h2>
          <Timeline execution={e} order={order} foreach={foreach} selected={selected} onSelect={setSelected} />
          <NodeDetail id={selected} record={node} foreach={selected ? foreach[selected] : undefined} />
          {!selected && (
            <div className="mt-3 grid gap-2 sm:grid-cols-2">
              <p className="text-xs text-stone-300 sm:col-span-2">
                Select a node (in the timeline or the graph) for its input, output, error and log.
              </p>
              <div className="min-w-0">
                <h3 className="text-sm font-semibold">Input</h3>
                <Json value={e.input} label="Execution input" />
              </div>
              <div className="min-w-0">
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
