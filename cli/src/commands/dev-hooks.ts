import { ApiClient } from "../api/client.js";
import type { DevFile } from "../config/index.js";
import { seedExamples } from "./workflow.js";

/**
 * What `acr dev` does once the platform answers: seeding examples and recipes lives here,
 * so the dev command itself stays about starting and stopping.
 */
export async function afterStartHooks(dev: DevFile): Promise<void> {
  // Seed recipes (idempotent: unchanged recipes are not rewritten), so telegram_send & co. work at once.
  await new ApiClient(dev).request("POST", "/v1/init/seed");
  // The examples (hello & co.), so the curl line below works on a fresh state.
  await seedExamples(new ApiClient(dev));
}

/** The lines printed under "Try it". */
afterStartHooks.tryLines = (dev: DevFile): string[] => [
  `curl -s ${dev.url}/health`,
  `curl -s -H 'Authorization: Bearer ${dev.apiKey}' ${dev.url}/v1/whoami`,
  `curl -s -H 'Authorization: Bearer ${dev.apiKey}' -H 'content-type: application/json' -d '{"name":"Ada"}' ${dev.url}/webhooks/named/${dev.ns}/hello/trigger`,
];
