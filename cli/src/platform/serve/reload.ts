import type { LocalSecrets } from "../secrets.js";
import type { ServePlatform } from "./index.js";

/** A served platform whose Worker secrets can change: workerd is restarted on the same address and state. */
export interface ReloadableServe extends ServePlatform {
  setSecrets(secrets: LocalSecrets): Promise<void>;
}

/**
 * Wraps a running `acr serve` platform so that `acr credential rotate-key` (which rewrites secrets.json)
 * takes effect: plain workerd reads its secrets only at start, so a change stops it (after its grace
 * period) and starts it again with the new ones. `exited` still reports only a crash, never a restart.
 *
 * @example
 * const p = reloadableServe(first, (secrets) => startServePlatform({ ...opts, secrets, address }));
 * const stop = reloadOnSecretsChange(secretsFile, p);
 */
export function reloadableServe(
  first: ServePlatform,
  start: (secrets: LocalSecrets) => Promise<ServePlatform>,
): ReloadableServe {
  let current = first;
  let resolveExit: (code: number | null) => void = () => {};
  const exited = new Promise<number | null>((r) => {
    resolveExit = r;
  });
  const watch = (p: ServePlatform) => {
    p.exited.then((code) => {
      if (p === current) resolveExit(code);
    });
  };
  watch(first);
  let chain = Promise.resolve();
  const self: ReloadableServe = {
    get url() {
      return current.url;
    },
    get pid() {
      return current.pid;
    },
    get ports() {
      return current.ports;
    },
    exited,
    setSecrets: (secrets) => {
      chain = chain.then(async () => {
        await current.dispose();
        current = await start(secrets);
        watch(current);
      });
      return chain;
    },
    dispose: async () => {
      await chain.catch(() => undefined);
      await current.dispose();
    },
  };
  return self;
}
