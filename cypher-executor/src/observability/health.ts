import type { Env } from "../env";

/** Storage as `/health` reports it: each store "ok" or what failed (no data, no keys). */
export interface StorageHealth {
  kv: string;
  r2: string;
}

/**
 * Reads one KV key and heads one R2 object (both absent; one KV read and one R2 class-B operation).
 *
 * @example
 * const s = await checkStorage(env); // { kv: "ok", r2: "ok" }
 */
export async function checkStorage(env: Env): Promise<StorageHealth> {
  const probe = async (f: () => Promise<unknown>) => {
    try {
      await f();
      return "ok";
    } catch (err) {
      return `error: ${err instanceof Error ? err.message.slice(0, 200) : "unreachable"}`;
    }
  };
  const [kv, r2] = await Promise.all([
    probe(() => env.USERS_KV.get("health:probe")),
    probe(() => (env.WASM_BUCKET ? env.WASM_BUCKET.head("health-probe") : Promise.resolve(null))),
  ]);
  return { kv, r2 };
}
