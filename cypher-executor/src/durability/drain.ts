/**
 * Graceful stop of a long-lived process (`acr serve`): count the requests in flight and the work they
 * left behind (`waitUntil`), and on a drain refuse new requests (503) and wait until both reach zero.
 * One executor isolate serves every request on workerd, so a module-level count sees them all.
 */

/** The cron string of acr serve's drain call (sent on its loopback-only control socket, never by Cloudflare). */
export const DRAIN_CRON = "@arcrun-drain";
/** The cron string of acr serve's start-up recovery: due waits and leases now, no cron workflow. */
export const RECOVER_CRON = "@arcrun-recover";

import { cancelTimers } from "./timers";

let inflight = 0;
let draining = false;
let onIdle: (() => void) | undefined;

const SHUTTING_DOWN = JSON.stringify({
  error: { code: "SHUTTING_DOWN", message: "The platform is stopping; retry on another instance or later" },
});

function done(): void {
  if (--inflight === 0) onIdle?.();
}

/**
 * Wraps a `fetch` handler: counts the request until its response and every promise it hands to
 * `waitUntil` settle; while draining, answers 503 `SHUTTING_DOWN` and runs nothing.
 *
 * @example
 * export default { fetch: tracked(app.fetch) };
 */
export function tracked<E>(
  handler: (req: Request, env: E, ctx: ExecutionContext) => Response | Promise<Response>,
): (req: Request, env: E, ctx: ExecutionContext) => Promise<Response> {
  return async (req, env, ctx) => {
    if (draining) {
      return new Response(SHUTTING_DOWN, {
        status: 503,
        headers: { "content-type": "application/json", "retry-after": "5", connection: "close" },
      });
    }
    inflight++;
    const counted: ExecutionContext = {
      waitUntil(p: Promise<unknown>) {
        inflight++;
        ctx.waitUntil(p.finally(done));
      },
      passThroughOnException: () => ctx.passThroughOnException(),
      props: (ctx as { props?: unknown }).props,
    } as ExecutionContext;
    try {
      return await handler(req, env, counted);
    } finally {
      done();
    }
  };
}

/**
 * Stops accepting requests and resolves once every request and its background work finished, or after
 * `timeoutMs` (what is then still running stays `running` and is resumed by recovery on the next start).
 *
 * @example
 * const { left } = await drain(30_000);
 */
export async function drain(timeoutMs: number): Promise<{ left: number }> {
  draining = true;
  // Short waits sleeping in this process are left to their `wait:` entries (start-up recovery wakes them).
  cancelTimers();
  if (inflight > 0) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      onIdle = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
  return { left: inflight };
}

/** True once a drain began (tests). */
export function isDraining(): boolean {
  return draining;
}
