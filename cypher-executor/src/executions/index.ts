/**
 * Execution history: one KV value per execution in ANALYTICS_KV (summary + per-node detail), tenant
 * scoped by its key, plus the checkpoints a long or parked execution needs in EXEC_CONTEXT.
 * Key formats are in docs/storage.md.
 */
import type { Tenant } from "../auth/api-keys";
import { boundedRecordJson } from "../durability/index";
import type { ExecutionRecord, NodeRecord } from "../engine/types";
import type { Env } from "../env";
import { ApiError } from "../http/errors";
import { countKvOp } from "../observability/kv-count";
import { publishExecution } from "../observability/tail-bus";
import { noteDue } from "../schedule/index";
import { type BulkSender, groupPut, putToStore, sendBulk } from "./group-commit/index";

/** A `running` record not refreshed for this long belongs to an execution that died (crash, eviction). */
export const STALE_MS = 6_000;
/** Node checkpoints and wait entries expire on their own: no delete writes. */
const CONTEXT_TTL_S = 7 * 24 * 3600;
const MAX_TS = 9_999_999_999_999;

/**
 * A new execution id: the inverted start time (newest first in KV lists) plus randomness.
 *
 * @example
 * newExecutionId(); // "ex8235912054321a1b2c3d4"
 */
export function newExecutionId(now = Date.now()): string {
  // Strictly increasing per isolate, so executions started in the same millisecond still list in order.
  lastMs = now > lastMs ? now : lastMs + 1;
  return `ex${String(MAX_TS - lastMs).padStart(13, "0")}${randomSuffix()}`;
}
let lastMs = 0;

// 4 random bytes per id, taken from a block of 1,024 ids' worth: one `getRandomValues` call and one array
// per 1,024 executions instead of per execution (filled on first use: workers refuse randomness at start-up).
const RANDOM_BLOCK = 4_096;
let randomBlock = new Uint8Array(0);
let randomAt = 0;
function randomSuffix(): string {
  if (randomAt + 4 > randomBlock.length) {
    randomBlock = crypto.getRandomValues(new Uint8Array(RANDOM_BLOCK));
    randomAt = 0;
  }
  const b = randomBlock;
  const i = randomAt;
  randomAt += 4;
  const n =
    (b[i] as number) * 0x1000000 + ((b[i + 1] as number) << 16) + ((b[i + 2] as number) << 8) + (b[i + 3] as number);
  return n.toString(16).padStart(8, "0");
}

/** True when `id` has the shape of an execution id (checked before it goes into a KV key). */
export function isExecutionId(id: string): boolean {
  return /^ex\d{13}[0-9a-f]{8}$/.test(id);
}

/** `execution:{key_hash}:{inverted_ts}:{id}`: the seed's `execution:{timestamp}:{id}`, tenant-scoped. */
export function executionKey(keyHash: string, id: string): string {
  return `execution:${keyHash}:${id.slice(2, 15)}:${id}`;
}

/** `ctx:{execution_id}:{node_id}`: a finished node of a long-running execution. */
export function contextKey(id: string, nodeId: string): string {
  return `ctx:${id}:${nodeId}`;
}

/** `wait:{due_ms}:{key_hash}:{execution_id}` in EXEC_CONTEXT: parked executions with a due time. */
export function waitKey(dueMs: number, keyHash: string, id: string): string {
  return `wait:${String(dueMs).padStart(13, "0")}:${keyHash}:${id}`;
}

/** What a list entry carries in KV metadata (≤ 1 KiB), so listing needs no extra reads. */
export interface ExecutionSummary {
  id: string;
  workflow: string;
  status: ExecutionRecord["status"] | "interrupted";
  trigger: ExecutionRecord["trigger"];
  started_at: string;
  updated_at: string;
  duration_ms?: number;
}

interface SummaryMeta {
  w: string;
  s: ExecutionRecord["status"];
  g: ExecutionRecord["trigger"];
  t: string;
  u: string;
  d?: number;
}

