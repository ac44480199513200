import { createApp } from "./app";
import { getPlatform } from "./engine/platform";
import type { Env } from "./env";
import { runScheduled } from "./triggers/index";

const app = createApp();

export default {
  fetch: app.fetch,
  /** Every minute: cron workflows of this minute, and parked executions whose wait is due. */
  async scheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
    await runScheduled(env, getPlatform(), controller.scheduledTime, (p) => ctx.waitUntil(p));
  },
} satisfies ExportedHandler<Env>;
