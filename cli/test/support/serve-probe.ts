import { join } from "node:path";
import type { Config } from "miniflare";
import { loadOrCreateSecrets } from "../../src/platform/secrets.js";
import { startServePlatform } from "../../src/platform/serve/index.js";

/**
 * A `transformConfig` for `startServePlatform` that runs `esModule` in place of the executor (same bindings,
 * same socket): a probe worker that drives serve's KV bindings directly.
 *
 * @example
 * await startServePlatform({ stateDir, secrets, address: "127.0.0.1:0", transformConfig: executorReplacedBy("p.mjs", src) });
 */
export function executorReplacedBy(name: string, esModule: string): (config: Config) => Config {
  return (config) => {
    const executor = config.services?.find((s) => s.name === "arcrun-cypher-executor");
    if (executor && "worker" in executor && executor.worker && "modules" in executor.worker) {
      executor.worker.modules = [{ name, esModule }];
    }
    return config;
  };
}

/**
 * `acr serve` on `stateDir` (its secrets file made or reused there) with `esModule` as the executor, on a free port.
 *
 * @example
 * const serve = await serveWithProbe(dir, "probe.mjs", `export default { fetch: () => new Response("ok") }`);
 */
export function serveWithProbe(stateDir: string, name: string, esModule: string) {
  return startServePlatform({
    stateDir,
    secrets: loadOrCreateSecrets(join(stateDir, "secrets.json")),
    address: "127.0.0.1:0",
    transformConfig: executorReplacedBy(name, esModule),
  });
}
