/**
 * Resume and re-run an execution.
 * - waiting: a node waits for a task; resuming hands in the task's result (it becomes that node's data).
 * - failed / interrupted: resuming runs the nodes that did not succeed again; succeeded nodes are reused.
 * - re-run: a new execution of the workflow's current version with this execution's input.
 */
import { useState } from "react";
import { api, type Execution, enc } from "../api";
import { navigate } from "../router";
import { Button, ErrorNote, inputClass } from "../ui";

export function ResumePanel({ execution: e, onResumed }: { execution: Execution; onResumed: () => void }) {
  const tasks = Object.entries(e.nodes)
    .filter(([, n]) => n.status === "pending" && n.pending?.task_id)
    .map(([node, n]) => ({ node, task: n.pending!.task_id, until: n.pending?.resume_at }));
  const [picked, setTask] = useState("");
  const task = picked || tasks[0]?.task || "";
  const [result, setResult] = useState("{}");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  let parsed: unknown;
  let jsonError: string | null = null;
  try {
    parsed = JSON.parse(result);
  } catch (err) {
    jsonError = (err as Error).message;
  }
  const waiting = e.status === "waiting";
  const resumable = waiting || e.status === "failed" || e.status === "interrupted";

  const act = async (f: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await f();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const resume = () =>
    act(async () => {
      await api("POST", `/v1/executions/${enc(e.id)}/resume`, waiting ? { task_id: task, result: parsed } : {});
      onResumed();
    });
  const rerun = () =>
    act(async () => {
      const r = await api<{ execution_id: string }>("POST", `/v1/workflows/${enc(e.workflow)}/runs`, e.input ?? {});
      navigate(`/executions/${enc(r.execution_id)}`);
    });

  return (
    <section
      aria-labelledby="actions-title"
      className={`mb-4 text-sm ${resumable ? "rounded-lg border border-amber-700 p-3" : ""}`}
    >
      <h2 id="actions-title" className="sr-only">
        Resume or re-run
      </h2>
      <ErrorNote error={error} />
      {waiting && tasks.length > 0 && (
        <div className="mb-3 space-y-2">
          <p className="text-amber-200">
            Waiting on {tasks.map((t) => `${t.node} (task ${t.task}${t.until ? `, due ${t.until}` : ""})`).join(", ")}.
            Hand in the task's result to continue now: it becomes the node's data.
          </p>
          <div className="flex flex-wrap items-end gap-2">
            {tasks.length > 1 && (
              <label className="flex flex-col gap-1">
                <span className="text-stone-300">Task</span>
                <select value={task} onChange={(ev) => setTask(ev.target.value)} className={inputClass}>
                  {tasks.map((t) => (
                    <option key={t.task} value={t.task}>
                      {t.node}: {t.task}
                    </option>
                  ))}
                </select>
              </label>
            )}
            <label className="flex min-w-0 flex-1 flex-col gap-1">
              <span className="text-stone-300">Task result (JSON)</span>
              <textarea
                value={result}
                onChange={(ev) => setResult(ev.target.value)}
                rows={2}
                spellCheck={false}
                aria-invalid={jsonError ? true : undefined}
                className={`${inputClass} font-mono text-xs`}
              />
            </label>
          </div>
          {jsonError && <p className="text-red-300">Not JSON: {jsonError}</p>}
        </div>
      )}
      {!waiting && resumable && (
        <p className="mb-2 text-stone-300">
          Resume runs the nodes that did not succeed again; the nodes that succeeded keep their results.
        </p>
      )}
      <div className="flex flex-wrap gap-2">
        {resumable && (
          <Button kind="primary" onClick={resume} disabled={busy || (waiting && (!task || !!jsonError))}>
            {waiting ? "Resume with this result" : "Resume"}
          </Button>
        )}
        <Button onClick={rerun} disabled={busy} title={`A new execution of ${e.workflow} (current version)`}>
          Re-run with the same input
        </Button>
      </div>
    </section>
  );
}
