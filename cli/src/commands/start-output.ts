import { type DevFile, devFilePath } from "../config/index.js";
import { identityFile } from "../platform/identity.js";
import type { StateSecrets } from "../platform/secrets-store.js";
import { UserError } from "../ui/errors.js";

/**
 * The `--json` start line: the API key in full only when this start created it (printed once); later
 * starts give its prefix and the file holding it, so a service's log never keeps a usable key.
 */
export function startedJson(dev: DevFile, keyCreated: boolean, keys: StateSecrets, stateDir: string) {
  return {
    url: dev.url,
    ...(keyCreated ? { apiKey: dev.apiKey } : { apiKeyPrefix: dev.apiKey.slice(0, 8) }),
    identityFile: identityFile(stateDir),
    ns: dev.ns,
    devFile: devFilePath(),
    keyFile: keys.file,
    ...(keys.created ? { keyFileCreated: true } : {}),
    ...(keys.migratedFrom ? { keyFileMovedFrom: keys.migratedFrom } : {}),
  };
}

/** Lines telling where the platform key went, when this start created or moved it (else none). */
export function keyFileLines(keys: StateSecrets): string[] {
  if (keys.created) {
    return [`  key file ${keys.file} (created; back it up: without it stored credentials cannot be decrypted)`];
  }
  if (keys.migratedFrom) return [`  key file ${keys.file} (moved out of the state folder from ${keys.migratedFrom})`];
  return [];
}

/**
 * What a failed platform start tells the user: a busy address or a missing build as a `UserError` with its fix;
 * anything else unchanged. Shared by `acr dev` and `acr serve`, which differ only in how they name the address.
 *
 * @example
 * throw startError(err, { address: "Port 8787 on 127.0.0.1", option: "--port" });
 */
export function startError(err: unknown, busy: { address: string; option: string }): unknown {
  const msg = err instanceof Error ? err.message : String(err);
  if (/EADDRINUSE|address already in use/i.test(msg)) {
    return new UserError(`${busy.address} is already in use`, `Stop the other process or pass ${busy.option}`);
  }
  if (/not built/.test(msg)) return new UserError(msg, "Run `npm run build` in the arcrun checkout");
  return err;
}
