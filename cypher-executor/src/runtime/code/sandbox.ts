/**
 * The `code` component's interpreter: QuickJS compiled to WASM (quickjs-emscripten's release-sync
 * build, a vetted third-party WASM build and the one exception to the AssemblyScript/TinyGo rule).
 * The .wasm is bundled at deploy time as a `WebAssembly.Module`: Cloudflare forbids compiling from bytes.
 *
 * A step must not freeze the isolate it shares with every other request (docs/adr/0004): QuickJS's
 * interrupt handler is bridged through JSPI (`WebAssembly.Suspending`), so a long step suspends every
 * few milliseconds of work and lets the event loop answer others before it continues. A suspended
 * interpreter keeps its C stack in its own linear memory, so each running step holds one WASM
 * instance to itself: instances are pooled, never shared between steps that run at the same time.
 *
 * Each instance has one runtime and one context, set up once (the console, below); its memory is then
 * snapshotted, and after every step written back (snapshot.ts): the next step, of whatever tenant,
 * finds the context exactly as created, and creating one (~0.5-0.8 ms) is off the step's path.
 */
import variantBase from "@jitl/quickjs-wasmfile-release-sync";
import {
  newQuickJSWASMModuleFromVariant,
  newVariant,
  type QuickJSContext,
  type QuickJSRuntime,
  type QuickJSWASMModule,
} from "quickjs-emscripten-core";
// Copied there by the registry build (interpreterComponent in registry/scripts/build.mjs).
import wasmModule from "../../../../.component-builds/code/quickjs.wasm";
import { findBreak, type MemorySnapshot, restoreMemory, takeSnapshot } from "./snapshot";

type Jspi = {
  Suspending: new (f: (...args: number[]) => unknown) => unknown;
  promising: <F>(f: F) => (...args: number[]) => Promise<number>;
};
const jspi = WebAssembly as unknown as Partial<Jspi>;
/** True where the runtime has JSPI (workerd, Cloudflare, Node >= 24); elsewhere steps run unsliced. */
export const slicingAvailable = typeof jspi.Suspending === "function" && typeof jspi.promising === "function";

/** Raw exports the step driver calls through `WebAssembly.promising` so the interpreter may suspend. */
type RawCall = (...args: number[]) => Promise<number> | number;

/** The raw exports of one instance's emscripten module (quickjs-emscripten's `module`). */
export type RawModule = Record<string, (...a: number[]) => number> & { HEAPU8: Uint8Array };

/** One QuickJS WASM instance, held by one step at a time. */
export interface Interpreter {
  quickjs: QuickJSWASMModule;
  /** The module's raw exports and heap: a step's hot path calls these directly (no handle objects). */
  em: RawModule;
  /** `QTS_Eval(ctx, code, length, filename, detectModule, flags)`, suspendable. */
  evalRaw: RawCall;
  /** `QTS_ExecutePendingJob(rt, max, ctxOut)`, suspendable. */
  executePendingJobRaw: RawCall;
  /** `QTS_Call(ctx, fn, this, argc, argv)`, suspendable. */
  callRaw: RawCall;
  /**
   * Called at each QuickJS interrupt that does not stop the step; a promise suspends the step until it
   * settles. Set by the step that holds the instance; only consulted inside a suspendable call.
   */
  pause?: () => Promise<number> | undefined;
  /** True while a suspendable call runs (a suspension anywhere else would trap). */
  suspendable: boolean;
  /**
   * Turn the step's interrupt handler on and off. JSPI traps when the (suspending) interrupt import is
   * reached outside a suspendable call, so the handler is on only inside those: every call that can run
   * the step's own code goes through sliced.ts; the host's own calls (typeof, getString, ...) run none.
   */
  arm?: () => void;
  disarm?: () => void;
  memory: () => number;
  /** The instance's one runtime and context: reset to the snapshot after each step, never disposed. */
  rt: QuickJSRuntime;
  vm: QuickJSContext;
  /** `vm`'s and `rt`'s C pointers. */
  ctxPtr: number;
  rtPtr: number;
  /**
   * Made before the snapshot, so valid in every step: the file name errors report (a C string) and the
   * prelude's `json` and `describe` functions (JSValue pointers).
   */
  names: { code: number };
  fns: { json: number; describe: number };
  /** Where the running step's `console` lines go; returns true once its log is full. */
  log?: (line: string) => boolean;
  /** The instance's linear memory (tests scan it for what a step left). */
  wasmMemory: WebAssembly.Memory;
  /** Puts the memory back as snapshotted; false when it cannot (the instance is then dropped). */
  restore: () => boolean;
}

