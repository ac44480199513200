import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { ApiError } from "../http/errors";
import { timingSafeEqual } from "../utils/crypto";
import { knownApiKeyHash } from "./api-keys";
import { presentedKey } from "./middleware";

/**
 * Wrong-key throttling: a client that presented too many keys answered 401 gets 429 with `Retry-After`
 * before its next unknown key is looked up. State is a token bucket per client in isolate memory only:
 * no KV read or write per attempt (the free plan's 1,000 writes a day stay for workflows), bounded in
 * size, never logged. A key that authenticated before (cached in this isolate) and the operator token
 * always pass, so a guessing client cannot lock out the clients whose keys work.
 *
 * The client is `CF-Connecting-IP` (set by Cloudflare; behind your own proxy, have it set the header).
 * Without it (plain workerd, which does not expose the peer address) every caller shares one bucket. A
 * second, larger bucket over all clients bounds the guessing rate of an isolate even when the header is
 * spoofed to look like many clients.
 */
export const THROTTLE = {
  /** Wrong keys a client may present in a burst. */
  clientBurst: 20,
  /** Wrong keys a client regains per second. */
  clientPerSecond: 1,
  /** Wrong keys all clients together may present in a burst, and regain per second. */
  globalBurst: 200,
  globalPerSecond: 20,
  /** Clients remembered (oldest forgotten first). */
  maxClients: 10_000,
} as const;

interface Bucket {
  tokens: number;
  at: number;
}

const clients = new Map<string, Bucket>();
const global: Bucket = { tokens: THROTTLE.globalBurst, at: 0 };

function refill(b: Bucket, burst: number, perSecond: number, now: number): void {
  b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
  b.at = now;
}

/** Seconds until `b` holds a whole token again (at least 1). */
function wait(b: Bucket, perSecond: number): number {
  return Math.max(1, Math.ceil((1 - b.tokens) / perSecond));
}

function clientOf(req: Request): string {
  return req.headers.get("cf-connecting-ip") ?? "-";
}

function bucketOf(client: string, now: number): Bucket {
  let b = clients.get(client);
  if (!b) {
    b = { tokens: THROTTLE.clientBurst, at: now };
    clients.set(client, b);
    if (clients.size > THROTTLE.maxClients) clients.delete(clients.keys().next().value as string);
  }
  return b;
}

/** Seconds the caller must wait before its next unknown key is checked, or 0 when it may go on. */
export function throttledFor(req: Request, now = Date.now()): number {
  if (global.at === 0) global.at = now;
  refill(global, THROTTLE.globalBurst, THROTTLE.globalPerSecond, now);
  const b = clients.get(clientOf(req));
  if (b) refill(b, THROTTLE.clientBurst, THROTTLE.clientPerSecond, now);
  if (b && b.tokens < 1) return wait(b, THROTTLE.clientPerSecond);
  if (global.tokens < 1) return wait(global, THROTTLE.globalPerSecond);
  return 0;
}

/** Charges one wrong key to the caller (and to the global bucket). */
export function chargeWrongKey(req: Request, now = Date.now()): void {
  const b = bucketOf(clientOf(req), now);
  refill(b, THROTTLE.clientBurst, THROTTLE.clientPerSecond, now);
  b.tokens = Math.max(0, b.tokens - 1);
  global.tokens = Math.max(0, global.tokens - 1);
}

/** Forgets every bucket (tests of one isolate that run several scenarios). */
export function resetThrottle(): void {
  clients.clear();
  global.tokens = THROTTLE.globalBurst;
  global.at = 0;
}

/**
 * Runs before every route: refuses an unknown key from a throttled client with 429, and charges each 401
 * answered to a request that presented a key. Requests without a key (open webhooks, /health, cookies)
 * pass untouched.
 *
 * @example
 * app.use("*", wrongKeyThrottle());
 */
export function wrongKeyThrottle() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const key = presentedKey(c.req.raw);
    if (key === null) return next();
    const trusted =
      knownApiKeyHash(key) !== undefined || (c.env.ADMIN_TOKEN ? timingSafeEqual(key, c.env.ADMIN_TOKEN) : false);
    if (!trusted) {
      const seconds = throttledFor(c.req.raw);
      if (seconds > 0) {
        const err = new ApiError(
          429,
          "TOO_MANY_WRONG_KEYS",
          `Too many requests with an invalid API key from this client: retry in ${seconds} s`,
          { retry_after_s: seconds },
        );
        return c.json(err.toJSON(), 429, { "Retry-After": String(seconds) });
      }
    }
    await next();
    if (c.res.status === 401 && !trusted) chargeWrongKey(c.req.raw);
  });
}
