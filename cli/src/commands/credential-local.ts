import { unwatchFile, watchFile } from "node:fs";
import type { LocalPlatform } from "../platform/local.js";
import { loadOrCreateSecrets } from "../platform/secrets.js";

/**
 * Makes a running local platform follow its secrets file: `acr credential rotate-key` writes
 * ENCRYPTION_KEY_NEXT and then the promoted key there, and the platform swaps its Worker secrets in
 * place (same URL, same state). Returns the function that stops watching.
 *
 * @example
 * const stop = reloadOnSecretsChange(join(stateDir, "secrets.json"), platform);
 */
export function reloadOnSecretsChange(file: string, platform: Pick<LocalPlatform, "setSecrets">): () => void {
  let chain = Promise.resolve();
  const onChange = () => {
    chain = chain
      .then(() => platform.setSecrets(loadOrCreateSecrets(file)))
      .catch((err: unknown) => {
        // Never the file's content: only that reloading failed and why.
        console.error(`arcrun: could not reload ${file}: ${err instanceof Error ? err.message : String(err)}`);
      });
  };
  watchFile(file, { interval: 300 }, onChange);
  return () => unwatchFile(file, onChange);
}
