import { createApp } from "./app";
import { DRAIN_CRON, drain, RECOVER_CRON, tracked } from "./durability/index";
import { getPlatform } from "./engine/platform";
import type { Env } from "./env";
import { countKv } from "./observability/kv-count";
import { runScheduled } from "./triggers/index";

const app = createApp();

export default {
  // Counted, so a drain (acr serve's SIGTERM) can wait for requests and their background work; every
  // KV call is counted for /metrics (reads, writes, lists, deletes) at the binding.
  fetch: tracked<Env>((req, env, ctx) => app.fetch(req, countKv(env), ctx)),
  /** Every minute: cron workflows of this minute, and parked executions whose wait is due. */
  async scheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
    // Only acr serve's loopback control sends this (Cloudflare's cron never does): stop, finish, then answer.
    if (controller.cron === DRAIN_CRON) {
      const { left } = await drain(DRAIN_TIMEOUT_MS);
      if (left > 0) console.error(`drain: ${left} request(s) or background job(s) still running at the timeout`);
      return;
    }
    // acr serve's start-up: executions a crash left running are recovered at once, crons are not re-fired.
    const only = controller.cron === RECOVER_CRON ? { crons: false } : {};
    await runScheduled(countKv(env), getPlatform(), controller.scheduledTime, (p) => ctx.waitUntil(p), only);
  },
} satisfies ExportedHandler<Env>;

const DRAIN_TIMEOUT_MS = 25_000;
