/**
 * The `code` component: runs a user's JavaScript function body in QuickJS (WASM), with no host
 * access at all (no fetch, no KV, no credentials), and limits on time, memory, stack, code and output.
 *
 * Contract: `code` is a function body that reads `input` and returns the node's data (a promise is
 * awaited); `input` is its argument (the rest of the config when absent). `console.log` goes to the logs.
 *
 * @example
 * // config: { component: code, code: "return input.n * 2", input: { n: "{{ input.n }}" } }
 * await codeComponent.run({ code: "return input.n * 2", input: { n: 21 } }, ctx); // data: 42
 */
import type { QuickJSContext, QuickJSHandle } from "quickjs-emscripten-core";
import manifest from "../../../../registry/components/code/component.json";
import type { CallContext, ComponentManifest, ComponentOutcome } from "../types";
import { type Interpreter, releaseInterpreter, takeInterpreter } from "./sandbox";
import { drainJobsSliced, evalSliced } from "./sliced";

/** The original arcrun's defaults, kept as the ceilings a node may lower (or raise up to the max). */
export const CODE_DEFAULTS = {
  timeout_ms: 1_000,
  max_timeout_ms: 30_000,
  memory_bytes: 16 * 1024 * 1024,
  /**
   * The original's 512 KiB overflows the host's own stack first (a RangeError outside QuickJS, measured
   * on Node 20 and workerd): at 256 KiB QuickJS reports its clean "stack overflow" every time.
   */
  stack_bytes: 256 * 1024,
  max_output_bytes: 1024 * 1024,
  max_code_bytes: 256 * 1024,
  max_log_bytes: 16 * 1024,
} as const;

/**
 * QuickJS calls the interrupt handler every 1,000 polls (the build lowers its 10,000: registry/scripts/
 * build.mjs). Cloudflare freezes `Date.now()` during execution, so the deadline is also counted in these
 * calls (fuel): this many per millisecond of budget, calibrated on a 2-core x86 machine where one call
 * ≈ 2 µs of tight-loop work.
 */
const INTERRUPTS_PER_MS = 500;

/**
 * A step yields the event loop after this long (where the clock advances during execution: workerd
 * under `acr dev`/`acr serve`) or this much work (where it does not), so a runaway step delays the
 * isolate's other requests by a slice, not by its whole budget (docs/adr/0004).
 */
const SLICE_MS = 2;
const SLICE_INTERRUPTS = 1_000;

/** Host-side work for the step is charged too: one interrupt per this many bytes of log line. */
const LOG_BYTES_PER_INTERRUPT = 1024;

type ErrorCode =
  | "CODE_CONTRACT_ERROR"
  | "CODE_RESOURCE_LIMIT"
  | "CODE_TIMEOUT"
  | "CODE_USER_ERROR"
  | "CODE_SANDBOX_ERROR";

class CodeError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

const encoder = new TextEncoder();

/**
 * Wraps the body so it runs in strict mode as a function of `input`. A user's `throw null` becomes an
 * Error inside the sandbox, so a null error reaching the host can only mean the interpreter ran out of memory.
 */
function program(body: string): string {
  return `"use strict";
(function (input) { try { return (function (input) {
${body}
})(input); } catch (e) { if (e === null || e === undefined) throw new Error("The code threw " + e); throw e; } })(JSON.parse(globalThis.__arcrun_input))`;
}

/** The user's first line is line 3 of the program: report positions in the user's lines. */
function userPosition(stack: string | undefined): { line: number; column: number } | undefined {
  const m = stack?.match(/code\.js:(\d+)(?::(\d+))?/);
  if (!m) return undefined;
  return { line: Math.max(1, Number(m[1]) - 2), column: Number(m[2] ?? 0) };
}

/**
 * Reads a thrown value's name, message and stack inside the sandbox: a thrown object's getters are the
 * step's own code, so this runs sliced and interruptible like the rest of it.
 */
const DESCRIBE_ERROR = `(() => {
  const e = globalThis.__arcrun_error;
  const s = (v) => (v === undefined ? undefined : String(v));
  if (e === null || typeof e !== "object") return JSON.stringify({ message: s(e) });
  return JSON.stringify({ name: s(e.name), message: s(e.message), stack: s(e.stack) });
})()`;

