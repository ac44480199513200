import { type Command, Option } from "commander";
import { ApiClient } from "../api/client.js";
import { color } from "../ui/color.js";
import { EXIT, UserError } from "../ui/errors.js";
import { requireConfig } from "./whoami.js";

interface NodeView {
  status: string;
  attempts: number;
  duration_ms: number;
  started_at?: string;
  error?: { code: string; message: string };
  reused?: boolean;
  pending?: { task_id: string; resume_at?: string };
  /** What the step logged (a code step's console.log), bounded by the platform. */
  logs?: string;
}

/** What the timeline needs of an execution (a run answer or a stored record). */
export interface ExecutionView {
  id?: string;
  workflow: string;
  status: string;
  duration_ms?: number;
  error?: { code: string; message: string; node?: string };
  nodes: Record<string, NodeView>;
  kv_writes?: number;
}

const ICON: Record<string, (s: string) => string> = {
  succeeded: (s) => color.green(s),
  failed: (s) => color.red(s),
  skipped: (s) => color.dim(s),
  pending: (s) => color.yellow(s),
  waiting: (s) => color.yellow(s),
  running: (s) => color.cyan(s),
  interrupted: (s) => color.red(s),
};
const SYMBOL: Record<string, string> = {
  succeeded: "✓",
  failed: "✗",
  skipped: "○",
  pending: "⏸",
  waiting: "⏸",
  running: "…",
  interrupted: "!",
};

/** The statuses an execution can have (the API's enum). */
export const EXECUTION_STATUSES = ["succeeded", "failed", "waiting", "running", "interrupted"];

/** One line per status, icon first. */
export function statusLabel(status: string): string {
  return (ICON[status] ?? ((s: string) => s))(`${SYMBOL[status] ?? "?"} ${status}`);
}

/**
 * Prints a per-node timeline a person can read: icon, node, attempts, ms, error.
 *
 * @example
 * printTimeline(await api.request("GET", `/v1/executions/${id}`));
 */
export function printTimeline(e: ExecutionView): void {
  console.log(
    `${color.bold(e.workflow)} ${e.id ?? ""}  ${statusLabel(e.status)}${e.duration_ms !== undefined ? `  ${e.duration_ms} ms` : ""}`,
  );
  const nodes = Object.entries(e.nodes).sort(
    ([, a], [, b]) => Date.parse(a.started_at ?? "") - Date.parse(b.started_at ?? "") || 0,
  );
  const width = Math.max(4, ...nodes.map(([id]) => id.length));
  for (const [id, n] of nodes) {
    const icon = (ICON[n.status] ?? ((s: string) => s))(SYMBOL[n.status] ?? "?");
    const attempts = n.attempts > 1 ? `${n.attempts} attempts` : n.attempts === 1 ? "1 attempt" : "";
    const extra = n.error
      ? color.red(`${n.error.code}: ${n.error.message}`)
      : n.pending
        ? color.yellow(
            `waiting for task ${n.pending.task_id}${n.pending.resume_at ? ` until ${n.pending.resume_at}` : ""}`,
          )
        : n.reused
          ? color.dim("reused from the earlier run")
          : "";
    console.log(
      `  ${icon} ${id.padEnd(width)}  ${n.status.padEnd(9)} ${attempts.padEnd(11)} ${String(n.duration_ms).padStart(8)} ms  ${extra}`,
    );
    if (n.logs) printLogs(n.logs);
  }
  if (e.error?.node) console.log(color.red(`  failed at ${e.error.node}: ${e.error.code}`));
}

/** Most log lines shown per step; `--json` has them all. */
const LOG_LINES = 20;

function printLogs(logs: string): void {
  const lines = logs.split("\n");
  for (const line of lines.slice(0, LOG_LINES)) console.log(color.dim(`      │ ${line}`));
  if (lines.length > LOG_LINES)
    console.log(color.dim(`      │ … ${lines.length - LOG_LINES} more lines (--json shows all)`));
}

/** `acr executions` and `acr execution <id>`. */
export function registerExecutions(program: Command): void {
  program
    .command("executions")
    .description("List recent executions, newest first")
    .option("--workflow <name>", "only this workflow")
    .addOption(new Option("--status <status>", "only this status").choices(EXECUTION_STATUSES))
    .option("--limit <n>", "how many", "20")
    .addHelpText("after", "\nExample:\n  $ acr executions --workflow hello --status failed\n")
    .action(async (o: { workflow?: string; status?: string; limit: string }) => {
      const api = new ApiClient(requireConfig());
      const q = new URLSearchParams({ limit: o.limit });
      if (o.workflow) q.set("workflow", o.workflow);
      if (o.status) q.set("status", o.status);
      const r = await api.request<{
        executions: Array<{ id: string; workflow: string; status: string; started_at: string; duration_ms?: number }>;
      }>("GET", `/v1/executions?${q}`);
      if (program.opts().json) return console.log(JSON.stringify(r.executions));
      if (r.executions.length === 0) return console.log("no executions");
      for (const e of r.executions) {
        console.log(
          `${e.id}  ${e.workflow.padEnd(16)} ${statusLabel(e.status).padEnd(14)} ${color.dim(e.started_at)}${e.duration_ms !== undefined ? `  ${e.duration_ms} ms` : ""}`,
        );
      }
    });

  program
    .command("execution <id>")
    .description("Show one execution as a per-node timeline (status, attempts, ms, errors)")
    .option("--resume", "resume it (failed, interrupted): finished nodes are not re-run")
    .option("--rerun", "run it again with the same input: a new execution linked to this one")
    .option("--from-failed", "with --rerun: reuse the nodes that succeeded and run only the failed part")
    .option("--from <node>", "with --rerun: run this node and everything after it again, reuse the nodes before it")
    .addOption(
      new Option("--version <which>", "with --rerun or --resume: the version it ran, or the one deployed now").choices([
        "original",
        "current",
      ]),
    )
    .addHelpText(
      "after",
      "\nExamples:\n  $ acr execution ex8235… --rerun --from-failed --version current\n  $ acr execution ex8235… --resume --version current\n",
    )
    .action(
      async (
        id: string,
        o: { resume?: boolean; rerun?: boolean; fromFailed?: boolean; from?: string; version?: string },
      ) => {
        if (o.resume && o.rerun) throw usage("--resume and --rerun cannot be used together");
        if (!o.rerun && (o.fromFailed || o.from)) throw usage("--from-failed and --from need --rerun");
        if (o.fromFailed && o.from) throw usage("use either --from-failed or --from <node>");
        if (o.version && !o.rerun && !o.resume) throw usage("--version needs --rerun or --resume");
        const api = new ApiClient(requireConfig());
        const path = `/v1/executions/${encodeURIComponent(id)}`;
        const version = o.version ? { version: o.version } : {};
        const from = o.fromFailed ? { from: "failed" } : o.from ? { from: o.from } : {};
        const e = o.resume
          ? await api.request<ExecutionView & { execution_id: string }>("POST", `${path}/resume`, version)
          : o.rerun
            ? await api.request<ExecutionView & { execution_id: string }>("POST", `${path}/rerun`, {
                ...from,
                ...version,
              })
            : await api.request<ExecutionView>("GET", path);
        if (program.opts().json) return console.log(JSON.stringify(e));
        printTimeline({ ...e, id: e.id ?? (e as { execution_id?: string }).execution_id });
        if (o.rerun) console.log(color.dim(`  re-run of ${id}`));
        if (e.status === "failed") process.exitCode = 1;
      },
    );
}

function usage(message: string): Error {
  return new UserError(message, "See `acr execution --help`", EXIT.usage);
}
