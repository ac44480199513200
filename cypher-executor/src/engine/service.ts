/**
 * Starts, records and resumes executions: the one path every trigger (API run, webhook, query, cron,
 * resume, due wait) goes through. History costs one KV write for a short execution, written off the
 * response path; long ones also write a heartbeat and node checkpoints so a crash leaves them resumable.
 */

import type { Tenant } from "../auth/api-keys";
import { templateKey } from "../durability/idempotency-template";
import { armTimers, once, takeLease } from "../durability/index";
import type { Env } from "../env";
import {
  effectiveStatus,
  loadExecution,
  loadNodeContexts,
  newExecutionId,
  saveExecution,
  saveNodeContext,
  saveWait,
} from "../executions/index";
import { ApiError } from "../http/errors";
import { log, tenantTag } from "../observability/log";
import { recordExecution } from "../observability/metrics";
import { resumePlan } from "../rerun/resume";
import type { ComponentCatalog, Plan } from "../workflow/plan";
import { type Compile, loadPlan, type StoredWorkflow } from "../workflow-store/index";
import { isoNow } from "./clock";
import { runPlan } from "./run";
import type { EngineDeps, ExecutionRecord, NodeRecord, TriggerMetaSource } from "./types";

/** After this long an execution starts writing a heartbeat and node checkpoints. */
export const LONG_MS = 1_000;
/** Heartbeat period of a long execution (KV allows one write per second per key). */
export const HEARTBEAT_MS = 1_500;
/** The least time between two writes of the same record key. */
const SAME_KEY_GAP_MS = 1_050;

/** The engine plus what storing workflows needs. */
export interface Platform extends EngineDeps {
  compile: Compile;
  /** What a tenant's workflows may name: bundled components plus the tenant's recipes. */
  catalog(env: Env, tenant: Tenant): Promise<ComponentCatalog>;
}

/** What `POST /v1/workflows/{name}/runs` answers. */
export interface ExecutionResponse {
  execution_id: string;
  workflow: string;
  status: ExecutionRecord["status"];
  output: unknown;
  nodes: Record<string, NodeRecord>;
  error?: ExecutionRecord["error"];
  kv_writes: number;
  duration_ms: number;
  /** True when an Idempotency-Key repeat answered the first execution instead of running again. */
  idempotent_replay?: boolean;
}

export interface StartOptions {
  name: string;
  input: unknown;
  /** A function is called only if a template reads `trigger` (webhooks pass `lazyTriggerMeta`). */
  meta?: TriggerMetaSource;
  trigger: ExecutionRecord["trigger"];
  /** false: answer at once (202) and run in the background. */
  wait: boolean;
  waitUntil: (p: Promise<unknown>) => void;
  /** Already loaded by the caller (webhook auth reads the trigger first). */
  loaded?: { plan: Plan; workflow: StoredWorkflow };
  /** The request's `Idempotency-Key`: a repeat within 24 h answers the first execution (durability/idempotency). */
  idempotencyKey?: string | null;
  /** The execution's id, when chosen before the run (idempotency). */
  id?: string;
  /** Results of an earlier execution to reuse (a re-run from the failed part or from a node: src/rerun). */
  previous?: Record<string, NodeRecord>;
  /** The execution this one re-runs. */
  rerunOf?: ExecutionRecord["rerun_of"];
}

/**
 * Runs a stored workflow of `tenant`.
 *
 * @example
 * const r = await startExecution(env, tenant, platform, { name: "hello", input: {}, trigger: "api", wait: true, waitUntil });
 */
