import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ApiClient } from "../api/client.js";
import type { DevFile } from "../config/index.js";
import { seedExamples } from "./workflow.js";

/**
 * What `acr dev` does once the platform answers: seeding examples and recipes lives here,
 * so the dev command itself stays about starting and stopping.
 */
export async function afterStartHooks(dev: DevFile, stateDir?: string): Promise<void> {
  // Seed recipes (idempotent: unchanged recipes are not rewritten), so telegram_send & co. work at once.
  await new ApiClient(dev).request("POST", "/v1/init/seed");
  // The examples (hello & co.), so the curl line below works on a fresh state.
  // Seeded names are remembered with the state: an example the user deleted is not deployed again.
  const file = stateDir ? join(stateDir, "seeded-examples.json") : undefined;
  const before = file && existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as string[]) : [];
  const seeded = await seedExamples(new ApiClient(dev), undefined, new Set(before));
  if (file && seeded.length) writeFileSync(file, `${JSON.stringify([...before, ...seeded].sort())}\n`);
}

/**
 * The lines printed under "Try it". `identity` set (a later start): the key is read from that file by the
 * shell instead of being printed, so the banner never repeats it.
 */
afterStartHooks.tryLines = (dev: DevFile, identity?: string): string[] => {
  const key = identity ? "$KEY" : dev.apiKey;
  return [
    ...(identity ? [`KEY=$(node -p 'require(${JSON.stringify(identity)}).apiKey')`] : []),
    `curl -s ${dev.url}/health`,
    `curl -s -H "Authorization: Bearer ${key}" ${dev.url}/v1/whoami`,
    `curl -s -H "Authorization: Bearer ${key}" -H 'content-type: application/json' -d '{"name":"Ada"}' ${dev.url}/webhooks/named/${dev.ns}/hello/trigger`,
  ];
};