/** The limits a step gets unless its node sets others (set once, before the snapshot). */
export const DEFAULT_MEMORY_BYTES = 16 * 1024 * 1024;
/**
 * The original's 512 KiB overflows the host's own stack first (a RangeError outside QuickJS, measured
 * on Node 20 and workerd): at 256 KiB QuickJS reports its clean "stack overflow" every time.
 */
export const STACK_BYTES = 256 * 1024;

/**
 * Runs once per instance, before the snapshot. Defines `console` inside the sandbox: arguments are
 * formatted there (charged to the step like any other work of its own) and only the line crosses to the
 * host; once the log is full the calls format nothing, so a flood of `console.log(bigObject)` costs what
 * an empty call costs. Defines the step driver the host's program calls, `__arcrun_step(fn, inputJson)`:
 * it parses the input, runs the step's function and returns its result serialized (so a step is one
 * evaluation), or the promise it returned. `JSON`, `String`, `Promise` and friends are captured here: a
 * step that patches them changes its own calls, never how its input is read or its result written. The
 * driver's functions are non-writable, non-configurable and non-enumerable globals. `full` and `phase`
 * start afresh with every step (the snapshot).
 */
const PRELUDE = `(() => {
  const emit = globalThis.__arcrun_log;
  delete globalThis.__arcrun_log;
  const { parse, stringify } = JSON;
  const Str = String;
  const Err = Error;
  const P = Promise;
  const apply = Reflect.apply;
  const hasInstance = Function.prototype[Symbol.hasInstance];
  const define = Object.defineProperty;
  const str = (a) => { if (typeof a === "string") return a; try { const j = stringify(a); return j === undefined ? Str(a) : j; } catch (e) { return Str(a); } };
  let full = false;
  const log = (...args) => { if (!full) full = emit(Str(args.map(str).join(" "))); };
  globalThis.console = { log, info: log, warn: log, error: log, debug: log };
  let phase = 0;
  const json = (v) => { phase = 1; const s = stringify(v); phase = 0; return s === undefined ? "null" : s; };
  // \`throw undefined\` has no stack: the wrapper made here would point at the driver's line, not the user's.
  const nothing = (e) => { const w = new Err("The code threw " + e); define(w, "stack", { value: undefined }); return w; };
  const step = (fn, text) => {
    phase = 0;
    const input = parse(text);
    let r;
    try { r = fn(input); } catch (e) { if (e === null || e === undefined) throw nothing(e); throw e; }
    if (r !== null && typeof r === "object" && apply(hasInstance, P, [r])) return r;
    return json(r);
  };
  const describe = (e) => {
    const s = (v) => (v === undefined ? undefined : Str(v));
    const result = phase === 1;
    if (e === null || typeof e !== "object") return stringify({ result, message: s(e) });
    return stringify({ result, name: s(e.name), message: s(e.message), stack: s(e.stack) });
  };
  define(globalThis, "__arcrun_step", { value: step });
  define(globalThis, "__arcrun_json", { value: json });
  define(globalThis, "__arcrun_describe", { value: describe });
})()`;

/** Free instances kept; more concurrent steps create more, then drop them when done. */
export const MAX_FREE_INTERPRETERS = 4;

const free: Interpreter[] = [];
/** Counters for tests and benchmarks (per isolate). */
export const interpreterStats = { created: 0, reused: 0, dropped: 0, pauses: 0, restores: 0 };

