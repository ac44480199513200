/**
 * Live execution records for `GET /v1/tail` as a stream (SSE), in this isolate's memory.
 *
 * Each write of an execution record (`saveExecution`: the async start, heartbeats of long runs, the final
 * record) is handed to the subscribers of that tenant as the JSON text already made for KV: no extra
 * serialization, and nothing at all when nobody listens. Only `acr dev` / `acr serve` stream (one process,
 * one isolate, so every record passes through here); on Cloudflare an execution may run in another isolate,
 * and a long-lived request would add up CPU time against the 10 ms limit, so the route answers one poll.
 */
export interface TailEvent {
  /** The record as stored in KV (JSON text). */
  json: string;
  workflow: string;
  status: string;
  updated_at: string;
}

interface Subscriber {
  keyHash: string;
  workflow?: string;
  status?: string;
  queue: TailEvent[];
  /**
   * When the reader last took its queue. A live stream takes every 100 ms; a stream whose client went
   * away is no longer pulled by workerd (and its `cancel` is not always called), so it stops taking.
   */
  lastTake: number;
  dropped: boolean;
}

const subscribers = new Set<Subscriber>();
/** A stalled reader cannot hold more than this many records in memory; the oldest are dropped. */
const MAX_QUEUE = 200;
const ABANDONED_MS = 5_000;

/** Drops subscribers that stopped taking (their client is gone); their streams end if ever pulled again. */
function prune(now: number): void {
  for (const s of subscribers) {
    if (now - s.lastTake > ABANDONED_MS) {
      s.dropped = true;
      subscribers.delete(s);
    }
  }
}

/**
 * Hands one stored record to this tenant's live tails. Costs one `Set.size` check when nobody listens.
 *
 * @example
 * publishExecution(tenant.keyHash, rec, json);
 */
export function publishExecution(
  keyHash: string,
  rec: { workflow: string; status: string; updated_at: string },
  json: string,
): void {
  if (subscribers.size === 0) return;
  prune(Date.now());
  for (const s of subscribers) {
    if (s.keyHash !== keyHash) continue;
    if (s.workflow !== undefined && s.workflow !== rec.workflow) continue;
    if (s.status !== undefined && s.status !== rec.status) continue;
    s.queue.push({ json, workflow: rec.workflow, status: rec.status, updated_at: rec.updated_at });
    if (s.queue.length > MAX_QUEUE) s.queue.shift();
  }
}

/**
 * Subscribes to one tenant's records (optionally one workflow and status) until `close()`.
 *
 * @example
 * const sub = subscribeExecutions(tenant.keyHash, { workflow: "hello" });
 * const events = sub.take();
 * sub.close();
 */
export function subscribeExecutions(
  keyHash: string,
  filter: { workflow?: string; status?: string },
): { take(): TailEvent[]; dropped(): boolean; close(): void } {
  const s: Subscriber = {
    keyHash,
    workflow: filter.workflow,
    status: filter.status,
    queue: [],
    lastTake: Date.now(),
    dropped: false,
  };
  prune(s.lastTake);
  subscribers.add(s);
  return {
    take: () => {
      s.lastTake = Date.now();
      return s.queue.splice(0);
    },
    dropped: () => s.dropped,
    close: () => {
      subscribers.delete(s);
    },
  };
}

/** How many live tails this isolate serves (tests, `/metrics`). */
export function tailSubscribers(): number {
  prune(Date.now());
  return subscribers.size;
}
