/**
 * The `p` quantile (0-1) of latency samples in ms, rounded; with few samples p99 is the maximum.
 *
 * @example
 * percentile([3, 1, 2], 0.5); // 2
 */
export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)]!);
}