export async function startExecution(
  env: Env,
  tenant: Tenant,
  platform: Platform,
  opts: StartOptions,
): Promise<ExecutionResponse> {
  if (opts.idempotencyKey != null) {
    const again = { ...opts, idempotencyKey: null };
    return once(env, tenant, opts.name, opts.idempotencyKey, (id) =>
      startExecution(env, tenant, platform, { ...again, id }),
    );
  }
  const loaded =
    opts.loaded ?? (await loadPlan(env, tenant, opts.name, platform.compile, () => platform.catalog(env, tenant)));
  if (!loaded) throw new ApiError(404, "WORKFLOW_NOT_FOUND", `No workflow named "${opts.name}"`, { name: opts.name });
  // No Idempotency-Key header: the workflow's `trigger.idempotency_key` template may name one.
  if (opts.idempotencyKey === undefined && loaded.plan.trigger.idempotencyKey) {
    const key = await templateKey(loaded.plan, opts.input, opts.meta, platform.templates);
    if (key) return startExecution(env, tenant, platform, { ...opts, loaded, idempotencyKey: key });
  }
  const now = isoNow();
  const rec: ExecutionRecord = {
    id: opts.id ?? newExecutionId(),
    workflow: opts.name,
    version: loaded.workflow.version,
    status: "running",
    trigger: opts.trigger,
    started_at: now,
    updated_at: now,
    input: opts.input ?? {},
    nodes: {},
    kv_writes: 0,
    ...(opts.rerunOf ? { rerun_of: opts.rerunOf } : {}),
  };
  const recorder = new Recorder(env, tenant, rec, opts.waitUntil);
  // A background run outlives the request: read its metadata now, not after the 202.
  const meta = !opts.wait && typeof opts.meta === "function" ? opts.meta() : opts.meta;
  const run = () => execute(env, tenant, platform, loaded.plan, rec, recorder, meta, opts.previous, opts.waitUntil);
  if (!opts.wait) {
    // The running record lets the caller poll at once; the rest happens after the 202.
    // The lease lets the scheduler resume it if the process dies before it finishes (durability/recovery).
    await Promise.all([recorder.writeRecord(), recorder.lease()]);
    opts.waitUntil(run());
    return response(rec, 0);
  }
  return run();
}

/**
 * Continues a failed, interrupted or waiting execution. Finished nodes are reused from the stored
 * record and the `ctx:` checkpoints; only the failed / unfinished part runs again.
 *
 * @example
 * await resumeExecution(env, tenant, platform, id, { task_id: "t1", result: { ok: true } }, waitUntil);
 */
export async function resumeExecution(
  env: Env,
  tenant: Tenant,
  platform: Platform,
  id: string,
  body: { task_id?: string; result?: unknown; recovery?: boolean; version?: "current" | "original" },
  waitUntil: (p: Promise<unknown>) => void,
): Promise<ExecutionResponse> {
  const rec = await loadExecution(env, tenant, id);
  if (!rec) throw new ApiError(404, "EXECUTION_NOT_FOUND", `No execution "${id}"`, { id });
  const status = effectiveStatus(rec.status, rec.updated_at);
  if (status === "succeeded") {
    throw new ApiError(409, "EXECUTION_SUCCEEDED", `Execution "${id}" already succeeded: nothing to resume`, { id });
  }
  if (status === "running") {
    throw new ApiError(409, "EXECUTION_RUNNING", `Execution "${id}" is still running`, { id });
  }
  const previous: Record<string, NodeRecord> = { ...rec.nodes, ...(await loadNodeContexts(env, id)) };
  if (body.task_id !== undefined) {
    const entry = Object.entries(previous).find(
      ([, n]) => n.status === "pending" && n.pending?.task_id === body.task_id,
    );
    if (!entry) {
      throw new ApiError(404, "TASK_NOT_FOUND", `Execution "${id}" waits for no task "${body.task_id}"`, {
        id,
        task_id: body.task_id,
      });
    }
    const [nodeId, node] = entry;
    previous[nodeId] = { ...node, status: "succeeded", data: body.result ?? null, pending: undefined };
  } else if (status === "waiting") {
    throw new ApiError(400, "TASK_ID_REQUIRED", `Execution "${id}" is waiting: send { task_id, result }`, {
      field: "task_id",
      waiting_for: Object.values(previous)
        .filter((n) => n.status === "pending")
        .map((n) => n.pending?.task_id),
    });
  }
  // `version: "current"` continues on the deployed fix when it still fits the kept results (src/rerun).
  const loaded = await resumePlan(env, tenant, platform, rec, previous, body.version);
  if (!loaded) {
    throw new ApiError(409, "WORKFLOW_VERSION_GONE", `Workflow "${rec.workflow}" v${rec.version} was deleted`, {
      workflow: rec.workflow,
      version: rec.version,
    });
  }
  const writtenAt = Date.parse(rec.updated_at) || 0;
  rec.version = loaded.workflow.version;
  rec.status = "running";
  rec.resumes = (rec.resumes ?? 0) + 1;
  if (body.recovery) rec.recoveries = (rec.recoveries ?? 0) + 1;
  rec.updated_at = new Date().toISOString();
  rec.finished_at = undefined;
  rec.error = undefined;
  const recorder = new Recorder(env, tenant, rec, waitUntil, writtenAt);
  return execute(env, tenant, platform, loaded.plan, rec, recorder, undefined, previous, waitUntil);
}

