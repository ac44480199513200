/**
 * The calls that run a step's own code (evaluating it, calling the prelude's functions on its values,
 * draining its promise jobs), made through the interpreter's suspendable exports (sandbox.ts) instead of
 * quickjs-emscripten's synchronous ones, and the few raw reads the host makes on their results.
 *
 * They use QuickJS values as raw `JSValue*` pointers, not library handles, and free nothing a step
 * allocates: the memory restore after the step (snapshot.ts) undoes every allocation at once, and an
 * instance that is not restored is dropped whole. The exports are quickjs-emscripten 0.32's (pinned).
 */
import type { Interpreter } from "./sandbox";

/** The value, or the thrown value, of a step's code, as `JSValue*` pointers. */
export type SlicedResult = { value: number; error?: undefined } | { error: number; value?: undefined };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

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

/** Writes `text` as a NUL-terminated UTF-8 string into the instance's heap. */
function heapString(interp: Interpreter, text: string): { ptr: number; length: number } {
  const em = interp.em;
  // Small sources are encoded straight into a worst-case buffer; large ones once, then copied.
  if (text.length < 16384) {
    const ptr = em._malloc!(text.length * 3 + 1);
    if (!ptr) throw new Error("the interpreter is out of memory");
    const { written } = encoder.encodeInto(text, em.HEAPU8.subarray(ptr, ptr + text.length * 3));
    em.HEAPU8[ptr + written] = 0;
    return { ptr, length: written };
  }
  const bytes = encoder.encode(text);
  const ptr = em._malloc!(bytes.length + 1);
  if (!ptr) throw new Error("the interpreter is out of memory");
  em.HEAPU8.set(bytes, ptr);
  em.HEAPU8[ptr + bytes.length] = 0;
  return { ptr, length: bytes.length };
}

function settle(interp: Interpreter, resultPtr: number): SlicedResult {
  const errorPtr = interp.em._QTS_ResolveException!(interp.ctxPtr, resultPtr);
  return errorPtr ? { error: errorPtr } : { value: resultPtr };
}

/**
 * Evaluates `code` as a global script named `name` (a C string made before the snapshot); the step may
 * suspend inside (see sandbox.ts).
 *
 * @example
 * const r = await evalSliced(interp, "1 + 1", interp.names.code); // r.value: a JSValue* to 2
 */
export async function evalSliced(interp: Interpreter, code: string, name: number): Promise<SlicedResult> {
  const source = heapString(interp, code);
  const resultPtr = await suspendable(interp, () =>
    interp.evalRaw(interp.ctxPtr, source.ptr, source.length, name, 0, 0),
  );
  return settle(interp, resultPtr);
}

/**
 * Calls `fn` (a JSValue* made before the snapshot) with one argument, `this` undefined; suspendable.
 *
 * @example
 * const r = await callSliced(interp, interp.fns.json, value);
 */
export async function callSliced(interp: Interpreter, fn: number, arg: number): Promise<SlicedResult> {
  const em = interp.em;
  const argv = em._malloc!(4);
  if (!argv) throw new Error("the interpreter is out of memory");
  new Int32Array(em.HEAPU8.buffer, argv, 1)[0] = arg;
  const undef = interp.vm.undefined.value;
  const resultPtr = await suspendable(interp, () => interp.callRaw(interp.ctxPtr, fn, undef, 1, argv));
  return settle(interp, resultPtr);
}

/**
 * Runs every pending promise job of the runtime (the step's only context). Returns the error a job
 * threw (a JSValue*), if any.
 *
 * @example
 * const err = await drainJobsSliced(interp);
 */
export async function drainJobsSliced(interp: Interpreter): Promise<number | undefined> {
  const em = interp.em;
  const ctxOut = em._malloc!(4);
  if (!ctxOut) throw new Error("the interpreter is out of memory");
  new Int32Array(em.HEAPU8.buffer, ctxOut, 1)[0] = 0;
  const valuePtr = await suspendable(interp, () => interp.executePendingJobRaw(interp.rtPtr, -1, ctxOut));
  if (!new Int32Array(em.HEAPU8.buffer, ctxOut, 1)[0]) return undefined;
  return typeOf(interp, valuePtr) === "number" ? undefined : valuePtr;
}

/**
 * `typeof` of a value, read without running any of the step's code.
 *
 * @example
 * if (typeOf(interp, r.value) === "string") ...
 */
export function typeOf(interp: Interpreter, value: number): string {
  const em = interp.em;
  const p = em._QTS_Typeof!(interp.ctxPtr, value);
  const heap = em.HEAPU8;
  const type = decoder.decode(heap.subarray(p, heap.indexOf(0, p)));
  em._free!(p);
  return type;
}

/**
 * A string value's text and UTF-8 length. Only for values {@link typeOf} says are strings (anything
 * else would be converted by running its own `toString`, outside the slicing).
 *
 * @example
 * const { text, bytes } = readString(interp, r.value);
 */
export function readString(interp: Interpreter, value: number): { text: string; bytes: number } {
  const em = interp.em;
  const p = em._QTS_GetString!(interp.ctxPtr, value);
  const heap = em.HEAPU8;
  const end = heap.indexOf(0, p);
  return { text: decoder.decode(heap.subarray(p, end)), bytes: end - p };
}
