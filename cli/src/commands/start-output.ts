import { type DevFile, devFilePath } from "../config/index.js";
import { identityFile } from "../platform/identity.js";
import type { StateSecrets } from "../platform/secrets-store.js";

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
