import { kvOperations } from "./kv-count";
import { tailSubscribers } from "./tail-bus";

/**
 * Prometheus counters of this instance (isolate or `acr serve` process), kept in memory: nothing is
 * written to KV for them. On Cloudflare each isolate counts its own share; `instance` tells them apart.
 */
// Random values are not allowed at global scope on workerd: the id is drawn at the first scrape.
let instance = "";
const executions = new Map<string, number>();
const hostCalls = new Map<string, number>();
const STEP_BUCKETS_MS = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 5000, 30000];
const stepBuckets = new Array<number>(STEP_BUCKETS_MS.length).fill(0);
let stepCount = 0;
let stepSumMs = 0;

const bump = (m: Map<string, number>, k: string, n = 1) => m.set(k, (m.get(k) ?? 0) + n);

/**
 * Counts one finished execution: its status and each step's duration (KV operations are counted at the
 * binding, see kv-count.ts).
 *
 * @example
 * recordExecution({ status: "succeeded", nodes: { greet: { duration_ms: 3 } } });
 */
export function recordExecution(rec: {
  status: string;
  nodes: Record<string, { duration_ms: number; attempts?: number }>;
}): void {
  bump(executions, rec.status);
  for (const n of Object.values(rec.nodes)) {
    if (!n.attempts) continue;
    stepCount++;
    stepSumMs += n.duration_ms;
    for (let i = 0; i < STEP_BUCKETS_MS.length; i++) {
      if (n.duration_ms <= (STEP_BUCKETS_MS[i] ?? 0)) stepBuckets[i] = (stepBuckets[i] ?? 0) + 1;
    }
  }
}

/** Counts one host function call made by a component (`http_request`, `kv_get`, …). */
export function recordHostCall(name: string): void {
  bump(hostCalls, name);
}

/**
 * The counters in Prometheus text exposition format 0.0.4.
 *
 * @example
 * new Response(renderMetrics(), { headers: { "content-type": "text/plain; version=0.0.4" } });
 */
export function renderMetrics(): string {
  instance ||= crypto.randomUUID().slice(0, 8);
  const lines: string[] = [];
  const label = (extra = "") => `{instance="${instance}"${extra}}`;
  lines.push("# HELP arcrun_executions_total Finished executions by status.", "# TYPE arcrun_executions_total counter");
  for (const [status, n] of executions) lines.push(`arcrun_executions_total${label(`,status="${status}"`)} ${n}`);
  lines.push("# HELP arcrun_step_duration_ms Duration of executed steps.", "# TYPE arcrun_step_duration_ms histogram");
  STEP_BUCKETS_MS.forEach((le, i) => {
    lines.push(`arcrun_step_duration_ms_bucket${label(`,le="${le}"`)} ${stepBuckets[i]}`);
  });
  lines.push(`arcrun_step_duration_ms_bucket${label(',le="+Inf"')} ${stepCount}`);
  lines.push(
    `arcrun_step_duration_ms_sum${label()} ${stepSumMs}`,
    `arcrun_step_duration_ms_count${label()} ${stepCount}`,
  );
  lines.push(
    "# HELP arcrun_host_calls_total Host function calls by components.",
    "# TYPE arcrun_host_calls_total counter",
  );
  for (const [fn, n] of hostCalls) lines.push(`arcrun_host_calls_total${label(`,function="${fn}"`)} ${n}`);
  lines.push(
    "# HELP arcrun_kv_operations_total KV operations of this instance by namespace and kind (read, write, list, delete).",
    "# TYPE arcrun_kv_operations_total counter",
  );
  for (const [ns, op, n] of kvOperations()) {
    lines.push(`arcrun_kv_operations_total${label(`,namespace="${ns}",op="${op}"`)} ${n}`);
  }
  lines.push(
    "# HELP arcrun_tail_streams Open `acr tail` streams (GET /v1/tail as Server-Sent Events) on this instance.",
    "# TYPE arcrun_tail_streams gauge",
    `arcrun_tail_streams${label()} ${tailSubscribers()}`,
  );
  return `${lines.join("\n")}\n`;
}
