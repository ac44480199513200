import type { Env } from "../env";
import { keyId } from "./envelope";

/** One platform key and its id. */
export interface PlatformKey {
  key: string;
  kid: string;
}

/**
 * The keys the platform may decrypt with: `ENCRYPTION_KEY` (current) and, during a rotation,
 * `ENCRYPTION_KEY_NEXT` (the key credentials are being moved to). See docs/credentials.md.
 */
export interface PlatformKeys {
  current: PlatformKey | null;
  next: PlatformKey | null;
}

// Key ids are cached per isolate: the secrets only change with a new deployment (a new isolate).
const kidCache = new Map<string, string>();

async function describe(key: string | undefined): Promise<PlatformKey | null> {
  if (!key?.trim()) return null;
  let kid = kidCache.get(key);
  if (!kid) {
    kid = await keyId(key);
    kidCache.set(key, kid);
  }
  return { key, kid };
}

/**
 * Reads the platform's keys and their ids from the Worker secrets.
 *
 * @example
 * const { current, next } = await platformKeys(env);
 */
export async function platformKeys(env: Env): Promise<PlatformKeys> {
  const [current, next] = await Promise.all([describe(env.ENCRYPTION_KEY), describe(env.ENCRYPTION_KEY_NEXT)]);
  return { current, next: next && current && next.kid === current.kid ? null : next };
}

/** The keys to try for an envelope: the one whose kid matches, or (no kid) current then next. */
export function keysFor(keys: PlatformKeys, kid: string | undefined): PlatformKey[] {
  const all = [keys.current, keys.next].filter((k): k is PlatformKey => k !== null);
  return kid ? all.filter((k) => k.kid === kid) : all;
}
