import { createApp } from "./app";
import type { Env } from "./env";

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(_controller: ScheduledController, _env: Env, _ctx: ExecutionContext): Promise<void> {
    // Cron triggers and due waits are woken here (see the workflow engine).
  },
} satisfies ExportedHandler<Env>;
