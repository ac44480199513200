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
import manifest from "../../../../registry/components/code/component.json";
import type { CallContext, ComponentManifest, ComponentOutcome } from "../types";
import { DEFAULT_MEMORY_BYTES, type Interpreter, releaseInterpreter, STACK_BYTES, takeInterpreter } from "./sandbox";
import { callSliced, drainJobsSliced, evalSliced, readString, typeOf } from "./sliced";

/** The original arcrun's defaults, kept as the ceilings a node may lower (or raise up to the max). */
export const CODE_DEFAULTS = {
  timeout_ms: 1_000,
  max_timeout_ms: 30_000,
  memory_bytes: DEFAULT_MEMORY_BYTES,
  /** See sandbox.ts. */
  stack_bytes: STACK_BYTES,
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
 * The one script a step evaluates: the body as a strict-mode function of `input`, handed with the input's
 * JSON to the prelude's driver (sandbox.ts), which returns the result already serialized. The input
 * travels as a string literal after the body, so the user's first line stays line 3.
 */
function program(body: string, inputJson: string): string {
  return `"use strict";
__arcrun_step(function (input) {
${body}
}, ${JSON.stringify(inputJson)})`;
}

/** The user's first line is line 3 of the program: report positions in the user's lines. */
function userPosition(stack: string | undefined): { line: number; column: number } | undefined {
  const m = stack?.match(/code\.js:(\d+)(?::(\d+))?/);
  if (!m) return undefined;
  return { line: Math.max(1, Number(m[1]) - 2), column: Number(m[2] ?? 0) };
}

const TIMEOUT = () => new CodeError("CODE_TIMEOUT", "The code ran past its time limit (timeout_ms)");

/**
 * Reads a thrown value's name, message and stack inside the sandbox (the prelude's `describe`): a thrown
 * object's getters are the step's own code, so this runs sliced and interruptible like the rest of it.
 * The message of an error thrown while the result was serialized says so.
 */
async function describeError(interp: Interpreter, thrown: number, interrupted: () => boolean): Promise<CodeError> {
  if (interrupted()) return TIMEOUT();
  // The interpreter throws `null` only when it ran out of memory (a user's `throw null` is wrapped).
  if (interp.em._QTS_IsEqual!(interp.ctxPtr, thrown, interp.vm.null.value, 1)) {
    return new CodeError("CODE_RESOURCE_LIMIT", "The code used more memory than its limit");
  }
  const read = await callSliced(interp, interp.fns.describe, thrown);
  if (read.error !== undefined || typeOf(interp, read.value) !== "string") {
    if (interrupted()) return TIMEOUT();
    return new CodeError("CODE_USER_ERROR", "Error: the code threw a value that cannot be described");
  }
  let err: { result?: boolean; name?: string; message?: string; stack?: string };
  try {
    err = JSON.parse(readString(interp, read.value).text) ?? {};
  } catch {
    return new CodeError("CODE_USER_ERROR", "Error: the code threw a value that cannot be described");
  }
  const name = typeof err.name === "string" ? err.name : "Error";
  const message = typeof err.message === "string" ? err.message : "";
  if (/interrupted/i.test(message)) return TIMEOUT();
  if (/out of memory/i.test(message)) {
    return new CodeError("CODE_RESOURCE_LIMIT", "The code used more memory than its limit");
  }
  if (/stack overflow/i.test(message) || /too much recursion/i.test(message)) {
    return new CodeError("CODE_RESOURCE_LIMIT", "The code overflowed its stack (runaway recursion?)");
  }
  if (err.result === true) {
    return new CodeError("CODE_CONTRACT_ERROR", `The result is not JSON: ${name}: ${message}`);
  }
  const pos = userPosition(typeof err.stack === "string" ? err.stack : undefined);
  return new CodeError("CODE_USER_ERROR", `${name}: ${message}`, { name, ...(pos ? { position: pos } : {}) });
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
  // At most 3 UTF-8 bytes per UTF-16 unit: most bodies need no encoding to be measured.
  if (code.length * 3 > CODE_DEFAULTS.max_code_bytes && encoder.encode(code).length > CODE_DEFAULTS.max_code_bytes) {
    throw new CodeError(
      "CODE_CONTRACT_ERROR",
      `Field \`code\` is larger than ${CODE_DEFAULTS.max_code_bytes / 1024} KiB`,
    );
  }
  return { code, arg: arg === undefined ? rest : arg };
}

/** The line that ends a step's log once it is full (the engine's cut marker, docs/engine.md). */
export const LOG_CUT = `… (logs cut at ${CODE_DEFAULTS.max_log_bytes} characters)`;

async function runCode(input: unknown, ctx: CallContext, logs: string[], interp: Interpreter): Promise<unknown> {
  const { code, arg } = splitInput(input);
  const limits = limitsOf(ctx);
  // The instance's runtime and context, as snapshotted (sandbox.ts): the step leaves nothing in them.
  // The snapshot holds the default limits: only a node's own limit costs a call.
  const { rt } = interp;
  if (limits.memory !== DEFAULT_MEMORY_BYTES) rt.setMemoryLimit(limits.memory);
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
  const isInterrupted = () => interrupted;
  try {
    let logBytes = 0;
    interp.log = (text) => {
      work += Math.ceil(text.length / LOG_BYTES_PER_INTERRUPT);
      // Whole lines while they fit with room left for the cut marker; then what fits of the next, and it.
      const room = CODE_DEFAULTS.max_log_bytes - LOG_CUT.length - 1 - logBytes;
      if (text.length + 1 <= room) {
        logs.push(text);
        logBytes += text.length + 1;
        return false;
      }
      if (room > 1) logs.push(text.slice(0, room - 1));
      logs.push(LOG_CUT);
      logBytes = CODE_DEFAULTS.max_log_bytes;
      return true;
    };

    // One evaluation: the step's code, then its result serialized, inside the sandbox (sandbox.ts).
    const evaluated = await evalSliced(interp, program(code, JSON.stringify(arg ?? null)), interp.names.code);
    if (evaluated.error !== undefined) throw await describeError(interp, evaluated.error, isInterrupted);
    let text = evaluated.value;
    if (typeOf(interp, text) !== "string") text = await settlePromise(interp, text, isInterrupted);
    const out = readString(interp, text);
    if (out.bytes > limits.maxOutput) {
      throw new CodeError(
        "CODE_RESOURCE_LIMIT",
        `The result is larger than ${limits.maxOutput} bytes (max_output_bytes)`,
      );
    }
    try {
      return JSON.parse(out.text);
    } catch {
      // Only a body that closed the driver's call early can hand back something else.
      throw new CodeError("CODE_CONTRACT_ERROR", "The result is not JSON");
    }
  } finally {
    rt.removeInterruptHandler();
  }
}

/**
 * The driver handed back a promise (or, from a body that closed the driver's call early, anything but a
 * string): its jobs run, sliced, then its value is serialized by the prelude's `json`.
 */
async function settlePromise(interp: Interpreter, value: number, interrupted: () => boolean): Promise<number> {
  const em = interp.em;
  let result = value;
  if (em._QTS_PromiseState!(interp.ctxPtr, value) >= 0) {
    const failed = await drainJobsSliced(interp);
    if (failed !== undefined) throw await describeError(interp, failed, interrupted);
    const state = em._QTS_PromiseState!(interp.ctxPtr, value);
    if (state === 0) {
      throw new CodeError("CODE_CONTRACT_ERROR", "The code returned a promise that never settled (no I/O exists here)");
    }
    result = em._QTS_PromiseResult!(interp.ctxPtr, value);
    if (state === 2) throw await describeError(interp, result, interrupted);
  }
  const text = await callSliced(interp, interp.fns.json, result);
  if (text.error !== undefined) throw await describeError(interp, text.error, interrupted);
  if (typeOf(interp, text.value) !== "string") throw new CodeError("CODE_CONTRACT_ERROR", "The result is not JSON");
  return text.value;
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
