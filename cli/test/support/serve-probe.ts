import type { Config } from "miniflare";

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
