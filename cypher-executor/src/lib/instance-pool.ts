/**
 * Instance reuse for components: a used instance is put back exactly as it was right after
 * instantiation (linear memory and every mutable global restored from a snapshot), then kept on a
 * small per-module free list. Only modules the build marked reusable take part (registry/scripts/
 * fuel.mjs adds `__u6u_reset`, which puts every mutable global back, and `__u6u_reusable`); the rules are in
 * docs/component-abi.md § Instance reuse. Web-standard APIs only, like wasi-shim.ts.
 */

const PAGE = 65536;
/** Larger initial memories (Go's runtime) cost more to restore than to instantiate: never pooled. */
export const MAX_SNAPSHOT_PAGES = 16;
/** Free instances kept per module and bridge kind; more concurrent calls just instantiate. */
export const MAX_FREE_PER_MODULE = 8;
export const REUSABLE_EXPORT = "__u6u_reusable";
export const RESET_EXPORT = "__u6u_reset";

/** What an instance looked like before its first call: the same for every instance of a module. */
interface Snapshot {
  pages: number;
  /** Memory up to its last non-zero byte; the rest of the initial pages is zero. */
  bytes: Uint8Array;
}

/** The part of a sandbox the pool needs: its instance, and what it resolved from it once. */
export interface Reusable {
  instance: WebAssembly.Instance;
  memory?: WebAssembly.Memory;
  /** The instance's `__u6u_reset` (set by `adoptInstance`). */
  reset?: () => void;
}

interface ModulePool<T extends Reusable> {
  snapshot?: Snapshot;
  /** Free instances by bridge kind (JSPI imports differ from plain ones). */
  free: Map<boolean, T[]>;
}

/** Counters for tests and benchmarks (per isolate). */
export const poolStats = { instantiated: 0, reused: 0, restored: 0, discarded: 0 };

const pools = new WeakMap<WebAssembly.Module, ModulePool<Reusable> | null>();

/** True when the build marked the module reusable (checked once per module). */
function poolFor<T extends Reusable>(module: WebAssembly.Module): ModulePool<T> | null {
  let pool = pools.get(module);
  if (pool === undefined) {
    const marked = WebAssembly.Module.exports(module).some((e) => e.name === REUSABLE_EXPORT);
    pool = marked ? { free: new Map() } : null;
    pools.set(module, pool);
  }
  return pool as ModulePool<T> | null;
}

/** A restored instance of `module` for the given bridge kind, or undefined (instantiate a new one). */
export function takeInstance<T extends Reusable>(module: WebAssembly.Module, jspi: boolean): T | undefined {
  const found = poolFor<T>(module)?.free.get(jspi)?.pop();
  if (found) poolStats.reused++;
  return found;
}

/**
 * Registers a freshly instantiated, never-run instance: the first one of a module provides the
 * snapshot. Returns false when the module cannot be pooled (the instance is then used once).
 */
export function adoptInstance(module: WebAssembly.Module, sandbox: Reusable): boolean {
  const pool = poolFor(module);
  if (!pool || !sandbox.memory) return false;
  const reset = sandbox.instance.exports[RESET_EXPORT];
  if (typeof reset !== "function") {
    pools.set(module, null);
    return false;
  }
  sandbox.reset = reset as () => void;
  if (!pool.snapshot) {
    const memory = new Uint8Array(sandbox.memory.buffer);
    const pages = memory.length / PAGE;
    if (pages > MAX_SNAPSHOT_PAGES) {
      pools.set(module, null);
      return false;
    }
    let end = memory.length;
    while (end > 0 && memory[end - 1] === 0) end--;
    pool.snapshot = { pages, bytes: memory.slice(0, end) };
  }
  return true;
}

/**
 * Puts a used instance back to its snapshot and onto the free list. Only for a call that ended
 * cleanly (returned or exited): after a trap, a limit or a failed host call the caller drops it.
 */
export function releaseInstance<T extends Reusable>(module: WebAssembly.Module, jspi: boolean, sandbox: T): void {
  const pool = poolFor<T>(module);
  // Restore before keeping it, so nothing of this call (input, decrypted secrets) waits in memory.
  if (!pool || !restoreInstance(module, sandbox)) return;
  let free = pool.free.get(jspi);
  if (!free) {
    free = [];
    pool.free.set(jspi, free);
  }
  if (free.length < MAX_FREE_PER_MODULE) free.push(sandbox);
}

/**
 * Writes the snapshot back into the instance's memory and globals. False (and counted as
 * discarded) when that cannot make it fresh: its memory grew, and memories cannot shrink.
 */
export function restoreInstance(module: WebAssembly.Module, sandbox: Reusable): boolean {
  const snapshot = pools.get(module)?.snapshot;
  if (!snapshot || !sandbox.memory || !sandbox.reset) return false;
  const memory = new Uint8Array(sandbox.memory.buffer);
  if (memory.length !== snapshot.pages * PAGE) {
    poolStats.discarded++;
    return false;
  }
  memory.set(snapshot.bytes);
  memory.fill(0, snapshot.bytes.length);
  // Globals are reset inside wasm: one call instead of ~40 Global.value setters (0.8 µs).
  sandbox.reset();
  poolStats.restored++;
  return true;
}

/** Counts an instance that was not put back (trap, limit, growth). */
export function discardInstance(): void {
  poolStats.discarded++;
}
