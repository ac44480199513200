/**
 * The contract between the workflow format (parse → validate → compile) and the engine (run).
 * A `Plan` is what a workflow YAML compiles to; it is compiled once per stored version and cached,
 * so nothing on the hot path re-parses YAML, flow strings or template expressions.
 */

import type { ComponentLimits, ComponentManifest } from "../runtime/types";
import type { WebhookOptions } from "../triggers/options/index";
import type { SignatureSpec } from "../triggers/signatures/spec";

/** 1-based position in the YAML source; `flowColumn` is the column inside a flow string. */
export interface SourcePos {
  line: number;
  column: number;
  flowColumn?: number;
}

/** One validation error. All of them are reported at once. */
export interface Diagnostic {
  /** UPPER_SNAKE, e.g. `UNKNOWN_COMPONENT`, `UNKNOWN_EDGE_LABEL`, `CYCLE`, `UNREACHABLE_NODE`. */
  code: string;
  message: string;
  /** Dotted path in the document, e.g. `flow[3]` or `config.notify.retry.delay`. */
  path?: string;
  pos?: SourcePos;
}

/** Canonical edge kinds; every alias of the wild (`PIPE`, `完成後`, `for each`, …) maps to one. */
export type EdgeKind =
  | "ON_SUCCESS"
  | "ON_FAIL"
  | "ON_COMPLETE"
  | "IF"
  | "ELSE"
  | "ON_TRUE"
  | "ON_FALSE"
  | "ON_BRANCH"
  | "FOREACH"
  | "CALLS_SUBFLOW";

/** A compiled expression (from `{{ expr }}`); opaque to the engine, evaluated by the template module. */
export interface CompiledExpr {
  source: string;
  /** Opaque parsed tree. */
  ast: unknown;
}

/**
 * A config value with its templates compiled. A string that is exactly one template keeps the JSON
 * type of its value (`expr`); a string with text around templates is interpolated (`interp`).
 */
export type CompiledValue =
  | { kind: "literal"; value: unknown }
  | { kind: "expr"; expr: CompiledExpr }
  | { kind: "interp"; parts: Array<string | CompiledExpr> }
  | { kind: "object"; entries: Array<[string, CompiledValue]> }
  | { kind: "array"; items: CompiledValue[] };

export interface Edge {
  from: string;
  to: string;
  kind: EdgeKind;
  /** IF: the condition. */
  condition?: CompiledExpr;
  /** ON_BRANCH(x): the branch name. */
  branch?: string;
  /** FOREACH X: the key of `from.data` to iterate (singular as written; the plural key is tried too). */
  over?: string;
  pos?: SourcePos;
}

export interface RetryPolicy {
  /** Extra attempts after the first. */
  max: number;
  backoff: "fixed" | "exponential";
  delayMs: number;
}

export interface Step {
  id: string;
  /** `input` for the trigger node; otherwise a component name or `rec_xxxxxxxx` recipe id. */
  component: string;
  role: "trigger" | "output" | "step";
  /** The config minus the reserved keys (`component`, `retry`, `limits`), templates compiled. */
  input: CompiledValue;
  retry?: RetryPolicy;
  limits?: ComponentLimits;
  /** CALLS_SUBFLOW targets: the workflow to run (component is then `subflow`). */
  subflow?: string;
  pos?: SourcePos;
}

export interface TriggerSpec {
  webhook?: { auth: "api_key" | "hmac" | "none"; secret?: string; signature?: SignatureSpec } & WebhookOptions;
  cron?: string;
  /** The `Idempotency-Key` of a run or trigger without that header, from the request (docs/engine.md). */
  idempotency_key?: string;
  /** `idempotency_key`, compiled (reads `input` and `trigger` only). */
  idempotencyKey?: CompiledValue;
}

export interface Plan {
  name: string;
  description?: string;
  trigger: TriggerSpec;
  /** Every node including `input`, by alias. */
  steps: Record<string, Step>;
  edges: Edge[];
  incoming: Record<string, Edge[]>;
  outgoing: Record<string, Edge[]>;
  /** A topological order of the steps (the graph is acyclic after validation). */
  order: string[];
  /** The node(s) whose data is the workflow output: the `output`/`result`/`end`/`done` node, or the terminal nodes. */
  outputs: string[];
  /** `failed`: a run that succeeds without having written anything keeps no record (absent = keep all). */
  history?: "failed";
}

/** What the validator needs to know about components (the runtime's manifests, plus recipes). */
export interface ComponentCatalog {
  manifest(name: string): ComponentManifest | undefined;
  /** True for API recipe ids / names that the platform can run as a component. */
  isRecipe?(name: string): boolean;
  /** All known names, for "did you mean" hints. */
  names?(): string[];
}

/** `warnings` (e.g. `NOT_UPSTREAM`) never block a workflow; they are shown by `/validate` and `acr validate`. */
export type CompileResult =
  | { ok: true; plan: Plan; warnings?: Diagnostic[] }
  | { ok: false; errors: Diagnostic[]; warnings?: Diagnostic[] };
