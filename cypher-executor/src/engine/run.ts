/**
 * Runs a compiled Plan: a dependency-counting scheduler over the graph. Each node starts as soon as
 * all its incoming edges are resolved (taken or skipped) and at least one was taken, so independent
 * branches run concurrently and joins wait for every branch. See docs/engine.md.
 */
import type { Tenant } from "../auth/api-keys";
import { finishedElements, foreachProgress } from "../durability/index";
import type { Env } from "../env";
import type { ComponentError, ComponentOutcome } from "../runtime/types";
import type { Edge, Plan, Step } from "../workflow/plan";
import { isoNow } from "./clock";
import { edgeTaken, type NodeResult } from "./edges";
import { retryDecision } from "./retry/index";
import { appendLogs } from "./step-logs";
import type { EngineDeps, ExecutionStatus, NodeRecord, TriggerMeta, TriggerMetaSource } from "./types";
import { unresolvedWarnings } from "./warnings";

/** Most nested CALLS_SUBFLOW levels. */
export const MAX_SUBFLOW_DEPTH = 8;
/** FOREACH runs at most this many elements at once. */
export const FOREACH_CONCURRENCY = 8;

export interface RunOptions {
  env: Env;
  tenant: Tenant;
  executionId: string;
  /** The request body: the `input` node's data. */
  input: unknown;
  meta?: TriggerMetaSource;
  /** Results of an earlier run of this execution: succeeded nodes are reused, not re-run. */
  previous?: Record<string, NodeRecord>;
  waitUntil?: (p: Promise<unknown>) => void;
  /** Called after each node settles (checkpoints of long executions). */
  onNode?: (id: string, rec: NodeRecord) => void;
  /** Called after each FOREACH element finishes; `progress()` builds the node's unfinished record. */
  onProgress?: (id: string, progress: () => NodeRecord) => void;
  /** Workflow names above this one (cycle-safe subflows). */
  stack?: string[];
}

export interface RunResult {
  status: Exclude<ExecutionStatus, "running">;
  output: unknown;
  nodes: Record<string, NodeRecord>;
  error?: ComponentError & { node?: string };
}

/**
 * Runs `plan` to completion (or until it parks on a pending node).
 *
 * @example
 * const r = await runPlan(plan, deps, { env, tenant, executionId: "ex1", input: { name: "Ada" } });
 * r.status; // "succeeded"
 */
export async function runPlan(plan: Plan, deps: EngineDeps, opts: RunOptions): Promise<RunResult> {
  return new Execution(plan, deps, opts).run();
}

class Execution {
  readonly nodes: Record<string, NodeRecord> = {};
  readonly scope: Record<string, unknown>;
  private readonly remaining: Record<string, number> = {};
  private readonly takenVia: Record<string, Edge[]> = {};
  /** Nodes launched and not yet settled; `run()` wakes through `idle` when it drops to 0. */
  private active = 0;
  private idle: (() => void) | undefined;
  /** An error thrown while settling (not a node failure): `run()` rethrows it once everything stopped. */
  private crash: { error: unknown } | undefined;
  private failure: (ComponentError & { node?: string }) | null = null;
  private parked = false;

  constructor(
    readonly plan: Plan,
    readonly deps: EngineDeps,
    readonly opts: RunOptions,
  ) {
    // Roots a template may name besides nodes (see the format's BUILTIN_ROOTS).
    this.scope = {
      input: opts.input ?? {},
      // A plan that never reads the request's metadata gets the body alone (most plans: `{{ input.x }}`).
      trigger:
        deps.templates.readsTriggerMeta?.(plan) === false
          ? { body: opts.input ?? {} }
          : triggerRoot(opts.meta, opts.input ?? {}),
      workflow: { name: plan.name },
      execution: { id: opts.executionId },
    };
  }

  async run(): Promise<RunResult> {
    for (const id of this.plan.order) {
      this.remaining[id] = this.plan.incoming[id]?.length ?? 0;
      this.takenVia[id] = [];
    }
    for (const id of this.plan.order) if (this.remaining[id] === 0) this.launch(id);
    // A counter instead of a Set of promises raced after every settle: three promises and a race less per
    // node, which a 10-step chain pays 11 times per execution.
    if (this.active > 0) await new Promise<void>((wake) => (this.idle = wake));
    if (this.crash) throw this.crash.error;

    const status = this.failure ? "failed" : this.parked ? "waiting" : "succeeded";
    return { status, output: this.output(), nodes: this.nodes, ...(this.failure ? { error: this.failure } : {}) };
  }