async function describeError(
  interp: Interpreter,
  vm: QuickJSContext,
  handle: QuickJSHandle,
  interrupted: () => boolean,
): Promise<CodeError> {
  if (interrupted()) return new CodeError("CODE_TIMEOUT", "The code ran past its time limit (timeout_ms)");
  if (isNull(vm, handle)) {
    return new CodeError("CODE_RESOURCE_LIMIT", "The code used more memory than its limit");
  }
  vm.defineProp(vm.global, "__arcrun_error", { value: handle, configurable: true });
  const read = await evalSliced(interp, vm, DESCRIBE_ERROR, "error.js");
  if (read.error) {
    read.error.dispose();
    if (interrupted()) return new CodeError("CODE_TIMEOUT", "The code ran past its time limit (timeout_ms)");
    return new CodeError("CODE_USER_ERROR", "Error: the code threw a value that cannot be described");
  }
  const err = JSON.parse(vm.getString(read.value)) as { name?: string; message?: string; stack?: string };
  read.value.dispose();
  const name = err.name ?? "Error";
  const message = err.message ?? "";
  if (/interrupted/i.test(message)) {
    return new CodeError("CODE_TIMEOUT", "The code ran past its time limit (timeout_ms)");
  }
  if (/out of memory/i.test(message)) {
    return new CodeError("CODE_RESOURCE_LIMIT", "The code used more memory than its limit");
  }
  if (/stack overflow/i.test(message) || /too much recursion/i.test(message)) {
    return new CodeError("CODE_RESOURCE_LIMIT", "The code overflowed its stack (runaway recursion?)");
  }
  const pos = userPosition(err.stack);
  return new CodeError("CODE_USER_ERROR", `${name}: ${message}`, { name, ...(pos ? { position: pos } : {}) });
}

/** The interpreter throws `null` only when it ran out of memory (a user's `throw null` is wrapped). */
function isNull(vm: QuickJSContext, handle: QuickJSHandle): boolean {
  return vm.sameValue(handle, vm.null);
}

function limitsOf(ctx: CallContext) {
  const l = ctx.limits ?? {};
  const timeoutMs = Math.min(Math.max(1, l.timeout_ms ?? CODE_DEFAULTS.timeout_ms), CODE_DEFAULTS.max_timeout_ms);
  const maxOutput = Math.min(l.max_output_bytes ?? CODE_DEFAULTS.max_output_bytes, CODE_DEFAULTS.max_output_bytes * 8);
  const memory = l.max_memory_pages ? l.max_memory_pages * 65536 : CODE_DEFAULTS.memory_bytes;
  return { timeoutMs, maxOutput, memory: Math.min(memory, 64 * 1024 * 1024) };
}

function splitInput(input: unknown): { code: string; arg: unknown } {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new CodeError("CODE_CONTRACT_ERROR", "The code component takes an object with a `code` field");
  }
  const { code, input: arg, ...rest } = input as Record<string, unknown>;
  if (typeof code !== "string" || code.trim() === "") {
    throw new CodeError(
      "CODE_CONTRACT_ERROR",
      "Field `code` must be a non-empty string: a function body reading `input`",
    );
  }
  if (encoder.encode(code).length > CODE_DEFAULTS.max_code_bytes) {
    throw new CodeError(
      "CODE_CONTRACT_ERROR",
      `Field \`code\` is larger than ${CODE_DEFAULTS.max_code_bytes / 1024} KiB`,
    );
  }
  return { code, arg: arg === undefined ? rest : arg };
}