/** How long a finished record is kept when `ARCRUN_HISTORY_DAYS` is not set (n8n prunes after 14). */
export const DEFAULT_HISTORY_DAYS = 30;

/**
 * Seconds a record in `status` is kept, from `ARCRUN_HISTORY_DAYS` (`0` = forever); undefined = no expiry.
 * Running and waiting records never expire: they are resumed or finished later, and then expire.
 */
export function historyTtl(env: Env, status: ExecutionRecord["status"]): number | undefined {
  if (status === "running" || status === "waiting") return undefined;
  const set = Number(env.ARCRUN_HISTORY_DAYS?.trim() || Number.NaN);
  // Unset or not a number: the default, so a typo never means "keep forever".
  const days = Number.isFinite(set) && set >= 0 ? set : DEFAULT_HISTORY_DAYS;
  return days > 0 ? Math.max(60, Math.round(days * 86_400)) : undefined;
}

/** Writes the whole record (one KV write, bounded in size); finished records expire after the retention period. */
export async function saveExecution(env: Env, tenant: Tenant, rec: ExecutionRecord): Promise<void> {
  const meta: SummaryMeta = { w: rec.workflow, s: rec.status, g: rec.trigger, t: rec.started_at, u: rec.updated_at };
  if (rec.duration_ms !== undefined) meta.d = rec.duration_ms;
  const ttl = historyTtl(env, rec.status);
  const key = executionKey(tenant.keyHash, rec.id);
  // Over one KV value's size, the largest values are cut with a marker: a record is never dropped.
  const json = boundedRecordJson(rec);
  const put = { key, value: json, metadata: meta, ...(ttl ? { expiration_ttl: ttl } : {}) };
  if (env.ANALYTICS_KV_STORE && env.ANALYTICS_KV_NAMESPACE) {
    // acr serve: straight to the store, which commits concurrent executions' records together; stored before it returns.
    countKvOp("ANALYTICS_KV", "write");
    await putToStore(env.ANALYTICS_KV_STORE, env.ANALYTICS_KV_NAMESPACE, put);
  } else if (env.ANALYTICS_KV_BULK) {
    // acr serve without the store's binding: concurrent executions' records share one call to the front worker.
    countKvOp("ANALYTICS_KV", "write");
    await groupPut(bulkSender(env.ANALYTICS_KV_BULK), put);
  } else {
    await env.ANALYTICS_KV.put(key, json, { metadata: meta, ...(ttl ? { expirationTtl: ttl } : {}) });
  }
  // Live tails (`acr tail` on acr dev / serve) get what was stored, as it was stored.
  publishExecution(tenant.keyHash, { workflow: meta.w, status: meta.s, updated_at: meta.u }, json);
}

let bulk: { fetcher: Fetcher; send: BulkSender } | undefined;
function bulkSender(fetcher: Fetcher): BulkSender {
  if (bulk?.fetcher !== fetcher) bulk = { fetcher, send: sendBulk(fetcher) };
  return bulk.send;
}

/** Reads a record of this tenant; another tenant's id simply is not found. */
export async function loadExecution(env: Env, tenant: Tenant, id: string): Promise<ExecutionRecord | null> {
  if (!isExecutionId(id)) return null;
  return env.ANALYTICS_KV.get<ExecutionRecord>(executionKey(tenant.keyHash, id), "json");
}

/** `running` whose heartbeat stopped is reported as `interrupted` (resumable). */
export function effectiveStatus(
  status: ExecutionRecord["status"],
  updatedAt: string,
  now = Date.now(),
): ExecutionSummary["status"] {
  return status === "running" && now - Date.parse(updatedAt) > STALE_MS ? "interrupted" : status;
}

/**
 * Lists this tenant's executions, newest first, filtered by workflow and status.
 *
 * @example
 * const page = await listExecutions(env, tenant, { workflow: "hello", limit: 20 });
 */
