/**
 * The sandbox every component runs in: WASI preview1 (command style) plus the `u6u` host imports,
 * over one fresh instance of a precompiled `WebAssembly.Module`. The ABI is docs/component-abi.md.
 *
 * This file (and lib/instance-pool.ts) depends on nothing but Web-standard APIs, so the generated component worker wrappers
 * (registry/template/) can bundle it without the executor's app code.
 */

import { recordHostCall } from "../observability/metrics";
import { afterHostCall, nextSlice, Reslice, startSlices } from "./cpu-slices";
import {
  adoptInstance,
  discardInstance,
  poolStats,
  type Reusable,
  releaseInstance,
  takeInstance,
} from "./instance-pool";
import {
  HOST_FUNCTIONS,
  HostError,
  type HostFunction,
  type SandboxLimits,
  type SandboxOptions,
  type SandboxResult,
} from "./sandbox-types";
import { Abort, type CallState, ERRNO_NOSYS, OutputBuffer, ProcExit, stop, wasiImports } from "./wasi-preview1";

export {
  HOST_FUNCTIONS,
  HostError,
  type HostFunction,
  type HostFunctionName,
  type SandboxAbort,
  type SandboxLimits,
  type SandboxOptions,
  type SandboxResult,
} from "./sandbox-types";

/** Name of the fuel counter the build adds to every built-in component (see registry/scripts/fuel.mjs). */
export const FUEL_GLOBAL = "__u6u_fuel";
/** Fuel a page of memory growth costs: 64 MiB (1,024 pages) is ~4 M units, so ~16 slice boundaries. */
const GROW_FUEL_PER_PAGE = 4096;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const PAGE = 65536;
const EMPTY = new Uint8Array(0);
const Suspending = (WebAssembly as unknown as { Suspending?: new (f: unknown) => unknown }).Suspending;
const jspiAvailable = typeof Suspending === "function";

/** Import lists never change for a module: read once, not per call. */
const importCache = new WeakMap<WebAssembly.Module, WebAssembly.ModuleImportDescriptor[]>();
function moduleImports(module: WebAssembly.Module): WebAssembly.ModuleImportDescriptor[] {
  let imports = importCache.get(module);
  if (!imports) {
    imports = WebAssembly.Module.imports(module);
    importCache.set(module, imports);
  }
  return imports;
}

/** True when the module imports a host function that needs the async (JSPI) bridge. */
export function importsAsyncHost(module: WebAssembly.Module): boolean {
  return moduleImports(module).some(
    (i) => i.module === "u6u" && (HOST_FUNCTIONS as readonly string[]).includes(i.name),
  );
}

/** One instance whose imports are bound, once, to whatever call `state` holds. */
interface Sandbox extends Reusable {
  run: () => unknown;
  fuel?: WebAssembly.Global;
  state?: CallState;
  view?: DataView;
}

/**
 * Runs `_start` of an instance of `module` with `stdin`, collecting stdout and stderr. The
 * instance is fresh, or a used one restored to its post-instantiation snapshot (lib/instance-pool.ts)
 * when the build marked the module reusable. Never throws for anything the component does:
 * traps and limits come back as `abort`.
 *
 * @example
 * const r = await runSandbox(module, { stdin: encoder.encode("{}"), host: {}, limits });
 * new TextDecoder().decode(r.stdout) // "{...}"
 */
export async function runSandbox(module: WebAssembly.Module, opts: SandboxOptions): Promise<SandboxResult> {
  const useJspi = jspiAvailable && (opts.jspi ?? importsAsyncHost(module));
  // A call on the plain bridge that outlives its first slice runs again, sliced (lib/cpu-slices.ts).
  const first = runOnce(module, opts, useJspi, jspiAvailable && !useJspi && opts.jspi === undefined);
  const result = useJspi ? await first : (first as SandboxResult | Reslice);
  return result instanceof Reslice ? (runOnce(module, opts, true, false) as Promise<SandboxResult>) : result;
}

