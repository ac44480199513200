/**
 * WASI preview1, the subset components use (stdin, stdout/stderr, clocks, random, exit), over the
 * state of the current call. Split from wasi-shim.ts, which binds these imports once per instance.
 */
import type { SliceState } from "./cpu-slices";
import type { HostFunction, HostFunctionName, SandboxAbort, SandboxLimits } from "./sandbox-types";

export const ERRNO_SUCCESS = 0;
const ERRNO_BADF = 8;
const ERRNO_INVAL = 28;
export const ERRNO_NOSYS = 52;

/** Thrown by `proc_exit` to unwind the component: a normal end with that exit code. */
export class ProcExit {
  constructor(readonly code: number) {}
}

/** Thrown through the component when the runtime ends the call. */
export class Abort {
  constructor(
    readonly code: SandboxAbort | string,
    readonly message: string,
  ) {}
}

const decoder = new TextDecoder();

/** What the imports of an instance read and write during one call; replaced on every call. */
export interface CallState {
  stdin: Uint8Array;
  stdinOffset: number;
  stdout: OutputBuffer;
  stderr: OutputBuffer;
  held: Uint8Array;
  hostCalls: number;
  fatal?: Abort;
  limits: SandboxLimits;
  host: Partial<Record<HostFunctionName, HostFunction>>;
  /** Pages a refused `memory.grow` asked for (over the call's limit): the call ends with MEMORY_LIMIT. */
  growRefused?: number;
  /** The CPU budget still to hand out (cpu-slices.ts); absent for modules built without fuel. */
  slices?: SliceState;
}

/** Ends the call with `a` (the first reason wins) by throwing through the component. */
export function stop(state: CallState, a: Abort): never {
  state.fatal ??= a;
  throw a;
}

/** WASI preview1, the subset components use: stdin, stdout/stderr, clocks, random, exit. */
export function wasiImports(
  call: () => CallState,
  mem: () => DataView,
  bytes: (ptr: number, len: number) => Uint8Array,
): Record<string, (...args: number[]) => number | undefined> {
  return {
    fd_read(fd, iovs, iovsLen, nreadPtr) {
      if (fd !== 0) return ERRNO_BADF;
      const s = call();
      const view = mem();
      let total = 0;
      for (let i = 0; i < iovsLen; i++) {
        const ptr = view.getUint32(iovs + i * 8, true);
        const len = view.getUint32(iovs + i * 8 + 4, true);
        const chunk = s.stdin.subarray(s.stdinOffset, s.stdinOffset + len);
        bytes(ptr, chunk.length).set(chunk);
        s.stdinOffset += chunk.length;
        total += chunk.length;
        if (chunk.length < len) break;
      }
      view.setUint32(nreadPtr, total, true);
      return ERRNO_SUCCESS;
    },
    fd_write(fd, iovs, iovsLen, nwrittenPtr) {
      if (fd !== 1 && fd !== 2) return ERRNO_BADF;
      const s = call();
      const view = mem();
      let total = 0;
      for (let i = 0; i < iovsLen; i++) {
        const ptr = view.getUint32(iovs + i * 8, true);
        const len = view.getUint32(iovs + i * 8 + 4, true);
        const chunk = bytes(ptr, len);
        if (fd === 1 && !s.stdout.push(chunk)) {
          const max = s.limits.maxOutputBytes;
          stop(s, new Abort("OUTPUT_TOO_LARGE", `the component wrote more than ${max} bytes of output`));
        }
        if (fd === 2) s.stderr.push(chunk);
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
    args_sizes_get: (countPtr, sizePtr) => zeroPair(mem(), countPtr, sizePtr),
    args_get: () => ERRNO_SUCCESS,
    environ_sizes_get: (countPtr, sizePtr) => zeroPair(mem(), countPtr, sizePtr),
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
}

function zeroPair(view: DataView, a: number, b: number): number {
  view.setUint32(a, 0, true);
  view.setUint32(b, 0, true);
  return ERRNO_SUCCESS;
}

/** A byte sink with a cap: `push` returns false (and keeps nothing more) once the cap is passed. */
export class OutputBuffer {
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