export async function listExecutions(
  env: Env,
  tenant: Tenant,
  q: { workflow?: string; status?: string; limit?: number; cursor?: string },
): Promise<{ executions: ExecutionSummary[]; cursor: string | null }> {
  const limit = Math.min(Math.max(q.limit ?? 20, 1), 200);
  const out: ExecutionSummary[] = [];
  let cursor = q.cursor || undefined;
  // KV can only continue from its own cursor, so whole pages are read: a filtered page may hold a few
  // more than `limit` entries, and none is ever skipped between pages.
  for (let page = 0; page < 20 && out.length < limit; page++) {
    const prefix = `execution:${tenant.keyHash}:`;
    const res = await env.ANALYTICS_KV.list<SummaryMeta>({ prefix, limit, cursor }).catch((err: unknown) => {
      // Only a cursor the caller made up can make a list fail on its first page: that is a 400.
      if (page === 0 && q.cursor)
        throw new ApiError(400, "INVALID_CURSOR", "cursor is not one this API returned", { field: "cursor" });
      throw err;
    });
    for (const k of res.keys) {
      const m = k.metadata;
      if (!m) continue;
      const s: ExecutionSummary = {
        id: k.name.slice(k.name.lastIndexOf(":") + 1),
        workflow: m.w,
        status: effectiveStatus(m.s, m.u),
        trigger: m.g,
        started_at: m.t,
        updated_at: m.u,
        ...(m.d !== undefined ? { duration_ms: m.d } : {}),
      };
      if (q.workflow && s.workflow !== q.workflow) continue;
      if (q.status && s.status !== q.status) continue;
      out.push(s);
    }
    cursor = res.list_complete ? undefined : res.cursor;
    if (!cursor) break;
  }
  return { executions: out, cursor: cursor ?? null };
}

/** Writes one node checkpoint (long executions only). */
export async function saveNodeContext(env: Env, id: string, nodeId: string, rec: NodeRecord): Promise<void> {
  await env.EXEC_CONTEXT.put(contextKey(id, nodeId), JSON.stringify(rec), { expirationTtl: CONTEXT_TTL_S });
}

/** Reads every node checkpoint of an execution. */
export async function loadNodeContexts(env: Env, id: string): Promise<Record<string, NodeRecord>> {
  const out: Record<string, NodeRecord> = {};
  const prefix = `ctx:${id}:`;
  let cursor: string | undefined;
  do {
    const res = await env.EXEC_CONTEXT.list({ prefix, cursor });
    await Promise.all(
      res.keys.map(async (k) => {
        const rec = await env.EXEC_CONTEXT.get<NodeRecord>(k.name, "json");
        if (rec) out[k.name.slice(prefix.length)] = rec;
      }),
    );
    cursor = res.list_complete ? undefined : res.cursor;
  } while (cursor);
  return out;
}

/** Indexes a parked execution under its due time, for the scheduled handler. */
export async function saveWait(env: Env, dueMs: number, keyHash: string, id: string): Promise<void> {
  await env.EXEC_CONTEXT.put(waitKey(dueMs, keyHash, id), "", { expirationTtl: CONTEXT_TTL_S });
  // The scheduler lists `wait:` only when its marker is due (src/schedule): make sure it is, by this entry's due.
  await noteDue(env, dueMs);
}

/** Due waits (oldest first), at most `limit`. */
export async function dueWaits(
  env: Env,
  now: number,
  limit = 100,
): Promise<Array<{ key: string; keyHash: string; id: string }>> {
  const res = await env.EXEC_CONTEXT.list({ prefix: "wait:", limit });
  const out: Array<{ key: string; keyHash: string; id: string }> = [];
  for (const k of res.keys) {
    const [, due, keyHash, id] = k.name.split(":");
    if (!due || !keyHash || !id || Number(due) > now) break;
    out.push({ key: k.name, keyHash, id });
  }
  return out;
}
