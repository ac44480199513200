/**
 * Per-key token buckets for MCP tool calls, in isolate memory: an agent in a loop is slowed down
 * before it floods the platform. Each isolate counts on its own, so on Cloudflare the effective limit
 * is per location and isolate (documented in docs/mcp.md).
 */
export const TOOL_CALLS_PER_MINUTE = 120;
const BURST = 60;
const MAX_KEYS = 10_000;

const buckets = new Map<string, { tokens: number; at: number }>();

/**
 * Takes `n` tokens for `key`; answers how many seconds to wait when there are not enough.
 *
 * @example
 * const wait = takeToolCalls(tenant.keyHash, 1);
 * if (wait > 0) return tooMany(wait);
 */
export function takeToolCalls(key: string, n: number, now = Date.now()): number {
  const rate = TOOL_CALLS_PER_MINUTE / 60_000;
  let b = buckets.get(key);
  if (!b) {
    if (buckets.size >= MAX_KEYS) buckets.clear();
    b = { tokens: BURST, at: now };
    buckets.set(key, b);
  }
  b.tokens = Math.min(BURST, b.tokens + (now - b.at) * rate);
  b.at = now;
  if (b.tokens >= n) {
    b.tokens -= n;
    return 0;
  }
  return Math.ceil((n - b.tokens) / rate / 1000);
}