async function createInterpreter(): Promise<Interpreter> {
  const interp = { suspendable: false } as Interpreter;
  let memory: WebAssembly.Memory | undefined;
  const variant = newVariant(variantBase, {
    emscriptenModule: {
      instantiateWasm(
        imports: Record<string, Record<string, unknown>>,
        onSuccess: (i: WebAssembly.Instance, m: WebAssembly.Module) => void,
      ) {
        for (const fns of Object.values(imports)) {
          for (const [name, fn] of Object.entries(fns)) {
            if (fn instanceof WebAssembly.Memory) memory = fn;
            // The glue's import that asks the runtime's interrupt handler (minified name, stable source).
            if (typeof fn === "function" && String(fn).includes("shouldInterrupt")) {
              fns[name] = bridgeInterrupt(interp, fn as (...a: number[]) => number);
            }
          }
        }
        // Synchronous: the module is precompiled.
        const instance = new WebAssembly.Instance(wasmModule, imports as WebAssembly.Imports);
        onSuccess(instance, wasmModule);
        return instance.exports;
      },
    } as never,
  });
  interp.quickjs = await newQuickJSWASMModuleFromVariant(variant);
  const em = (interp.quickjs as unknown as { module: RawModule }).module;
  interp.em = em;
  const wrap = (f: (...a: number[]) => number): RawCall => (slicingAvailable ? jspi.promising!(f) : f);
  interp.evalRaw = wrap(em._QTS_Eval!);
  interp.executePendingJobRaw = wrap(em._QTS_ExecutePendingJob!);
  interp.callRaw = wrap(em._QTS_Call!);
  interp.memory = () => memory?.buffer.byteLength ?? 0;
  if (!memory) throw new Error("the interpreter's memory was not found");
  setUp(interp);
  const snap: MemorySnapshot = takeSnapshot(memory);
  snap.breakAt = findBreak(memory, snap, em._malloc!, em._free!);
  restoreMemory(memory, snap);
  const mem = memory;
  interp.wasmMemory = mem;
  interp.restore = () => restoreMemory(mem, snap);
  interpreterStats.created++;
  return interp;
}

/**
 * The runtime and context every step of this instance runs in, with the prelude run, and every handle
 * and string the host reuses created now (one created by a step would point into memory the restore
 * rewrites).
 */
function setUp(interp: Interpreter): void {
  interp.rt = interp.quickjs.newRuntime();
  interp.rt.setMemoryLimit(DEFAULT_MEMORY_BYTES);
  interp.rt.setMaxStackSize(STACK_BYTES);
  const vm = interp.rt.newContext();
  interp.vm = vm;
  for (const h of [vm.undefined, vm.null, vm.true, vm.false, vm.global]) void h.alive;
  const emit = vm.newFunction("log", (line) => (interp.log?.(vm.getString(line)) ? vm.true : vm.false));
  vm.setProp(vm.global, "__arcrun_log", emit);
  emit.dispose();
  vm.unwrapResult(vm.evalCode(PRELUDE, "prelude.js")).dispose();
  const internals = vm as unknown as { ctx: { value: number }; rt: { value: number } };
  interp.ctxPtr = internals.ctx.value;
  interp.rtPtr = internals.rt.value;
  const cString = (text: string) => {
    const bytes = new TextEncoder().encode(`${text}\0`);
    const ptr = interp.em._malloc!(bytes.length);
    interp.em.HEAPU8.set(bytes, ptr);
    return ptr;
  };
  interp.names = { code: cString("code.js") };
  interp.fns = {
    json: vm.getProp(vm.global, "__arcrun_json").value,
    describe: vm.getProp(vm.global, "__arcrun_describe").value,
  };
}

function bridgeInterrupt(interp: Interpreter, ask: (...a: number[]) => number): unknown {
  const handler = (...args: number[]): number | Promise<number> => {
    const stop = ask(...args);
    if (stop || !interp.suspendable || !interp.pause) return stop;
    const paused = interp.pause();
    if (!paused) return stop;
    interpreterStats.pauses++;
    return paused;
  };
  return slicingAvailable ? new jspi.Suspending!(handler) : handler;
}

/**
 * An interpreter for one step: a free one (its earlier runtimes all disposed) or a new instance.
 *
 * @example
 * const interp = await takeInterpreter();
 * try { ... } finally { releaseInterpreter(interp, healthy) }
 */
export async function takeInterpreter(): Promise<Interpreter> {
  const found = free.pop();
  if (found) {
    interpreterStats.reused++;
    return found;
  }
  return createInterpreter();
}

/**
 * Gives the instance back. `healthy` is false after a failure inside the interpreter itself (out of
 * memory, a sandbox error): its memory may be inconsistent, so it is dropped.
 */
export function releaseInterpreter(interp: Interpreter, healthy: boolean): void {
  interp.pause = undefined;
  interp.arm = undefined;
  interp.disarm = undefined;
  interp.log = undefined;
  interp.suspendable = false;
  if (healthy && free.length < MAX_FREE_INTERPRETERS && interp.restore()) {
    interpreterStats.restores++;
    free.push(interp);
  } else interpreterStats.dropped++;
}