  private output(): unknown {
    const ran = this.plan.outputs.filter((id) => this.nodes[id]?.status === "succeeded");
    if (ran.length === 0) return null;
    if (ran.length === 1) return this.nodes[ran[0] as string]?.data ?? null;
    return Object.fromEntries(ran.map((id) => [id, this.nodes[id]?.data ?? null]));
  }

  private launch(id: string): void {
    if (this.failure) return;
    this.active++;
    void this.runAndSettle(id);
  }

  private async runAndSettle(id: string): Promise<void> {
    let rec: NodeRecord;
    try {
      rec = await this.runNode(id);
    } catch (err) {
      // A node that throws (a template that cannot resolve, a runner bug) settles as failed, once.
      const message = err instanceof Error ? err.message : String(err);
      rec = failedRecord({ code: "STEP_ERROR", message }, 0, 0);
    }
    try {
      this.settle(id, rec);
    } catch (error) {
      this.crash ??= { error };
    } finally {
      if (--this.active === 0) this.idle?.();
    }
  }

  private settle(id: string, rec: NodeRecord): void {
    this.nodes[id] = rec;
    const result = toResult(rec);
    // `{{ input.x }}` reads the body itself; every other node is read as `{ success, data, error }`.
    if (this.plan.steps[id]?.role !== "trigger") this.scope[id] = result;
    this.opts.onNode?.(id, rec);
    const out = this.plan.outgoing[id] ?? [];
    if (rec.status === "pending") {
      this.parked = true;
      return;
    }
    if (rec.status === "failed") {
      rec.handled = out.some((e) => e.kind === "ON_FAIL" || e.kind === "ON_COMPLETE");
      if (!rec.handled) {
        this.failure ??= { ...(rec.error ?? { code: "FAILED", message: "failed" }), node: id };
        return;
      }
    }
    // Decide every edge before resolving any: ELSE needs its IF siblings, and each condition runs once.
    const t = this.deps.templates;
    const taken = out.map((e) => (e.kind === "ELSE" ? false : edgeTaken(e, result, this.scope, t, false)));
    const ifTaken = out.some((e, i) => e.kind === "IF" && taken[i]);
    out.forEach((e, i) => {
      this.resolve(e, e.kind === "ELSE" ? edgeTaken(e, result, this.scope, t, ifTaken) : (taken[i] as boolean));
    });
  }

  private resolve(edge: Edge, taken: boolean): void {
    const to = edge.to;
    if (taken) this.takenVia[to]?.push(edge);
    const left = (this.remaining[to] ?? 1) - 1;
    this.remaining[to] = left;
    if (left > 0) return;
    if ((this.takenVia[to]?.length ?? 0) > 0) {
      this.launch(to);
      return;
    }
    const rec: NodeRecord = { status: "skipped", attempts: 0, duration_ms: 0 };
    this.nodes[to] = rec;
    this.scope[to] = toResult(rec);
    for (const e of this.plan.outgoing[to] ?? []) this.resolve(e, false);
  }

  private async runNode(id: string): Promise<NodeRecord> {
    const step = this.plan.steps[id];
    if (!step) return failedRecord({ code: "UNKNOWN_NODE", message: `No step "${id}" in the plan` }, 0, 0);
    const prev = this.opts.previous?.[id];
    // Finished nodes are reused; a node still waiting for its task stays parked (never called twice).
    if (prev && (prev.status === "succeeded" || prev.status === "pending")) return { ...prev, reused: true };

    const started = performance.now();
    const startedAt = isoNow();
    if (step.role === "trigger") {
      return { status: "succeeded", data: this.scope.input, attempts: 1, duration_ms: 0, started_at: startedAt };
    }
    const via = this.takenVia[id] ?? [];
    const each = via.find((e) => e.kind === "FOREACH");
    let rec: NodeRecord;
    if (each) rec = await this.runForeach(step, each);
    else if (step.subflow !== undefined)
      rec = await this.runSubflow(step, via.find((e) => e.kind === "CALLS_SUBFLOW") ?? via[0]);
    else {
      const missing: string[] = [];
      const input = this.deps.templates.resolveValue(step.input, this.scope, missing);
      rec = await this.callWithRetry(step, input);
      rec.input = input;
      if (missing.length > 0) rec.warnings = unresolvedWarnings(missing);
    }
    rec.started_at = startedAt;
    rec.duration_ms = round(performance.now() - started);
    return rec;
  }