async function execute(
  env: Env,
  tenant: Tenant,
  platform: Platform,
  plan: Plan,
  rec: ExecutionRecord,
  recorder: Recorder,
  meta: TriggerMetaSource | undefined,
  previous: Record<string, NodeRecord> | undefined,
  waitUntil: (p: Promise<unknown>) => void,
): Promise<ExecutionResponse> {
  const started = performance.now();
  recorder.start();
  try {
    const result = await runPlan(plan, platform, {
      env,
      tenant,
      executionId: rec.id,
      input: rec.input,
      meta,
      previous,
      waitUntil,
      onNode: (id, node) => recorder.nodeSettled(id, node),
      onProgress: (id, progress) => recorder.nodeProgress(id, progress),
    });
    const duration = Math.round((performance.now() - started) * 1000) / 1000;
    rec.status = result.status;
    rec.nodes = result.nodes;
    rec.output = result.output;
    rec.error = result.error;
    rec.updated_at = isoNow();
    if (result.status !== "waiting") rec.finished_at = rec.updated_at;
    rec.duration_ms = Date.parse(rec.updated_at) - Date.parse(rec.started_at);
    const pending = Object.values(result.nodes).filter((n) => n.status === "pending");
    const finish = recorder.finish(pending, plan.history === "failed" && result.status === "succeeded");
    // Durable before the answer: a caller told "succeeded" finds the record even if the process dies next.
    // Concurrent executions' writes share one commit in the store (serve's KV group-commits per 2 ms).
    if (finish) {
      await finish.catch((err) => {
        console.error("execution record write failed", err instanceof Error ? err.message : err);
        throw new ApiError(503, "RECORD_NOT_STORED", `Execution "${rec.id}" ran but its record could not be stored`, {
          execution_id: rec.id,
          status: rec.status,
        });
      });
    }
    // After the record is stored: a timer due at once must find the execution `waiting`.
    if (pending.length > 0) {
      const wake = (body: { task_id: string; result: unknown }) =>
        resumeExecution(env, tenant, platform, rec.id, body, waitUntil);
      armTimers(env, tenant, rec, wake, waitUntil);
    }
    return response(rec, duration);
  } finally {
    recorder.stop();
  }
}

function response(rec: ExecutionRecord, duration: number): ExecutionResponse {
  return {
    execution_id: rec.id,
    workflow: rec.workflow,
    status: rec.status,
    output: rec.output ?? null,
    nodes: rec.nodes,
    ...(rec.error ? { error: rec.error } : {}),
    kv_writes: rec.kv_writes,
    duration_ms: duration,
  };
}

/**
 * Decides what to write and when. Writes are counted in `rec.kv_writes` before they are made, so
 * the response can report them although the final write happens after it.
 */
class Recorder {
  private readonly t0 = Date.now();
  private long = false;
  private leased = false;
  private lastBeat = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly inflight: Promise<unknown>[] = [];
  private readonly settled = new Map<string, NodeRecord>();
  /** Per `ctx:` key: when it was last written, the chain of its writes, when progress was last taken. */
  private readonly contextAt = new Map<string, number>();
  private readonly contextWrites = new Map<string, Promise<unknown>>();
  private readonly progressAt = new Map<string, number>();

  constructor(
    readonly env: Env,
    readonly tenant: Tenant,
    readonly rec: ExecutionRecord,
    readonly waitUntil: (p: Promise<unknown>) => void,
    /** When this record key was last written (a resumed execution's earlier record). */
    private lastRecordWrite = 0,
  ) {}

  start(): void {
    // Short executions (the common case) never get past this one timer.
    this.timer = setTimeout(() => {
      this.tick();
      this.timer = setInterval(() => this.tick(), 250);
    }, LONG_MS);
  }

