import { existsSync, unwatchFile, watchFile } from "node:fs";
import type { LocalPlatform } from "../platform/local.js";
import { readSecrets } from "../platform/secrets.js";

/**
 * Makes a running local platform follow its secrets file: `acr credential rotate-key` writes
 * ENCRYPTION_KEY_NEXT and then the promoted key there, and the platform swaps its Worker secrets in
 * place (same URL, same state). Returns the function that stops watching.
 *
 * @example
 * const stop = reloadOnSecretsChange(openStateSecrets(stateDir).file, platform);
 */
export function reloadOnSecretsChange(file: string, platform: Pick<LocalPlatform, "setSecrets">): () => void {
  let chain = Promise.resolve();
  // Only a real change of the secrets restarts workerd (a touch or a rewrite of the same keys does not).
  let applied = JSON.stringify(readSecrets(file));
  const onChange = () => {
    chain = chain
      .then(() => {
        // A deleted or half-replaced file is ignored: never generate a key here (that would lose credentials).
        if (!existsSync(file)) return;
        const next = readSecrets(file);
        if (JSON.stringify(next) === applied) return;
        applied = JSON.stringify(next);
        return platform.setSecrets(next);
      })
      .catch((err: unknown) => {
        // Never the file's content: only that reloading failed and why.
        console.error(`arcrun: could not reload ${file}: ${err instanceof Error ? err.message : String(err)}`);
      });
  };
  watchFile(file, { interval: 300 }, onChange);
  return () => unwatchFile(file, onChange);
}
