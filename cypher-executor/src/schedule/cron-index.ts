/**
 * The cron workflows in one KV value, `cron-index` in WEBHOOKS (`{ "keyHash:name": expr }`), so a
 * scheduler tick costs one read and no list. The `cron:{key_hash}:{name}` keys stay the truth: a deploy
 * or delete that changes a workflow's cron rebuilds the index from them (one list, one write); a
 * deployment that has none yet builds it on its first tick.
 */
import type { Env } from "../env";

/** The index's key in WEBHOOKS. */
export const CRON_INDEX = "cron-index";

let chain: Promise<unknown> = Promise.resolve();

/**
 * Every cron workflow: `[keyHash, name, expr]`.
 *
 * @example
 * for (const [keyHash, name, expr] of await cronEntries(env)) if (cronFiresAt(expr, minute)) …
 */
export async function cronEntries(env: Env): Promise<Array<[string, string, string]>> {
  const index = await env.WEBHOOKS.get<Record<string, string>>(CRON_INDEX, "json");
  return toEntries(index ?? (await rebuildCronIndex(env)));
}

/**
 * Rebuilds the index from the `cron:` keys (after a deploy or delete changed a cron). One list, one write.
 *
 * @example
 * await env.WEBHOOKS.put(cronKey(keyHash, name), expr); await rebuildCronIndex(env);
 */
export function rebuildCronIndex(env: Env): Promise<Record<string, string>> {
  // One rebuild at a time per isolate: two deploys never write an index that misses the other's cron.
  const p = chain.then(async () => {
    const index: Record<string, string> = {};
    let cursor: string | undefined;
    do {
      const res = await env.WEBHOOKS.list({ prefix: "cron:", cursor });
      await Promise.all(
        res.keys.map(async (k) => {
          const expr = await env.WEBHOOKS.get(k.name);
          if (expr) index[k.name.slice("cron:".length)] = expr;
        }),
      );
      cursor = res.list_complete ? undefined : res.cursor;
    } while (cursor);
    await env.WEBHOOKS.put(CRON_INDEX, JSON.stringify(index));
    return index;
  });
  chain = p.catch(() => undefined);
  return p;
}

function toEntries(index: Record<string, string>): Array<[string, string, string]> {
  const out: Array<[string, string, string]> = [];
  for (const [k, expr] of Object.entries(index)) {
    const at = k.indexOf(":");
    if (at > 0) out.push([k.slice(0, at), k.slice(at + 1), expr]);
  }
  return out;
}
