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

/** One QuickJS WASM instance, held by one step at a time. */
export interface Interpreter {
  quickjs: QuickJSWASMModule;
  /** `QTS_Eval(ctx, code, length, filename, detectModule, flags)`, suspendable. */
  evalRaw: RawCall;
  /** `QTS_ExecutePendingJob(rt, max, ctxOut)`, suspendable. */
  executePendingJobRaw: RawCall;
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
  /** Where the running step's `console` lines go; returns true once its log is full. */
  log?: (line: string) => boolean;
  /** The instance's linear memory (tests scan it for what a step left). */
  wasmMemory: WebAssembly.Memory;
  /** Puts the memory back as snapshotted; false when it cannot (the instance is then dropped). */
  restore: () => boolean;
}

/**
 * Defines `console` inside the sandbox: arguments are formatted there (charged to the step like any
 * other work of its own) and only the line crosses to the host; once the log is full the calls format
 * nothing, so a flood of `console.log(bigObject)` costs what an empty call costs. Part of the snapshot:
 * `full` starts false again for every step.
 */
const CONSOLE_PRELUDE = `(() => {
  const emit = globalThis.__arcrun_log;
  delete globalThis.__arcrun_log;
  const str = (a) => { if (typeof a === "string") return a; try { const j = JSON.stringify(a); return j === undefined ? String(a) : j; } catch (e) { return String(a); } };
  let full = false;
  const log = (...args) => { if (!full) full = emit(args.map(str).join(" ")); };
  globalThis.console = { log, info: log, warn: log, error: log, debug: log };
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
  const em = (interp.quickjs as unknown as { module: Record<string, (...a: number[]) => number> }).module;
  const wrap = (f: (...a: number[]) => number): RawCall => (slicingAvailable ? jspi.promising!(f) : f);
  interp.evalRaw = wrap(em._QTS_Eval!);
  interp.executePendingJobRaw = wrap(em._QTS_ExecutePendingJob!);
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
 * The runtime and context every step of this instance runs in, with `console` defined, and every handle
 * the host reuses created now (a handle created by a step would point into memory the restore rewrites).
 */
function setUp(interp: Interpreter): void {
  interp.rt = interp.quickjs.newRuntime();
  const vm = interp.rt.newContext();
  interp.vm = vm;
  for (const h of [vm.undefined, vm.null, vm.true, vm.false, vm.global]) void h.alive;
  const emit = vm.newFunction("log", (line) => (interp.log?.(vm.getString(line)) ? vm.true : vm.false));
  vm.setProp(vm.global, "__arcrun_log", emit);
  emit.dispose();
  vm.unwrapResult(vm.evalCode(CONSOLE_PRELUDE, "prelude.js")).dispose();
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