async function runCode(input: unknown, ctx: CallContext, logs: string[], interp: Interpreter): Promise<unknown> {
  const { code, arg } = splitInput(input);
  const limits = limitsOf(ctx);
  // The instance's runtime and context, as snapshotted (sandbox.ts): the step leaves nothing in them.
  const { rt, vm } = interp;
  rt.setMemoryLimit(limits.memory);
  rt.setMaxStackSize(CODE_DEFAULTS.stack_bytes);
  const started = Date.now();
  const budget = limits.timeoutMs * INTERRUPTS_PER_MS;
  // Work done so far, in interrupts: interpreter steps plus what the host did for the step (log lines).
  let work = 0;
  let lastPause = 0;
  let interrupted = false;
  const onInterrupt = () => {
    work++;
    interrupted = work > budget || Date.now() - started > limits.timeoutMs;
    return interrupted;
  };
  interp.arm = () => rt.setInterruptHandler(onInterrupt);
  interp.disarm = () => rt.removeInterruptHandler();
  let sliceStart = performance.now();
  interp.pause = () => {
    if (work - lastPause < SLICE_INTERRUPTS && performance.now() - sliceStart < SLICE_MS) return undefined;
    lastPause = work;
    // A 1 ms timer, not 0: workerd runs ready timers before it polls for new requests.
    return new Promise((resolve) =>
      setTimeout(() => {
        sliceStart = performance.now();
        resolve(0);
      }, 1),
    );
  };
  try {
    let logBytes = 0;
    interp.log = (text) => {
      logBytes += text.length + 1;
      work += Math.ceil(text.length / LOG_BYTES_PER_INTERRUPT);
      if (logBytes <= CODE_DEFAULTS.max_log_bytes) logs.push(text);
      return logBytes >= CODE_DEFAULTS.max_log_bytes;
    };
    vm.setProp(vm.global, "__arcrun_input", vm.newString(JSON.stringify(arg ?? null)));

    const evaluated = await evalSliced(interp, vm, program(code), "code.js");
    if (evaluated.error) {
      const e = await describeError(interp, vm, evaluated.error, () => interrupted);
      evaluated.error.dispose();
      throw e;
    }
    let result = evaluated.value;
    if (vm.typeof(result) === "object" && vm.getPromiseState(result).type !== "fulfilled") {
      const failed = await drainJobsSliced(interp, rt, vm);
      if (failed) {
        result.dispose();
        const e = await describeError(interp, vm, failed, () => interrupted);
        failed.dispose();
        throw e;
      }
      const state = vm.getPromiseState(result);
      result.dispose();
      if (state.type === "pending") {
        throw new CodeError(
          "CODE_CONTRACT_ERROR",
          "The code returned a promise that never settled (no I/O exists here)",
        );
      }
      if (state.type === "rejected") {
        const e = await describeError(interp, vm, state.error, () => interrupted);
        state.error.dispose();
        throw e;
      }
      result = state.value;
    } else if (vm.typeof(result) === "object" && vm.getPromiseState(result).type === "fulfilled") {
      const state = vm.getPromiseState(result);
      if (state.type === "fulfilled" && !state.notAPromise) {
        result.dispose();
        result = state.value;
      }
    }
    // Serialize inside the sandbox (a toJSON may run the step's code) so only JSON crosses out.
    // defineProp, not setProp: a setter or proxy the code planted must not run outside the slicing.
    vm.defineProp(vm.global, "__arcrun_result", { value: result, configurable: true });
    result.dispose();
    const text = await evalSliced(interp, vm, "JSON.stringify(globalThis.__arcrun_result)", "result.js");
    if (text.error) {
      const e = await describeError(interp, vm, text.error, () => interrupted);
      text.error.dispose();
      throw new CodeError(
        e.code === "CODE_USER_ERROR" ? "CODE_CONTRACT_ERROR" : e.code,
        `The result is not JSON: ${e.message}`,
      );
    }
    const out = vm.typeof(text.value) === "string" ? vm.getString(text.value) : "null";
    text.value.dispose();
    if (encoder.encode(out).length > limits.maxOutput) {
      throw new CodeError(
        "CODE_RESOURCE_LIMIT",
        `The result is larger than ${limits.maxOutput} bytes (max_output_bytes)`,
      );
    }
    return JSON.parse(out);
  } finally {
    rt.removeInterruptHandler();
  }
}

/** The `code` component as the runtime sees it: a manifest and a run function. */
export const codeComponent = {
  manifest: manifest as ComponentManifest,
  async run(input: unknown, ctx: CallContext): Promise<ComponentOutcome> {
    const started = performance.now();
    const logs: string[] = [];
    const took = () => Math.round((performance.now() - started) * 1000);
    let interp: Interpreter | undefined;
    try {
      interp = await takeInterpreter().catch((err: Error) => {
        throw new CodeError("CODE_SANDBOX_ERROR", `The JavaScript sandbox could not start: ${err.message}`);
      });
      const data = await runCode(input, ctx, logs, interp);
      releaseInterpreter(interp, true);
      return { status: "succeeded", data, logs: logs.join("\n"), durationUs: took(), hostCalls: 0 };
    } catch (err) {
      // An exception from the interpreter itself (not the user's code) may leave its memory inconsistent:
      // that instance is dropped and the next call starts on another.
      if (interp) releaseInterpreter(interp, err instanceof CodeError && err.code !== "CODE_RESOURCE_LIMIT");
      const e =
        err instanceof CodeError
          ? err
          : /call stack/i.test((err as Error).message)
            ? new CodeError("CODE_RESOURCE_LIMIT", "The code overflowed its stack (runaway recursion?)")
            : new CodeError("CODE_SANDBOX_ERROR", `The JavaScript sandbox failed: ${(err as Error).message}`);
      return {
        status: "failed",
        error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) },
        logs: logs.join("\n"),
        durationUs: took(),
        hostCalls: 0,
      };
    }
  },
};
