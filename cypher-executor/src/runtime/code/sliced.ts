/**
 * The two calls that run a step's own code (evaluating it, draining its promise jobs), made through the
 * interpreter's suspendable exports (sandbox.ts) instead of quickjs-emscripten's synchronous ones. They
 * mirror `QuickJSContext.evalCode` and `QuickJSRuntime.executePendingJobs` of quickjs-emscripten-core
 * 0.32 (pinned), whose internals they reach: the library has no asynchronous entry for a sync build.
 */
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from "quickjs-emscripten-core";
import type { Interpreter } from "./sandbox";

/** The value, or the thrown value, of a step's code. */
export type SlicedResult = { value: QuickJSHandle; error?: undefined } | { error: QuickJSHandle; value?: undefined };

interface Lifetime<T> {
  value: T;
  dispose(): void;
}
interface ContextInternals {
  ctx: Lifetime<number>;
  memory: {
    newHeapCharPointer(s: string): Lifetime<{ ptr: number; strlen: number }>;
    heapValueHandle(ptr: number): QuickJSHandle;
  };
  ffi: {
    QTS_ResolveException(ctx: number, ptr: number): number;
    QTS_FreeValuePointer(ctx: number, ptr: number): void;
    QTS_FreeValuePointerRuntime(rt: number, ptr: number): void;
  };
}
interface RuntimeInternals {
  rt: Lifetime<number>;
  memory: { newMutablePointerArray(n: number): Lifetime<{ typedArray: Int32Array; ptr: number }> };
}

async function suspendable<T>(interp: Interpreter, run: () => Promise<T> | T): Promise<T> {
  interp.suspendable = true;
  interp.arm?.();
  try {
    return await run();
  } finally {
    interp.disarm?.();
    interp.suspendable = false;
  }
}

/**
 * Evaluates `code` as a global script; the step may suspend inside (see sandbox.ts).
 *
 * @example
 * const r = await evalSliced(interp, vm, "1 + 1", "code.js"); // r.value: a handle to 2
 */
export async function evalSliced(
  interp: Interpreter,
  vm: QuickJSContext,
  code: string,
  filename: string,
): Promise<SlicedResult> {
  const c = vm as unknown as ContextInternals;
  const source = c.memory.newHeapCharPointer(code);
  const name = c.memory.newHeapCharPointer(filename);
  let resultPtr: number;
  try {
    resultPtr = await suspendable(interp, () =>
      interp.evalRaw(c.ctx.value, source.value.ptr, source.value.strlen, name.value.ptr, 0, 0),
    );
  } finally {
    source.dispose();
    name.dispose();
  }
  const errorPtr = c.ffi.QTS_ResolveException(c.ctx.value, resultPtr);
  if (errorPtr) {
    c.ffi.QTS_FreeValuePointer(c.ctx.value, resultPtr);
    return { error: c.memory.heapValueHandle(errorPtr) };
  }
  return { value: c.memory.heapValueHandle(resultPtr) };
}

/**
 * Runs every pending promise job of the runtime (the step's only context). Returns the error a job
 * threw, if any.
 *
 * @example
 * const err = await drainJobsSliced(interp, rt, vm);
 */
export async function drainJobsSliced(
  interp: Interpreter,
  rt: QuickJSRuntime,
  vm: QuickJSContext,
): Promise<QuickJSHandle | undefined> {
  const r = rt as unknown as RuntimeInternals;
  const c = vm as unknown as ContextInternals;
  const ctxOut = r.memory.newMutablePointerArray(1);
  try {
    const valuePtr = await suspendable(interp, () => interp.executePendingJobRaw(r.rt.value, -1, ctxOut.value.ptr));
    const ctxPtr = ctxOut.value.typedArray[0];
    if (!ctxPtr) {
      c.ffi.QTS_FreeValuePointerRuntime(r.rt.value, valuePtr);
      return undefined;
    }
    const handle = c.memory.heapValueHandle(valuePtr);
    if (vm.typeof(handle) === "number") {
      handle.dispose();
      return undefined;
    }
    return handle;
  } finally {
    ctxOut.dispose();
  }
}
