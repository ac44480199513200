import type { SandboxLimits } from "../lib/wasi-shim";
import type { ComponentLimits } from "./types";

/** What a call gets when its node sets no `limits:`. */
export const DEFAULT_LIMITS: Required<ComponentLimits> = {
  timeout_ms: 30_000,
  max_output_bytes: 1024 * 1024,
  max_memory_pages: 256,
  max_host_calls: 50,
  fuel: 50_000_000,
};

/** The platform's ceilings: a node may lower its limits, never raise them past these. */
export const MAX_LIMITS: Required<ComponentLimits> = {
  timeout_ms: 120_000,
  max_output_bytes: 8 * 1024 * 1024,
  max_memory_pages: 1024,
  max_host_calls: 1000,
  fuel: 2_000_000_000,
};

/** Largest stderr kept per call. */
export const MAX_LOG_BYTES = 16 * 1024;

/**
 * Per-call limits: defaults, overridden by the node, clamped to the platform maxima.
 *
 * @example
 * resolveLimits({ fuel: 1000 }, Date.now()).fuel // 1000
 */
export function resolveLimits(requested: ComponentLimits | undefined, now: number): SandboxLimits {
  const pick = (k: keyof ComponentLimits): number => {
    const v = requested?.[k];
    const n = typeof v === "number" && Number.isFinite(v) && v > 0 ? Math.floor(v) : DEFAULT_LIMITS[k];
    return Math.min(n, MAX_LIMITS[k]);
  };
  return {
    maxOutputBytes: pick("max_output_bytes"),
    maxMemoryPages: pick("max_memory_pages"),
    maxHostCalls: pick("max_host_calls"),
    fuel: pick("fuel"),
    deadline: now + pick("timeout_ms"),
    maxLogBytes: MAX_LOG_BYTES,
  };
}
