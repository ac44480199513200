/**
 * The sandbox every component runs in: WASI preview1 (command style) plus the `u6u` host imports,
 * over one fresh instance of a precompiled `WebAssembly.Module`. The ABI is docs/component-abi.md.
 *
 * This file depends on nothing but Web-standard APIs, so the generated component worker wrappers
 * (registry/template/) can bundle it without the executor's app code.
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

/** Name of the fuel counter the build adds to every built-in component (see registry/scripts/fuel.mjs). */
export const FUEL_GLOBAL = "__u6u_fuel";

const ERRNO_SUCCESS = 0;
const ERRNO_BADF = 8;
const ERRNO_INVAL = 28;
const ERRNO_NOSYS = 52;
const PAGE = 65536;

class ProcExit {
  constructor(readonly code: number) {}
}

class Abort {
  constructor(
    readonly code: SandboxAbort | string,
    readonly message: string,
  ) {}
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const jspiAvailable = typeof (WebAssembly as unknown as { Suspending?: unknown }).Suspending === "function";

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

/**
 * Runs `_start` of a fresh instance of `module` with `stdin`, collecting stdout and stderr.
 * Never throws for anything the component does: traps and limits come back as `abort`.
 *
 * @example
 * const r = await runSandbox(module, { stdin: encoder.encode("{}"), host: {}, limits });
 * new TextDecoder().decode(r.stdout) // "{...}"
 */
export async function runSandbox(module: WebAssembly.Module, opts: SandboxOptions): Promise<SandboxResult> {
  const { limits } = opts;
  const stdout = new OutputBuffer(limits.maxOutputBytes);
  const stderr = new OutputBuffer(limits.maxLogBytes);
  let stdinOffset = 0;
  let hostCalls = 0;
  let held: Uint8Array = new Uint8Array(0);
  let memory: WebAssembly.Memory | undefined;
  let fatal: Abort | undefined;

  // One DataView per buffer, not per syscall: the buffer changes only when the memory grows.
  let view: DataView | undefined;
  const mem = (): DataView => {
    if (!memory) throw new Abort("COMPONENT_TRAPPED", "the component exports no memory");
    const buffer = memory.buffer;
    if (view?.buffer !== buffer) view = new DataView(buffer);
    return view;
  };
  const bytes = (ptr: number, len: number): Uint8Array => new Uint8Array(mem().buffer, ptr, len);
  const stop = (a: Abort): never => {
    fatal ??= a;
    throw a;
  };

  const wasi: Record<string, (...args: number[]) => number | undefined> = {
    fd_read(fd, iovs, iovsLen, nreadPtr) {
      if (fd !== 0) return ERRNO_BADF;
      const view = mem();
      let total = 0;
      for (let i = 0; i < iovsLen; i++) {
        const ptr = view.getUint32(iovs + i * 8, true);
        const len = view.getUint32(iovs + i * 8 + 4, true);
        const chunk = opts.stdin.subarray(stdinOffset, stdinOffset + len);
        bytes(ptr, chunk.length).set(chunk);
        stdinOffset += chunk.length;
        total += chunk.length;
        if (chunk.length < len) break;
      }
      view.setUint32(nreadPtr, total, true);
      return ERRNO_SUCCESS;
    },
    fd_write(fd, iovs, iovsLen, nwrittenPtr) {
      if (fd !== 1 && fd !== 2) return ERRNO_BADF;
      const view = mem();
      let total = 0;
      for (let i = 0; i < iovsLen; i++) {
        const ptr = view.getUint32(iovs + i * 8, true);
        const len = view.getUint32(iovs + i * 8 + 4, true);
        const chunk = bytes(ptr, len);
        if (fd === 1 && !stdout.push(chunk)) {
          stop(new Abort("OUTPUT_TOO_LARGE", `the component wrote more than ${limits.maxOutputBytes} bytes of output`));
        }
        if (fd === 2) stderr.push(chunk);
        total += len;
      }
      view.setUint32(nwrittenPtr, total, true);
      return ERRNO_SUCCESS;
    },
    fd_close: () => ERRNO_SUCCESS,
    fd_fdstat_get(fd, statPtr) {
      if (fd > 2) return ERRNO_BADF;
      const view = mem();
      for (let i = 0; i < 24; i++) view.setUint8(statPtr + i, 0);
      view.setUint8(statPtr, 2); // character device
      return ERRNO_SUCCESS;
    },
    fd_prestat_get: () => ERRNO_BADF,
    fd_seek: () => ERRNO_INVAL,
    args_sizes_get(countPtr, sizePtr) {
      const v = mem();
      v.setUint32(countPtr, 0, true);
      v.setUint32(sizePtr, 0, true);
      return ERRNO_SUCCESS;
    },
    args_get: () => ERRNO_SUCCESS,
    environ_sizes_get(countPtr, sizePtr) {
      const v = mem();
      v.setUint32(countPtr, 0, true);
      v.setUint32(sizePtr, 0, true);
      return ERRNO_SUCCESS;
    },
    environ_get: () => ERRNO_SUCCESS,
    clock_res_get(_id, resPtr) {
      mem().setBigUint64(resPtr, 1000n, true);
      return ERRNO_SUCCESS;
    },
    clock_time_get(id, _precision, timePtr) {
      const ms = id === 0 ? Date.now() : performance.now();
      mem().setBigUint64(timePtr, BigInt(Math.round(ms * 1e6)), true);
      return ERRNO_SUCCESS;
    },
    random_get(ptr, len) {
      const out = bytes(ptr, len);
      // getRandomValues fills at most 65536 bytes per call.
      for (let off = 0; off < len; off += 65536) crypto.getRandomValues(out.subarray(off, Math.min(len, off + 65536)));
      return ERRNO_SUCCESS;
    },
    sched_yield: () => ERRNO_SUCCESS,
    proc_exit(code) {
      throw new ProcExit(code);
    },
  };

  const checkMemory = () => {
    const pages = mem().buffer.byteLength / PAGE;
    if (pages > limits.maxMemoryPages) {
      stop(
        new Abort("MEMORY_LIMIT", `the component grew its memory to ${pages} pages (limit ${limits.maxMemoryPages})`),
      );
    }
  };

  const imports = moduleImports(module);
  const useJspi = jspiAvailable && (opts.jspi ?? importsAsyncHost(module));
  const u6u: Record<string, unknown> = {
    result_read(dst: number, len: number): number {
      const n = Math.min(len, held.length);
      bytes(dst, n).set(held.subarray(0, n));
      held = new Uint8Array(0);
      return n;
    },
  };
  for (const name of HOST_FUNCTIONS) {
    const fn = opts.host[name];
    const call = async (ptr: number, len: number): Promise<number> => {
      hostCalls++;
      if (hostCalls > limits.maxHostCalls) {
        stop(new Abort("HOST_CALL_LIMIT", `more than ${limits.maxHostCalls} host calls`));
      }
      if (Date.now() > limits.deadline) stop(new Abort("TIMEOUT", "the call ran past its deadline"));
      const reply = await invokeHost(name, fn, bytes(ptr, len).slice());
      if (reply.fatal) stop(reply.fatal);
      checkMemory();
      held = reply.body;
      return reply.ok ? held.length : -held.length;
    };
    u6u[name] = useJspi
      ? new (WebAssembly as unknown as { Suspending: new (f: unknown) => unknown }).Suspending(call)
      : () => stop(new Abort("COMPONENT_TRAPPED", `host function u6u.${name} needs JSPI, which this runtime lacks`));
  }

  // Unknown WASI functions answer ENOSYS rather than failing instantiation (Go imports many).
  const importObject: Record<string, Record<string, unknown>> = { wasi_snapshot_preview1: {}, u6u: {} };
  for (const imp of imports) {
    if (imp.module === "wasi_snapshot_preview1") {
      importObject.wasi_snapshot_preview1![imp.name] = wasi[imp.name] ?? (() => ERRNO_NOSYS);
    } else if (imp.module === "u6u" && u6u[imp.name]) {
      importObject.u6u![imp.name] = u6u[imp.name];
    } else {
      return trapped(`the component imports ${imp.module}.${imp.name}, which the ABI does not provide`);
    }
  }

  let instance: WebAssembly.Instance;
  try {
    // Synchronous: the module is precompiled, and this skips a promise round trip per call.
    instance = new WebAssembly.Instance(module, importObject as WebAssembly.Imports);
  } catch (err) {
    return trapped(`instantiation failed: ${errorText(err)}`);
  }
  memory = instance.exports.memory as WebAssembly.Memory | undefined;
  const start = instance.exports._start as (() => void) | undefined;
  if (!start) return trapped("the component exports no _start (is it a WASI command?)");
  const fuel = instance.exports[FUEL_GLOBAL] as WebAssembly.Global | undefined;
  if (fuel) fuel.value = Math.min(limits.fuel, 0x7fffffff);

  let exitCode = 0;
  try {
    if (useJspi) {
      await (WebAssembly as unknown as { promising: (f: unknown) => () => Promise<void> }).promising(start)();
    } else {
      start();
    }
    if (memory) checkMemory();
  } catch (err) {
    if (err instanceof ProcExit) exitCode = err.code;
    else if (fatal) exitCode = -1;
    else if (err instanceof Abort) fatal = err;
    else if (fuel && (fuel.value as number) < 0) {
      fatal = new Abort("CPU_LIMIT_EXCEEDED", `the component used up its CPU budget (${limits.fuel} fuel units)`);
    } else if (memory && isOutOfMemory(memory, limits)) {
      fatal = new Abort("MEMORY_LIMIT", `the component ran out of memory (${memory.buffer.byteLength / PAGE} pages)`);
    } else {
      fatal = new Abort("COMPONENT_TRAPPED", `the component trapped: ${errorText(err)}`);
    }
    if (fatal) exitCode = -1;
  }
  if (memory && opts.inspectMemory) opts.inspectMemory(new Uint8Array(memory.buffer));
  return {
    exitCode,
    stdout: stdout.bytes(),
    stderr: stderr.text(),
    hostCalls,
    ...(fatal ? { abort: { code: fatal.code, message: fatal.message } } : {}),
  };

  function trapped(message: string): SandboxResult {
    return {
      exitCode: -1,
      stdout: new Uint8Array(0),
      stderr: "",
      hostCalls,
      abort: { code: "COMPONENT_TRAPPED", message },
    };
  }
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

/** A byte sink with a cap: `push` returns false (and keeps nothing more) once the cap is passed. */
class OutputBuffer {
  private chunks: Uint8Array[] = [];
  private size = 0;
  private truncated = false;
  constructor(private readonly cap: number) {}

  push(chunk: Uint8Array): boolean {
    if (this.size + chunk.length > this.cap) {
      const room = this.cap - this.size;
      if (room > 0) this.chunks.push(chunk.slice(0, room));
      this.size = this.cap;
      this.truncated = true;
      return false;
    }
    this.chunks.push(chunk.slice());
    this.size += chunk.length;
    return true;
  }

  bytes(): Uint8Array {
    // The usual case is one write: hand over its copy instead of copying again.
    if (this.chunks.length === 1 && this.chunks[0]!.length === this.size) return this.chunks[0]!;
    const out = new Uint8Array(this.size);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }

  text(): string {
    if (this.size === 0 && !this.truncated) return "";
    return decoder.decode(this.bytes()) + (this.truncated ? "\n[log truncated]" : "");
  }
}
