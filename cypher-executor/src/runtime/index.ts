/**
 * The component runtime: runs one call of a built-in component in a fresh sandbox instance,
 * with the host functions scoped to the caller. The ABI is docs/component-abi.md.
 */
import { type HostFunction, type HostFunctionName, runSandbox } from "../lib/wasi-shim";
import { hostFunctionsFor } from "./host";
import { resolveLimits } from "./limits";
import { conventionalFailure, toOutcome } from "./outcome";
import type { CallContext, ComponentManifest, ComponentOutcome, ComponentRuntime } from "./types";

export { DEFAULT_LIMITS, MAX_LIMITS, resolveLimits } from "./limits";
export type { CallContext, ComponentLimits, ComponentManifest, ComponentOutcome, ComponentRuntime } from "./types";

/** A component bundled at build time (`.component-builds/index.ts`). */
export interface BundledComponent {
  module: WebAssembly.Module;
  manifest: ComponentManifest;
}

/**
 * A component that runs in the executor on its own sandbox rather than the WASI shim: only `code`
 * (QuickJS compiled to WASM, see runtime/code/).
 */
export interface NativeComponent {
  manifest: ComponentManifest;
  run(input: unknown, ctx: CallContext): Promise<ComponentOutcome>;
}

/** Extra knobs for tests and benchmarks; never reachable from a workflow. */
export interface CallOptions {
  /** Receives the instance's linear memory after the call (secret-leak tests). */
  inspectMemory?: (memory: Uint8Array) => void;
  /** Benchmarks: force the JSPI bridge on or off. */
  jspi?: boolean;
  /** Benchmarks: `false` instantiates afresh instead of reusing a restored instance. */
  reuse?: boolean;
}

const encoder = new TextEncoder();

/**
 * Creates a runtime over a set of bundled components. Each call gets a fresh instance or a used one
 * restored to its post-instantiation snapshot (lib/instance-pool.ts): never state from another call.
 *
 * @example
 * import { components } from "../../../.component-builds/index";
 * const runtime = createRuntime(components);
 * const out = await runtime.call("set", { values: { a: 1 } }, { env, tenant });
 */
export function createRuntime(
  components: Record<string, BundledComponent>,
  natives: Record<string, NativeComponent> = {},
): ComponentRuntime & {
  callWith(name: string, input: unknown, ctx: CallContext, opts: CallOptions): Promise<ComponentOutcome>;
} {
  const byName = new Map(Object.entries(components));
  const nativeByName = new Map(Object.entries(natives));
  const callWith = async (
    name: string,
    input: unknown,
    ctx: CallContext,
    opts: CallOptions = {},
  ): Promise<ComponentOutcome> => {
    const native = nativeByName.get(name);
    if (native) return conventionalFailure(await native.run(input, ctx));
    const started = performance.now();
    const c = byName.get(name);
    if (!c) {
      return {
        status: "failed",
        error: { code: "COMPONENT_NOT_FOUND", message: `No component named "${name}"` },
        logs: "",
        durationUs: 0,
        hostCalls: 0,
      };
    }
    const limits = resolveLimits(ctx.limits, Date.now());
    // Most steps (set, filter, …) declare no capability: no host closures to build for them.
    const host: Partial<Record<HostFunctionName, HostFunction>> = {};
    if (c.manifest.capabilities.length > 0) {
      const all = hostFunctionsFor(ctx, c.manifest, limits);
      for (const cap of c.manifest.capabilities) {
        const fn = all[cap as HostFunctionName];
        if (fn) host[cap as HostFunctionName] = fn;
      }
    }
    const result = await runSandbox(c.module, {
      stdin: encoder.encode(JSON.stringify(input ?? {})),
      host,
      limits,
      ...(opts.inspectMemory ? { inspectMemory: opts.inspectMemory } : {}),
      ...(opts.jspi !== undefined ? { jspi: opts.jspi } : {}),
      ...(opts.reuse !== undefined ? { reuse: opts.reuse } : {}),
    });
    return conventionalFailure(toOutcome(result, Math.round((performance.now() - started) * 1000)));
  };
  return {
    has: (name) => byName.has(name) || nativeByName.has(name),
    manifest: (name) => byName.get(name)?.manifest ?? nativeByName.get(name)?.manifest,
    list: () => [...byName.values(), ...nativeByName.values()].map((c) => c.manifest),
    call: (name, input, ctx) => callWith(name, input, ctx),
    callWith,
  };
}