  stop(): void {
    // One call clears either kind: timeouts and intervals share one id space (HTML timers, as in workerd).
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  nodeSettled(id: string, node: NodeRecord): void {
    this.settled.set(id, node);
    if (this.long && !node.reused) this.writeContext(id, node);
    this.tick();
  }

  /**
   * A FOREACH element finished: in a long execution, its node's progress (finished elements) is
   * checkpointed at most once a second, so a crash repeats at most the elements of the last second.
   */
  nodeProgress(id: string, progress: () => NodeRecord): void {
    if (!this.long) return;
    const now = Date.now();
    if (now - (this.progressAt.get(id) ?? 0) < SAME_KEY_GAP_MS) return;
    this.progressAt.set(id, now);
    this.writeContext(id, progress());
  }

  /** One `ctx:` write, after the previous write of the same key and at least a second later (KV's rule). */
  private writeContext(id: string, node: NodeRecord): void {
    this.rec.kv_writes++;
    const write = (this.contextWrites.get(id) ?? Promise.resolve()).then(async () => {
      const gap = (this.contextAt.get(id) ?? 0) + SAME_KEY_GAP_MS - Date.now();
      if (gap > 0) await new Promise((r) => setTimeout(r, gap));
      this.contextAt.set(id, Date.now());
      await saveNodeContext(this.env, this.rec.id, id, node);
    });
    this.contextWrites.set(
      id,
      write.catch(() => undefined),
    );
    this.track(write);
  }

  /** Indexes the execution's lease once (one write): a crash then leads to an automatic resume. */
  lease(): Promise<void> {
    this.leased = true;
    this.rec.kv_writes++;
    return takeLease(this.env, this.tenant.keyHash, this.rec.id);
  }

  /** Writes the record as it is now (one write). */
  writeRecord(): Promise<void> {
    this.lastRecordWrite = Date.now();
    this.lastBeat = this.lastRecordWrite;
    return this.countWrite(() => saveExecution(this.env, this.tenant, this.rec));
  }

  /**
   * The final write(s): the record, and the due-time index of a parked node. Counted at once.
   * `skippable` (a success of a `history: failed` workflow) writes nothing (undefined), unless a record of this
   * execution was already written (async start, heartbeat, resume): that one must not stay stale.
   */
  finish(pending: NodeRecord[], skippable = false): Promise<void> | undefined {
    recordExecution(this.rec);
    if (skippable && this.lastRecordWrite === 0 && !this.long && this.inflight.length === 0) return undefined;
    const dues = pending
      .map((n) => (n.pending?.resume_at ? Date.parse(n.pending.resume_at) : Number.NaN))
      .filter((d) => Number.isFinite(d));
    this.rec.kv_writes += dues.length + 1;
    // The common case (short, nothing parked, nothing written before): just the record.
    if (this.inflight.length === 0 && dues.length === 0) return this.finalRecord();
    return (async () => {
      // Heartbeats still in flight must land before the final record, which must win.
      await Promise.allSettled(this.inflight);
      await Promise.all([
        ...dues.map((due) => saveWait(this.env, due, this.tenant.keyHash, this.rec.id)),
        this.finalRecord(),
      ]);
    })();
  }

  /**
   * KV takes one write per second per key: a record written moments ago (a heartbeat, the running record
   * of an async start) is followed no sooner than that, and a refused write is tried again.
   */
  private async finalRecord(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const gap = this.lastRecordWrite + SAME_KEY_GAP_MS - Date.now();
      if (gap > 0) await new Promise((r) => setTimeout(r, gap));
      this.lastRecordWrite = Date.now();
      try {
        return await saveExecution(this.env, this.tenant, this.rec);
      } catch (err) {
        if (attempt >= 3) throw err;
      }
    }
  }

  private tick(): void {
    const now = Date.now();
    if (!this.long && now - this.t0 >= LONG_MS) {
      this.long = true;
      if (!this.leased) this.track(this.lease());
      for (const [id, node] of this.settled) {
        if (!node.reused) this.writeContext(id, node);
      }
    }
    if (this.long && now - this.lastBeat >= HEARTBEAT_MS) {
      this.lastBeat = now;
      this.rec.updated_at = new Date(now).toISOString();
      this.rec.nodes = Object.fromEntries(this.settled);
      this.track(this.writeRecord());
    }
  }

  private track(p: Promise<unknown>): void {
    const guarded = p.catch((err) =>
      log(
        "error",
        "checkpoint_write_failed",
        { execution_id: this.rec.id, tenant: tenantTag(this.tenant.keyHash) },
        { error: err instanceof Error ? err.message : String(err) },
      ),
    );
    this.inflight.push(guarded);
    this.waitUntil(guarded);
  }

  private countWrite(write: () => Promise<void>): Promise<void> {
    this.rec.kv_writes++;
    return write();
  }
}