/** One run of `_start`; synchronous on the plain bridge (no promise tick for the usual step). */
function runOnce(
  module: WebAssembly.Module,
  opts: SandboxOptions,
  useJspi: boolean,
  reslice: boolean,
): SandboxResult | Reslice | Promise<SandboxResult> {
  const { limits } = opts;
  const { first, slices } = startSlices(limits.fuel, reslice);
  const state: CallState = {
    stdin: opts.stdin,
    stdinOffset: 0,
    stdout: new OutputBuffer(limits.maxOutputBytes),
    stderr: new OutputBuffer(limits.maxLogBytes),
    held: EMPTY,
    hostCalls: 0,
    limits,
    host: opts.host,
    slices,
  };
  const reuse = opts.reuse ?? true;
  let sandbox = reuse ? takeInstance<Sandbox>(module, useJspi) : undefined;
  if (!sandbox) {
    const made = createSandbox(module, useJspi);
    if (typeof made === "string") return trapped(made, state);
    sandbox = made;
    poolStats.instantiated++;
    if (reuse) adoptInstance(module, sandbox);
  }
  sandbox.state = state;
  if (sandbox.fuel) sandbox.fuel.value = first;
  if (!useJspi) {
    let ended: unknown;
    try {
      sandbox.run();
    } catch (err) {
      if (err instanceof Reslice) {
        // Stopped mid-run: the snapshot cannot undo that, so the instance is not reused.
        sandbox.state = undefined;
        if (reuse) discardInstance();
        return err;
      }
      ended = err ?? new Error("thrown");
    }
    return finish(module, sandbox, state, opts, useJspi, ended);
  }
  const sb = sandbox;
  return (sb.run() as Promise<unknown>).then(
    () => finish(module, sb, state, opts, useJspi, undefined),
    (err: unknown) => finish(module, sb, state, opts, useJspi, err ?? new Error("thrown")),
  );
}

/** Turns how `_start` ended (`ended`: what it threw, if anything) into the call's result. */
function finish(
  module: WebAssembly.Module,
  sandbox: Sandbox,
  state: CallState,
  opts: SandboxOptions,
  useJspi: boolean,
  ended: unknown,
): SandboxResult {
  const { memory } = sandbox;
  const { limits } = state;
  const reuse = opts.reuse ?? true;
  let exitCode = 0;
  try {
    if (ended !== undefined) throw ended;
    if (memory) checkMemory(sandbox, state);
  } catch (err) {
    if (err instanceof ProcExit) exitCode = err.code;
    else if (state.fatal) exitCode = -1;
    else if (err instanceof Abort) state.fatal = err;
    // Spent fuel ends a call through u6u.fuel_slice (an Abort above), so a trap is never a CPU limit.
    else if (state.growRefused || (memory && isOutOfMemory(memory, limits))) {
      state.fatal = new Abort(
        "MEMORY_LIMIT",
        state.growRefused
          ? `the component ran out of memory: it asked for ${state.growRefused} pages (limit ${limits.maxMemoryPages})`
          : `the component ran out of memory (${memory!.buffer.byteLength / PAGE} pages)`,
      );
    } else {
      state.fatal = new Abort("COMPONENT_TRAPPED", `the component trapped: ${errorText(err)}`);
    }
    if (state.fatal) exitCode = -1;
  }
  if (memory && opts.inspectMemory) opts.inspectMemory(new Uint8Array(memory.buffer));
  sandbox.state = undefined;
  // Only a call that ended by itself leaves the instance in a state the snapshot can undo.
  if (reuse && !state.fatal) releaseInstance(module, useJspi, sandbox);
  else if (reuse) discardInstance();
  return {
    exitCode,
    stdout: state.stdout.bytes(),
    stderr: state.stderr.text(),
    hostCalls: state.hostCalls,
    ...(state.fatal ? { abort: { code: state.fatal.code, message: state.fatal.message } } : {}),
  };
}

function trapped(message: string, state: CallState): SandboxResult {
  return {
    exitCode: -1,
    stdout: new Uint8Array(0),
    stderr: "",
    hostCalls: state.hostCalls,
    abort: { code: "COMPONENT_TRAPPED", message },
  };
}

function checkMemory(sandbox: Sandbox, state: CallState): void {
  const pages = sandbox.memory!.buffer.byteLength / PAGE;
  const max = state.limits.maxMemoryPages;
  if (pages > max)
    stop(state, new Abort("MEMORY_LIMIT", `the component grew its memory to ${pages} pages (limit ${max})`));
}

/**
 * Instantiates `module` with WASI and u6u imports that read the sandbox's current call state, so
 * the same instance (and its ~30 import closures) serves every call it is reused for. Returns an
 * error message when the module cannot be instantiated under the ABI.
 */
