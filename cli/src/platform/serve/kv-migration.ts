import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "miniflare";
import { KV_BINDINGS } from "../local.js";
import type { LocalSecrets } from "../secrets.js";
import { EXECUTOR_SERVICE, miniflareKv } from "./config.js";
import { startServePlatform } from "./index.js";

/** Written into `{state}/kv-serve` once every key of `{state}/kv` is copied; its absence means "copy again". */
export const MIGRATED_MARKER = "migrated-from-kv.json";
/** Written before the copy starts: a copy cut short (Ctrl-C, crash) is redone at the next start. */
const STARTED_MARKER = "migrating-from-kv";

export interface KvMigration {
  /** Keys copied, by namespace binding (`WEBHOOKS`, …). */
  copied: Record<string, number>;
  /** Keys that expire within the next minute: not copied (Cloudflare's shortest TTL is 60 s). */
  expiring: number;
}

/**
 * Copies the KV data `acr dev` stored on Miniflare (`{state}/kv`) into serve's store (`{state}/kv-serve`), once:
 * `acr dev` now runs on serve's engine, and a state folder from before must keep every workflow, key, credential
 * and execution. Values, metadata and expirations are copied through the KV bindings of both stores (no file
 * format is parsed here); `{state}/kv` itself is left as it was. Returns `null` when there is nothing to do.
 *
 * @example
 * const done = await migrateDevKv(".arcrun/state", secrets);
 * if (done) console.log(`copied ${Object.values(done.copied).reduce((a, b) => a + b, 0)} keys`);
 */
export async function migrateDevKv(stateDir: string, secrets: LocalSecrets): Promise<KvMigration | null> {
  const from = join(stateDir, "kv");
  const to = join(stateDir, "kv-serve");
  if (!existsSync(from) || readdirSync(from).length === 0) return null;
  // A kv-serve folder without the "started" marker was written by serve itself: never overwrite it.
  if (existsSync(to) && (existsSync(join(to, MIGRATED_MARKER)) || !existsSync(join(to, STARTED_MARKER)))) return null;
  // Both stores must be opened by one workerd: the executor's place is taken by the copier, bound to both.
  const old = await miniflareKv(stateDir);
  const withCopier = (config: Config): Config => {
    const services = (config.services ?? []).map((s) => {
      if (s.name !== EXECUTOR_SERVICE || !("worker" in s) || !s.worker) return s;
      const own = (s.worker.bindings ?? []).filter((b) => KV_BINDINGS.includes(b.name as (typeof KV_BINDINGS)[number]));
      return {
        ...s,
        worker: {
          modules: [{ name: "copy.mjs", esModule: COPIER_SCRIPT }],
          compatibilityDate: "2026-04-01",
          bindings: [
            { name: "BINDINGS", json: JSON.stringify(KV_BINDINGS) },
            ...own.map((b) => ({ ...b, name: `TO_${b.name}` })),
            ...old.bindings.map((b) => ({ ...b, name: `FROM_${b.name}` })),
          ],
        },
      };
    });
    return { ...config, services: [...services, ...old.services] };
  };
  rmSync(to, { recursive: true, force: true });
  mkdirSync(to, { recursive: true });
  writeFileSync(join(to, STARTED_MARKER), "");
  const copier = await startServePlatform({ stateDir, secrets, address: "127.0.0.1:0", transformConfig: withCopier });
  let result: KvMigration;
  try {
    const r = await fetch(`${copier.url}/copy`, { method: "POST" });
    const body = (await r.json()) as KvMigration | { error: string };
    if (!r.ok || "error" in body) {
      throw new Error(`could not copy ${from} into ${to}: ${"error" in body ? body.error : `HTTP ${r.status}`}`);
    }
    result = body;
  } finally {
    await copier.dispose();
  }
  writeFileSync(join(to, MIGRATED_MARKER), `${JSON.stringify({ from, at: new Date().toISOString(), ...result })}\n`);
  rmSync(join(to, STARTED_MARKER), { force: true });
  return result;
}

// Runs inside workerd. Lists every key of each old namespace (pages of 1,000), reads value + metadata as
// bytes, writes them to the new namespace with the key's expiration; 32 keys at a time.
const COPIER_SCRIPT = `
export default {
  async fetch(request, env) {
    const copied = {};
    let expiring = 0;
    try {
      for (const b of env.BINDINGS) {
        const from = env["FROM_" + b], to = env["TO_" + b];
        let cursor, n = 0;
        do {
          const page = await from.list({ cursor, limit: 1000 });
          for (let i = 0; i < page.keys.length; i += 32) {
            await Promise.all(page.keys.slice(i, i + 32).map(async (k) => {
              const { value, metadata } = await from.getWithMetadata(k.name, "arrayBuffer");
              if (value === null) return;
              const options = metadata === null || metadata === undefined ? {} : { metadata };
              if (k.expiration !== undefined) {
                if (k.expiration <= Date.now() / 1000 + 60) { expiring++; return; }
                options.expiration = k.expiration;
              }
              await to.put(k.name, value, options);
              n++;
            }));
          }
          cursor = page.list_complete ? undefined : page.cursor;
        } while (cursor);
        copied[b] = n;
      }
      return Response.json({ copied, expiring });
    } catch (err) {
      return Response.json({ error: String(err && err.message || err) }, { status: 500 });
    }
  },
  async scheduled() {},
};`;
