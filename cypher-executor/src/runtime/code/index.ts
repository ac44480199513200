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
import { quickjs, resetQuickjs } from "./sandbox";

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
 * QuickJS calls the interrupt handler about every 10,000 bytecode steps. Cloudflare freezes `Date.now()`
 * during execution, so the deadline is also counted in these calls (fuel): this many per millisecond of
 * budget, calibrated on a 2-core x86 machine where one call ≈ 20 µs of tight-loop work.
 */
const INTERRUPTS_PER_MS = 50;

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

function describeError(ctx: QuickJSContext, handle: QuickJSHandle, interrupted: boolean): CodeError {
  const err = ctx.dump(handle) as { name?: string; message?: string; stack?: string } | string | null;
  if (err === null || err === undefined) {
    return new CodeError("CODE_RESOURCE_LIMIT", "The code used more memory than its limit");
  }
  const name = typeof err === "object" && err ? (err.name ?? "Error") : "Error";
  const message = typeof err === "object" && err ? String(err.message ?? err) : String(err);
  if (interrupted || /interrupted/i.test(message)) {
    return new CodeError("CODE_TIMEOUT", "The code ran past its time limit (timeout_ms)");
  }
  if (/out of memory/i.test(message)) {
    return new CodeError("CODE_RESOURCE_LIMIT", "The code used more memory than its limit");
  }
  if (/stack overflow/i.test(message) || /too much recursion/i.test(message)) {
    return new CodeError("CODE_RESOURCE_LIMIT", "The code overflowed its stack (runaway recursion?)");
  }
  const pos = typeof err === "object" ? userPosition(err.stack) : undefined;
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
  if (encoder.encode(code).length > CODE_DEFAULTS.max_code_bytes) {
    throw new CodeError(
      "CODE_CONTRACT_ERROR",
      `Field \`code\` is larger than ${CODE_DEFAULTS.max_code_bytes / 1024} KiB`,
    );
  }
  return { code, arg: arg === undefined ? rest : arg };
}

async function runCode(input: unknown, ctx: CallContext, logs: string[]): Promise<unknown> {
  const { code, arg } = splitInput(input);
  const limits = limitsOf(ctx);
  let QuickJS: Awaited<ReturnType<typeof quickjs>>;
  try {
    QuickJS = await quickjs();
  } catch (err) {
    throw new CodeError("CODE_SANDBOX_ERROR", `The JavaScript sandbox could not start: ${(err as Error).message}`);
  }
  const rt = QuickJS.newRuntime();
  rt.setMemoryLimit(limits.memory);
  rt.setMaxStackSize(CODE_DEFAULTS.stack_bytes);
  const started = Date.now();
  let interrupts = 0;
  let interrupted = false;
  rt.setInterruptHandler(() => {
    interrupts++;
    interrupted = interrupts > limits.timeoutMs * INTERRUPTS_PER_MS || Date.now() - started > limits.timeoutMs;
    return interrupted;
  });
  const vm = rt.newContext();
  try {
    let logBytes = 0;
    const log = vm.newFunction("log", (...args) => {
      const line = args
        .map((a) => (vm.typeof(a) === "string" ? vm.getString(a) : JSON.stringify(vm.dump(a))))
        .join(" ");
      logBytes += line.length + 1;
      if (logBytes <= CODE_DEFAULTS.max_log_bytes) logs.push(line);
    });
    const consoleObj = vm.newObject();
    for (const k of ["log", "info", "warn", "error", "debug"]) vm.setProp(consoleObj, k, log);
    vm.setProp(vm.global, "console", consoleObj);
    log.dispose();
    consoleObj.dispose();
    vm.setProp(vm.global, "__arcrun_input", vm.newString(JSON.stringify(arg ?? null)));

    const evaluated = vm.evalCode(program(code), "code.js");
    if (evaluated.error) {
      const e = describeError(vm, evaluated.error, interrupted);
      evaluated.error.dispose();
      throw e;
    }
    let result = evaluated.value;
    if (vm.typeof(result) === "object" && vm.getPromiseState(result).type !== "fulfilled") {
      rt.executePendingJobs();
      const state = vm.getPromiseState(result);
      result.dispose();
      if (state.type === "pending") {
        throw new CodeError(
          "CODE_CONTRACT_ERROR",
          "The code returned a promise that never settled (no I/O exists here)",
        );
      }
      if (state.type === "rejected") {
        const e = describeError(vm, state.error, interrupted);
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
    // Serialize inside the sandbox so only JSON crosses out, and check its size before parsing.
    const json = vm.getProp(vm.global, "JSON");
    const stringify = vm.getProp(json, "stringify");
    const text = vm.callFunction(stringify, json, result);
    json.dispose();
    stringify.dispose();
    result.dispose();
    if (text.error) {
      const e = describeError(vm, text.error, interrupted);
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
    vm.dispose();
    rt.dispose();
  }
}

/** The `code` component as the runtime sees it: a manifest and a run function. */
export const codeComponent = {
  manifest: manifest as ComponentManifest,
  async run(input: unknown, ctx: CallContext): Promise<ComponentOutcome> {
    const started = performance.now();
    const logs: string[] = [];
    const took = () => Math.round((performance.now() - started) * 1000);
    try {
      const data = await runCode(input, ctx, logs);
      return { status: "succeeded", data, logs: logs.join("\n"), durationUs: took(), hostCalls: 0 };
    } catch (err) {
      // An exception from the interpreter itself (not the user's code) may leave its memory inconsistent:
      // the next call starts on a fresh interpreter instance.
      if (!(err instanceof CodeError) || err.code === "CODE_RESOURCE_LIMIT") resetQuickjs();
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
