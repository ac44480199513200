/**
 * The sandbox's contract: host function names and errors, limits, options and results. Both the
 * sandbox (wasi-shim.ts) and its WASI layer (wasi-preview1.ts) use these, so they live apart from both.
 */

/** The host functions a component may import from module `u6u` (besides `result_read`). */
export const HOST_FUNCTIONS = ["http_request", "kv_get", "kv_put", "crypto_decrypt", "crypto_sign_rs256"] as const;
export type HostFunctionName = (typeof HOST_FUNCTIONS)[number];

/** A refusal or failure a host function reports to the component (n < 0 in the ABI). */
export class HostError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** Fatal errors end the whole call with this code instead of being handed to the component. */
    readonly fatal = false,
  ) {
    super(message);
    this.name = "HostError";
  }
}

/** A host function: parsed JSON request in, JSON-serializable result out (or a thrown HostError). */
export type HostFunction = (request: unknown) => Promise<unknown> | unknown;

export interface SandboxLimits {
  /** Largest stdout in bytes. */
  maxOutputBytes: number;
  /** Largest linear memory in 64 KiB pages (checked after each host call and at the end). */
  maxMemoryPages: number;
  maxHostCalls: number;
  /** Loop iterations + function entries allowed (modules instrumented by the build only). */
  fuel: number;
  /** Absolute wall-clock deadline (ms since epoch) for host calls; see the ABI doc on CPU time. */
  deadline: number;
  /** Largest stderr kept, in bytes. */
  maxLogBytes: number;
}

export interface SandboxOptions {
  stdin: Uint8Array;
  host: Partial<Record<HostFunctionName, HostFunction>>;
  limits: SandboxLimits;
  /** Called with the instance's memory after the run (tests scan it for secrets). */
  inspectMemory?: (memory: Uint8Array) => void;
  /** Benchmarks only: force the JSPI bridge on or off (default: on iff the module imports a host function). */
  jspi?: boolean;
  /** Benchmarks only: `false` instantiates afresh and never pools (default: reuse restored instances). */
  reuse?: boolean;
}

/** What ended the run, when it did not end by itself. */
export type SandboxAbort =
  | "COMPONENT_TRAPPED"
  | "CPU_LIMIT_EXCEEDED"
  | "OUTPUT_TOO_LARGE"
  | "MEMORY_LIMIT"
  | "HOST_CALL_LIMIT"
  | "TIMEOUT";

export interface SandboxResult {
  exitCode: number;
  stdout: Uint8Array;
  stderr: string;
  hostCalls: number;
  /** Set when the runtime ended the call. */
  abort?: { code: SandboxAbort | string; message: string };
}