function createSandbox(module: WebAssembly.Module, useJspi: boolean): Sandbox | string {
  const sb = {} as Sandbox;
  const call = (): CallState => sb.state!;
  // One DataView per buffer, not per syscall: the buffer changes only when the memory grows.
  const mem = (): DataView => {
    if (!sb.memory) throw new Abort("COMPONENT_TRAPPED", "the component exports no memory");
    const buffer = sb.memory.buffer;
    if (sb.view?.buffer !== buffer) sb.view = new DataView(buffer);
    return sb.view;
  };
  const bytes = (ptr: number, len: number): Uint8Array => new Uint8Array(mem().buffer, ptr, len);
  const wasi = wasiImports(call, mem, bytes);

  // The fuel counter dropped below zero: the next slice of the budget, perhaps after a yield.
  const fuelSlice = () => nextSlice(sb.state, sb.fuel, useJspi);
  const u6u: Record<string, unknown> = {
    // memory.grow, rewritten by the build into this call: the call's page limit binds as the memory grows,
    // and growing costs fuel (GROW_FUEL_PER_PAGE), so an allocation loop reaches a slice boundary and yields.
    memory_grow(delta: number): number {
      const memory = sb.memory;
      if (!memory) return -1;
      const s = sb.state;
      const pages = memory.buffer.byteLength / PAGE;
      if (s && pages + delta > s.limits.maxMemoryPages) {
        // A failed grow, as at the module's own maximum: the guest may try a smaller one or give up.
        s.growRefused = pages + delta;
        return -1;
      }
      if (sb.fuel) sb.fuel.value = (sb.fuel.value as number) - delta * GROW_FUEL_PER_PAGE;
      try {
        return memory.grow(delta);
      } catch {
        return -1;
      }
    },
    fuel_slice: useJspi ? new Suspending!(fuelSlice) : fuelSlice,
    result_read(dst: number, len: number): number {
      const s = call();
      const n = Math.min(len, s.held.length);
      bytes(dst, n).set(s.held.subarray(0, n));
      s.held = EMPTY;
      return n;
    },
  };
  for (const name of HOST_FUNCTIONS) {
    const hostCall = async (ptr: number, len: number): Promise<number> => {
      const s = call();
      s.hostCalls++;
      recordHostCall(name);
      if (s.hostCalls > s.limits.maxHostCalls) {
        stop(s, new Abort("HOST_CALL_LIMIT", `more than ${s.limits.maxHostCalls} host calls`));
      }
      if (Date.now() > s.limits.deadline) stop(s, new Abort("TIMEOUT", "the call ran past its deadline"));
      const reply = await invokeHost(name, s.host[name], bytes(ptr, len).slice());
      if (reply.fatal) stop(s, reply.fatal);
      const pause = afterHostCall(s);
      if (pause) await pause;
      checkMemory(sb, s);
      s.held = reply.body;
      return reply.ok ? s.held.length : -s.held.length;
    };
    u6u[name] = useJspi
      ? new Suspending!(hostCall)
      : () =>
          stop(
            call(),
            new Abort("COMPONENT_TRAPPED", `host function u6u.${name} needs JSPI, which this runtime lacks`),
          );
  }

  // Unknown WASI functions answer ENOSYS rather than failing instantiation (Go imports many).
  const importObject: Record<string, Record<string, unknown>> = { wasi_snapshot_preview1: {}, u6u: {} };
  for (const imp of moduleImports(module)) {
    if (imp.module === "wasi_snapshot_preview1") {
      importObject.wasi_snapshot_preview1![imp.name] = wasi[imp.name] ?? (() => ERRNO_NOSYS);
    } else if (imp.module === "u6u" && u6u[imp.name]) {
      importObject.u6u![imp.name] = u6u[imp.name];
    } else {
      return `the component imports ${imp.module}.${imp.name}, which the ABI does not provide`;
    }
  }
  try {
    // Synchronous: the module is precompiled, and this skips a promise round trip per call.
    sb.instance = new WebAssembly.Instance(module, importObject as WebAssembly.Imports);
  } catch (err) {
    return `instantiation failed: ${errorText(err)}`;
  }
  sb.memory = sb.instance.exports.memory as WebAssembly.Memory | undefined;
  const start = sb.instance.exports._start as (() => void) | undefined;
  if (!start) return "the component exports no _start (is it a WASI command?)";
  sb.fuel = sb.instance.exports[FUEL_GLOBAL] as WebAssembly.Global | undefined;
  sb.run = useJspi
    ? (WebAssembly as unknown as { promising: (f: unknown) => () => Promise<void> }).promising(start)
    : start;
  return sb;
}

interface HostReply {
  ok: boolean;
  body: Uint8Array;
  fatal?: Abort;
}

async function invokeHost(name: string, fn: HostFunction | undefined, request: Uint8Array): Promise<HostReply> {
  const error = (code: string, message: string): HostReply => ({
    ok: false,
    body: encoder.encode(JSON.stringify({ code, message })),
  });
  if (!fn) return error("CAPABILITY_MISSING", `host function ${name} is not available to this component`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(request));
  } catch {
    return error("BAD_HOST_REQUEST", `the ${name} request is not valid JSON`);
  }
  try {
    const result = await fn(parsed);
    return { ok: true, body: encoder.encode(JSON.stringify(result ?? null)) };
  } catch (err) {
    if (err instanceof HostError) {
      if (err.fatal) return { ok: false, body: new Uint8Array(0), fatal: new Abort(err.code, err.message) };
      return error(err.code, err.message);
    }
    // Unexpected host failures are not the component's fault, and their text may hold internals.
    return error("HOST_FAILURE", `${name} failed inside the host`);
  }
}

/** A trap once memory reached the limit is an allocation that could not grow. */
function isOutOfMemory(memory: WebAssembly.Memory, limits: SandboxLimits): boolean {
  return memory.buffer.byteLength / PAGE >= limits.maxMemoryPages;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