  /** Calls the step's component, retrying failures per its `retry` policy. */
  private async callWithRetry(step: Step, input: unknown): Promise<NodeRecord> {
    const max = step.retry?.max ?? 0;
    let outcome: ComponentOutcome | undefined;
    let attempts = 0;
    let logs: string | undefined;
    for (;;) {
      attempts++;
      outcome = await this.call(step, input);
      if (outcome.logs) logs = appendLogs(logs, outcome.logs, attempts > 1 ? `[attempt ${attempts}] ` : "");
      if (outcome.status !== "failed" || attempts > max) break;
      const decision = retryDecision(outcome.error);
      if (!decision.retry) break;
      const base = step.retry?.delayMs ?? 0;
      const delay = decision.delayMs ?? (step.retry?.backoff === "exponential" ? base * 2 ** (attempts - 1) : base);
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    }
    const rec: NodeRecord =
      outcome.status === "succeeded"
        ? { status: "succeeded", data: outcome.data, attempts, duration_ms: 0 }
        : outcome.status === "pending"
          ? { status: "pending", pending: outcome.pending, attempts, duration_ms: 0 }
          : failedRecord(outcome.error, attempts, 0);
    // A `code` step's console.log (any component's stderr), kept in the record (bounded).
    if (logs) rec.logs = logs;
    return rec;
  }

