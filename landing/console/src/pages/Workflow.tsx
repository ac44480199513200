import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from "react";
import {
  ApiError,
  api,
  type Diagnostic,
  type Execution,
  type ExecutionSummary,
  type ExposureReview,
  enc,
  type FlowGraph,
  type Validation,
  type Workflow,
} from "../api";
import { ConsentDialog, type ExposureConsent } from "../parts/ConsentDialog";
import { Link, navigate } from "../router";
import { ago, Button, ErrorNote, Loading, Page } from "../ui";
import { useApi } from "../useApi";
import { Versions } from "./Versions";

const FlowCanvas = lazy(() => import("../parts/Graph"));
const YamlEditor = lazy(() => import("../parts/YamlEditor"));

/** The `name:` line, as `acr push` reads it. */
function nameOf(source: string): string | null {
  return /^name:\s*["']?([a-z0-9_-]{1,64})["']?\s*(#.*)?$/m.exec(source)?.[1] ?? null;
}

/**
 * Nodes a diagnostic concerns: `config.{node}…` paths, the nodes named on the flow line it points at (`flow[i]`), or a
 * node id quoted in the message.
 */
function nodesOf(diags: Diagnostic[], graph: FlowGraph | undefined, source: string): Set<string> {
  const out = new Set<string>();
  const ids = graph?.nodes.map((n) => n.id) ?? [];
  const lines = source.split("\n");
  for (const d of diags) {
    const m = /^config\.([^.[]+)/.exec(d.path ?? "");
    if (m?.[1]) out.add(m[1]);
    if (/^flow\[\d+\]/.test(d.path ?? "") && d.pos) {
      const words = new Set((lines[d.pos.line - 1] ?? "").split(/[^A-Za-z0-9_-]+/));
      for (const id of ids) if (words.has(id)) out.add(id);
    }
    for (const id of ids) if (new RegExp(`["'\`(]${id}["'\`)]`).test(d.message)) out.add(id);
  }
  return out;
}

/** What "New workflow" opens with: a valid two-step flow to edit. */
const STARTER = `name: my-workflow
description: Describe what it does
flow:
  - input >> ON_SUCCESS >> greet
  - greet >> ON_SUCCESS >> output
config:
  greet:
    component: set
    values:
      message: "Hello {{ input.name }}"
  output:
    component: set
    values:
      greeting: "{{ greet.message }}"
`;

const DRAFT: Workflow = {
  name: "",
  version: 0,
  source: STARTER,
  webhook_auth: "api_key",
  created_at: "",
  updated_at: "",
};

/** A workflow (`name`), or a new one (`name` null: the editor opens with a starter; Deploy creates it). */
export default function WorkflowPage({ name, query }: { name: string | null; query: URLSearchParams }) {
  const version = query.get("version");
  const stored = useApi<Workflow>(
    name ? `/v1/workflows/${enc(name)}${version ? `?version=${enc(version)}` : ""}` : null,
  );
  const wf = name ? stored : { ...stored, data: DRAFT, error: null };
  const [text, setText] = useState<string | null>(null);
  const [check, setCheck] = useState<Validation | null>(null);
  // The text the current verdict is about: Deploy waits until the verdict is about what is in the editor.
  const [checked, setChecked] = useState<string | null>(null);
  const [graph, setGraph] = useState<FlowGraph | undefined>(undefined);
  const [review, setReview] = useState<ExposureReview | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [selected, setSelected] = useState<string | null>(null);

  useEffect(() => {
    if (wf.data) setText(wf.data.source);
  }, [wf.data]);

  // Live validation: the validate route compiles exactly what a deploy would, 350 ms after the last key.
  const seq = useRef(0);
  useEffect(() => {
    if (text === null) return;
    const n = ++seq.current;
    const t = setTimeout(() => {
      api<Validation>("POST", "/validate", text || " ").then(
        (v) => {
          if (n !== seq.current) return;
          setCheck(v);
          setChecked(text);
          if (v.graph) setGraph(v.graph);
        },
        (e) =>
          n === seq.current &&
          setCheck({ valid: false, errors: [{ code: e.code ?? "ERROR", message: e.message }], warnings: [] }),
      );
    }, 350);
    return () => clearTimeout(t);
  }, [text]);

  const diagnostics = check?.errors ?? [];
  const highlight = useMemo(() => nodesOf(diagnostics, graph, checked ?? ""), [diagnostics, graph, checked]);
  const dirty = wf.data !== undefined && text !== null && text !== wf.data.source;

  const deploy = useCallback(
    async (consent?: ExposureConsent) => {
      if (text === null) return;
      const target = nameOf(text);
      if (!target) return setError(new Error("The YAML needs a `name:` line"));
      setBusy(true);
      setError(null);
      setNote(null);
      try {
        const headers: Record<string, string> = consent ? { "x-arcrun-exposure-consent": JSON.stringify(consent) } : {};
        const r = await api<{ name: string; version: number }>("PUT", `/v1/workflows/${enc(target)}`, text, {
          headers,
        });
        setReview(null);
        setNote(`Deployed ${r.name} v${r.version}`);
        if (r.name !== name || version) navigate(`/workflows/${enc(r.name)}`);
        else wf.reload();
      } catch (e) {
        if (e instanceof ApiError && e.code === "EXPOSURE_CONSENT_REQUIRED") {
          setReview((e.body as { error: { review: ExposureReview } }).error.review);
        } else {
          setReview(null);
          setError(e);
        }
      } finally {
        setBusy(false);
      }
    },
    [text, name, version, wf],
  );

  if (wf.error)
    return (
      <Page title={name ?? "New workflow"}>
        <ErrorNote error={wf.error} />
      </Page>
    );
  if (!wf.data || text === null)
    return (
      <Page title={name ?? "New workflow"}>
        <Loading what="workflow" />
      </Page>
    );
  const target = nameOf(text) ?? name ?? "";
  return (
    <Page
      title={
        <>
          {name ?? "New workflow"}{" "}
          {name && (
            <span className="text-sm font-normal text-stone-400">
              v{wf.data.version}
              {version ? " (old version)" : ""} · changed {ago(wf.data.created_at)}
            </span>
          )}
        </>
      }
      actions={
        <>
          <Link
            to={`/executions${name ? `?workflow=${enc(name)}` : ""}`}
            className="rounded-md border border-stone-600 px-3 py-1.5 text-sm hover:bg-stone-800"
          >
            Executions
          </Link>
          <Button kind="primary" onClick={() => deploy()} disabled={busy || !check?.valid || checked !== text}>
            {busy ? "Deploying…" : version ? "Deploy this version as new" : dirty ? "Deploy" : "Redeploy"}
          </Button>
        </>
      }
    >
      {wf.data.description && <p className="-mt-2 mb-3 text-sm text-stone-300">{wf.data.description}</p>}
      <ErrorNote error={error} />
      {note && (
        <p
          role="status"
          className="my-2 rounded border border-emerald-700 bg-emerald-950 px-3 py-2 text-sm text-emerald-100"
        >
          {note}
        </p>
      )}
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
        <div className="h-[420px] lg:h-[560px]">
          <Suspense fallback={<Loading what="graph" />}>
            {graph ? (
              <FlowCanvas graph={graph} highlight={highlight} onSelect={setSelected} label="Workflow graph" />
            ) : (
              <Loading what="graph" />
            )}
          </Suspense>
        </div>
        <div className="flex flex-col gap-2">
          <div className="h-[420px] lg:h-[480px]">
            <Suspense fallback={<Loading what="editor" />}>
              <YamlEditor value={text} onChange={setText} diagnostics={diagnostics} label="Workflow YAML" />
            </Suspense>
          </div>
          <p className="text-xs text-stone-400">Tab indents in the editor; Esc then Tab moves on.</p>
          <section aria-label="Validation" aria-live="polite" className="text-sm">
            {!check && <span className="text-stone-400">Checking…</span>}
            {check?.valid && (
              <span className="text-emerald-300">
                ✓ Valid{check.warnings.length ? `, ${check.warnings.length} warning(s)` : ""}
                {dirty ? " · unsaved changes" : ""}
              </span>
            )}
            <ul className="space-y-1">
              {diagnostics.map((d) => (
                <li
                  key={`${d.code}-${d.path}-${d.pos?.line}-${d.pos?.column}-${d.message}`}
                  className="diagnostic rounded border border-red-700 bg-red-950 px-2 py-1 text-red-100"
                >
                  <span className="font-mono">
                    {d.pos ? `line ${d.pos.line}, column ${d.pos.column}` : (d.path ?? "")}
                  </span>{" "}
                  <strong>{d.code}</strong> {d.message}
                </li>
              ))}
              {check?.warnings.map((d) => (
                <li
                  key={`w-${d.code}-${d.path}-${d.pos?.line}-${d.pos?.column}-${d.message}`}
                  className="rounded border border-amber-700 bg-amber-950 px-2 py-1 text-amber-100"
                >
                  <span className="font-mono">{d.pos ? `line ${d.pos.line}, column ${d.pos.column}` : ""}</span>{" "}
                  <strong>{d.code}</strong> {d.message}
                </li>
              ))}
            </ul>
          </section>
        </div>
      </div>
      {selected && graph && (
        <p className="mt-2 text-sm text-stone-300">
          Selected node <strong>{selected}</strong>: {graph.nodes.find((n) => n.id === selected)?.component ?? ""}
        </p>
      )}
      {review && (
        <ConsentDialog review={review} name={target} onCancel={() => setReview(null)} onConsent={(c) => deploy(c)} />
      )}
      {name && (
        <div className="mt-6 grid grid-cols-1 gap-6 lg:grid-cols-2">
          <RunPanel name={name} disabled={!!version} />
          {/* Keyed by the current version: a deploy from this page lists the new version at once. */}
          <Versions
            key={wf.data.version}
            name={name}
            current={wf.data.version}
            viewing={version ? Number(version) : null}
          />
        </div>
      )}
    </Page>
  );
}

/** Run now: the JSON input (prefilled from the last run), run and wait, then open the execution. */
function RunPanel({ name, disabled }: { name: string; disabled: boolean }) {
  const [input, setInput] = useState("{}");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api<{ executions: ExecutionSummary[] }>("GET", `/v1/executions?workflow=${enc(name)}&limit=1`)
      .then((r) => (r.executions[0] ? api<Execution>("GET", `/v1/executions/${enc(r.executions[0].id)}`) : null))
      .then((e) => {
        if (e && e.input !== undefined) setInput(JSON.stringify(e.input, null, 2));
      })
      .catch(() => {});
  }, [name]);
  let parsed: unknown;
  let jsonError: string | null = null;
  try {
    parsed = JSON.parse(input);
  } catch (e) {
    jsonError = (e as Error).message;
  }
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await api<{ execution_id: string }>("POST", `/v1/workflows/${enc(name)}/runs`, parsed ?? {});
      navigate(`/executions/${enc(r.execution_id)}`);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="run-title" className="space-y-2">
      <h2 id="run-title" className="text-lg font-semibold">
        Run now
      </h2>
      <label className="block text-sm">
        <span className="mb-1 block text-stone-300">Input (JSON)</span>
        <textarea
          value={input}
          onChange={(e) => setInput(e.target.value)}
          rows={6}
          spellCheck={false}
          aria-invalid={jsonError ? true : undefined}
          className="w-full rounded-md border border-stone-600 bg-stone-900 p-2 font-mono text-xs text-stone-100"
        />
      </label>
      {jsonError && <p className="text-sm text-red-300">Not JSON: {jsonError}</p>}
      <ErrorNote error={error} />
      <Button kind="primary" onClick={run} disabled={busy || !!jsonError || disabled}>
        {busy ? "Running…" : "Run"}
      </Button>
    </section>
  );
}
