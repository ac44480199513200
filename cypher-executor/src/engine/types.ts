/**
 * The engine's vocabulary: what one execution records per node and as a whole, and the
 * dependencies it runs with (component runtime, template evaluation, recipe hook, subflows).
 */
import type { Tenant } from "../auth/api-keys";
import type { ForeachProgress } from "../durability/foreach";
import type { Env } from "../env";
import type { ComponentError, ComponentOutcome, ComponentRuntime } from "../runtime/types";
import type { CompiledExpr, CompiledValue, Plan, Step } from "../workflow/plan";

export type NodeStatus = "succeeded" | "failed" | "skipped" | "pending" | "running";

/** What one node did. `data`/`error` follow the `{ success, data, error }` result of the node. */
export interface NodeRecord {
  status: NodeStatus;
  data?: unknown;
  error?: ComponentError;
  /** Calls made, retries included (0 when the node was skipped or reused from an earlier run). */
  attempts: number;
  duration_ms: number;
  started_at?: string;
  /** The resolved input (credential placeholders stay placeholders: nothing here is secret). */
  input?: unknown;
  /** For a parked node: what the component asked to wait for. */
  pending?: { task_id: string; resume_at?: string; [k: string]: unknown };
  /** True when the result was taken from an earlier run of this execution (resume). */
  reused?: boolean;
  /** True when the failure is handled by an ON_FAIL / ON_COMPLETE edge. */
  handled?: boolean;
  /** A failed or unfinished FOREACH: the elements that finished (a resume calls only the others). */
  elements?: ForeachProgress;
  /** What the component logged (a `code` step's console.log, stderr), at most 16 KiB (engine/step-logs.ts). */
  logs?: string;
  /** Non-fatal findings of this run of the node, e.g. `UNRESOLVED_TEMPLATE` (docs/workflow-format.md). */
  warnings?: Array<{ code: string; message: string }>;
}

/** `running` → `succeeded` | `failed` | `waiting` (parked on a pending node). */
export type ExecutionStatus = "running" | "succeeded" | "failed" | "waiting";

/** The stored execution: summary and per-node detail in one KV value (one write per execution). */
export interface ExecutionRecord {
  id: string;
  workflow: string;
  version: number;
  status: ExecutionStatus;
  trigger: "api" | "webhook" | "query" | "cron" | "resume" | "subflow" | "rerun";
  started_at: string;
  updated_at: string;
  finished_at?: string;
  duration_ms?: number;
  input: unknown;
  output?: unknown;
  error?: ComponentError & { node?: string };
  nodes: Record<string, NodeRecord>;
  /** KV writes this execution has cost so far (history, checkpoints, indexes). */
  kv_writes: number;
  /** How many times the execution was resumed. */
  resumes?: number;
  /** How many of those resumes were automatic recoveries after a crash. */
  recoveries?: number;
  /** A re-run: the execution it re-ran, from where (`start`, `failed` or a node id), on which version. */
  rerun_of?: { execution_id: string; from: string; version: number };
}

/** Evaluates compiled templates; provided by the workflow format module. */
export interface Templates {
  /** `missing` collects the templates that resolved to nothing (they yield `null`). */
  resolveValue(value: CompiledValue, scope: Record<string, unknown>, missing?: string[]): unknown;
  evaluate(expr: CompiledExpr, scope: Record<string, unknown>): unknown;
  isTruthy(value: unknown): boolean;
  /** False when no template of the plan reads `trigger.headers/query/method/path` (absent: assume it does). */
  readsTriggerMeta?(plan: Plan): boolean;
}

/** Everything one call of a Step needs. */
export interface StepCall {
  step: Step;
  input: unknown;
  env: Env;
  tenant: Tenant;
  executionId: string;
  waitUntil?: (p: Promise<unknown>) => void;
}

/**
 * Runs a Step whose component is not a bundled component (e.g. an API recipe `rec_…`).
 * The recipes module registers one with {@link registerStepRunner}.
 */
export interface StepRunner {
  /** True when this runner handles the component name. */
  accepts(component: string): boolean;
  run(call: StepCall): Promise<ComponentOutcome>;
}

/** What the engine runs with. */
export interface EngineDeps {
  runtime: ComponentRuntime;
  templates: Templates;
  runners: StepRunner[];
  /** Loads another workflow of the same tenant (CALLS_SUBFLOW). */
  loadPlan(env: Env, tenant: Tenant, name: string): Promise<{ plan: Plan; version: number } | null>;
}

/** Request metadata the `trigger` node exposes. */
export interface TriggerMeta {
  headers: Record<string, string>;
  query: Record<string, string>;
  method: string;
  path: string;
}

/** The metadata, or a function that builds it when a template first reads `trigger` (see `lazyTriggerMeta`). */
export type TriggerMetaSource = TriggerMeta | (() => TriggerMeta);
