/**
 * The contract between the workflow engine and the component runtime.
 * The engine asks the runtime to run one component call; the runtime owns the sandbox
 * (lib/wasi-shim.ts), the host functions and the limits.
 */
import type { Tenant } from "../auth/api-keys";
import type { Env } from "../env";

/** Per-call limits, set per node (`limits:`) and clamped to the platform maxima. */
export interface ComponentLimits {
  /** Wall-clock deadline for the whole call, host calls included. */
  timeout_ms?: number;
  /** Largest stdout accepted; more is `OUTPUT_TOO_LARGE`. */
  max_output_bytes?: number;
  /** Largest linear memory, in 64 KiB pages. */
  max_memory_pages?: number;
  /** Most host-function calls (http_request, kv_get, …) in one call. */
  max_host_calls?: number;
  /** CPU budget for the component's own code (loop iterations / fuel units). */
  fuel?: number;
}

/** Who runs the component, and where it belongs: the host functions scope everything to `tenant`. */
export interface CallContext {
  env: Env;
  tenant: Tenant;
  executionId?: string;
  nodeId?: string;
  limits?: ComponentLimits;
  /** For work that may finish after the response (history writes). */
  waitUntil?: (p: Promise<unknown>) => void;
}

/** A component error: `code` is UPPER_SNAKE (see docs/component-abi.md for the runtime's own codes). */
export interface ComponentError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/** What one call produced. `logs` is the component's stderr, bounded. */
export type ComponentOutcome =
  | { status: "succeeded"; data: unknown; logs: string; durationUs: number; hostCalls: number }
  | {
      status: "pending";
      pending: { task_id: string; resume_at?: string; [k: string]: unknown };
      logs: string;
      durationUs: number;
      hostCalls: number;
    }
  | { status: "failed"; error: ComponentError; logs: string; durationUs: number; hostCalls: number };

/** The manifest of a component (`registry/components/{name}/component.json`). */
export interface ComponentManifest {
  name: string;
  version: string;
  description: string;
  input_schema: Record<string, unknown>;
  output_schema: Record<string, unknown>;
  /** Host functions it imports: `http_request`, `kv_get`, `kv_put`, `crypto_decrypt`, `crypto_sign_rs256`. */
  capabilities: string[];
  /** Hosts `http_request` may reach for this component (`*` = any public host). */
  allowed_hosts: string[];
  language?: "assemblyscript" | "go" | "tinygo" | "quickjs";
}

/** The runtime the engine uses. */
export interface ComponentRuntime {
  /** True when a built-in component of that name is bundled. */
  has(name: string): boolean;
  manifest(name: string): ComponentManifest | undefined;
  list(): ComponentManifest[];
  call(name: string, input: unknown, ctx: CallContext): Promise<ComponentOutcome>;
}
