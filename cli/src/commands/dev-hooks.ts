import type { DevFile } from "../config/index.js";

/**
 * What `acr dev` does once the platform answers: seeding examples and recipes lives here,
 * so the dev command itself stays about starting and stopping.
 */
export async function afterStartHooks(_dev: DevFile): Promise<void> {}

/** The lines printed under "Try it". */
afterStartHooks.tryLines = (dev: DevFile): string[] => [
  `curl -s ${dev.url}/health`,
  `curl -s -H 'Authorization: Bearer ${dev.apiKey}' ${dev.url}/v1/whoami`,
];