  private async call(step: Step, input: unknown): Promise<ComponentOutcome> {
    const { env, tenant, executionId, waitUntil } = this.opts;
    try {
      const runner = this.deps.runners.find((r) => r.accepts(step.component));
      if (runner) return await runner.run({ step, input, env, tenant, executionId, waitUntil });
      return await this.deps.runtime.call(step.component, input, {
        env,
        tenant,
        executionId,
        nodeId: step.id,
        limits: step.limits,
        waitUntil,
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return {
        status: "failed",
        error: { code: "COMPONENT_CALL_FAILED", message },
        logs: "",
        durationUs: 0,
        hostCalls: 0,
      };
    }
  }

  /** FOREACH X: one call per element of `from.data.X` (or `.Xs`), in order, at most N at once. */
  private async runForeach(step: Step, edge: Edge): Promise<NodeRecord> {
    const over = edge.over ?? "item";
    const src = this.nodes[edge.from]?.data;
    const items = pickList(src, over);
    if (!items) {
      return failedRecord(
        {
          code: "FOREACH_NOT_A_LIST",
          message: `FOREACH ${over}: "${edge.from}.data.${over}" (or "${over}s") is not a list`,
          details: { from: edge.from, over },
        },
        0,
        0,
      );
    }
    const results: unknown[] = new Array(items.length);
    let attempts = 0;
    let logs: string | undefined;
    let firstError: { index: number; error: ComponentError } | null = null;
    let next = 0;
    // Elements an earlier run finished (a failed element, a crash) are reused, never called again.
    const reused = finishedElements(this.opts.previous?.[step.id], items.length);
    const finished = new Set<number>(reused.keys());
    for (const [i, v] of reused) results[i] = v;
    const progress = (): NodeRecord => ({
      status: "running",
      attempts,
      duration_ms: 0,
      elements: foreachProgress(finished, results, items.length),
    });
    const worker = async () => {
      while (next < items.length && !firstError) {
        const index = next++;
        if (finished.has(index)) continue;
        const item = items[index];
        const scope = { ...this.scope, [over]: item, each: { index, item } };
        // A subflow body runs the other workflow once per element (its input: the config, else the element).
        const rec =
          step.subflow !== undefined
            ? await this.runSubflow(step, undefined, scope, index)
            : await this.callWithRetry(step, this.deps.templates.resolveValue(step.input, scope));
        attempts += rec.attempts;
        if (rec.logs) logs = appendLogs(logs, rec.logs, `[${index}] `);
        if (rec.status === "succeeded") {
          results[index] = rec.data;
          finished.add(index);
          this.opts.onProgress?.(step.id, progress);
        } else if (!firstError) {
          firstError = {
            index,
            error: rec.error ?? { code: "FOREACH_ITEM_PENDING", message: "A FOREACH element cannot wait" },
          };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(FOREACH_CONCURRENCY, items.length) }, worker));
    const failed = firstError as { index: number; error: ComponentError } | null;
    if (failed) {
      const rec = failedRecord(
        {
          code: "FOREACH_ITEM_FAILED",
          message: `FOREACH ${over}: element ${failed.index} failed: ${failed.error.message}`,
          details: { index: failed.index, cause: failed.error },
        },
        attempts,
        0,
      );
      rec.elements = foreachProgress(finished, results, items.length);
      if (logs) rec.logs = logs;
      return rec;
    }
    return { status: "succeeded", data: results, attempts, duration_ms: 0, ...(logs ? { logs } : {}) };
  }

  /** CALLS_SUBFLOW: runs another workflow of the same tenant in-process, as a sub-execution. */
  private async runSubflow(
    step: Step,
    edge: Edge | undefined,
    scope: Record<string, unknown> = this.scope,
    element?: number,
  ): Promise<NodeRecord> {
    const resolved = this.deps.templates.resolveValue(step.input, scope);
    const cfg = isObject(resolved) ? { ...resolved } : {};
    const name = step.subflow ?? step.id;
    const stack = this.opts.stack ?? [this.plan.name];
    if (stack.includes(name)) {
      return failedRecord(
        { code: "SUBFLOW_CYCLE", message: `Subflow cycle: ${[...stack, name].join(" → ")}`, details: { stack } },
        0,
        0,
      );
    }
    if (stack.length > MAX_SUBFLOW_DEPTH) {
      return failedRecord(
        { code: "SUBFLOW_TOO_DEEP", message: `Subflows nest deeper than ${MAX_SUBFLOW_DEPTH} levels` },
        0,
        0,
      );
    }
    const loaded = await this.deps.loadPlan(this.opts.env, this.opts.tenant, name);
    if (!loaded) {
      return failedRecord({ code: "SUBFLOW_NOT_FOUND", message: `No workflow named "${name}"` }, 0, 0);
    }
    const fallback =
      element !== undefined ? (scope.each as { item: unknown }).item : edge && this.nodes[edge.from]?.data;
    const input = Object.keys(cfg).length > 0 ? cfg : fallback;
    const r = await runPlan(loaded.plan, this.deps, {
      ...this.opts,
      executionId: `${this.opts.executionId}/${step.id}${element !== undefined ? `/${element}` : ""}`,
      input,
      previous: undefined,
      onNode: undefined,
      onProgress: undefined,
      stack: [...stack, name],
    });
    if (r.status === "succeeded") return { status: "succeeded", data: r.output, attempts: 1, duration_ms: 0, input };
    return failedRecord(
      {
        code: r.status === "waiting" ? "SUBFLOW_WAITING" : "SUBFLOW_FAILED",
        message:
          r.status === "waiting"
            ? `Subflow "${name}" parked on a pending node; subflows must finish in one run`
            : `Subflow "${name}" failed at node "${r.error?.node}": ${r.error?.message}`,
        details: { workflow: name, node: r.error?.node, cause: r.error },
      },
      1,
      0,
    );
  }
}

/**
 * The `trigger` root. `{{ input.x }}` compiles to `trigger.body.x`, so `body` is read by nearly every
 * workflow, but the request's headers, query, method and path rarely are: they are built on first read
 * (copying the headers and parsing the URL was ~3% of a webhook execution's CPU). Own accessors, so
 * templates (own-property reads), spreads and JSON see the same fields in the same order as before.
 */
function triggerRoot(meta: TriggerMetaSource | undefined, body: unknown): Record<string, unknown> {
  if (typeof meta !== "function") return { ...(meta ?? NO_META), body };
  let m: TriggerMeta | undefined;
  const read = () => (m ??= meta());
  return {
    get headers() {
      return read().headers;
    },
    get query() {
      return read().query;
    },
    get method() {
      return read().method;
    },
    get path() {
      return read().path;
    },
    body,
  };
}
const NO_META: TriggerMeta = { headers: {}, query: {}, method: "POST", path: "" };

function failedRecord(error: ComponentError, attempts: number, duration: number): NodeRecord {
  return { status: "failed", error, attempts, duration_ms: duration };
}

/** The `{ success, data, error }` a template sees for a node. */
function toResult(rec: NodeRecord): NodeResult {
  return {
    success: rec.status === "succeeded",
    data: rec.data ?? null,
    error: rec.error ?? null,
    status: rec.status,
  };
}

function pickList(src: unknown, key: string): unknown[] | null {
  if (isObject(src)) {
    const v = src[key] ?? src[`${key}s`];
    if (Array.isArray(v)) return v;
  }
  return Array.isArray(src) ? src : null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
