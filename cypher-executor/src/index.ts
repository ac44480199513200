import { createApp } from "./app";
import { getPlatform } from "./engine/platform";
import type { Env } from "./env";
import { countKv } from "./observability/kv-count";
import { runScheduled } from "./triggers/index";

const app = createApp();

export default {
  // Every KV call is counted for /metrics (reads, writes, lists, deletes) at the binding.
  fetch: (req: Request, env: Env, ctx: ExecutionContext) => app.fetch(req, countKv(env), ctx),
  /** Every minute: cron workflows of this minute, and parked executions whose wait is due. */
  async scheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
    await runScheduled(countKv(env), getPlatform(), controller.scheduledTime, (p) => ctx.waitUntil(p));
  },
} satisfies ExportedHandler<Env>;
