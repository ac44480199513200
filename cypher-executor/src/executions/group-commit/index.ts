/**
 * Group commit of execution records (acr serve): records written by concurrent executions of this
 * isolate go to the store together, one call per batch instead of one KV request per execution, and
 * each execution still answers only after its own record is stored (durable before the 2xx).
 * acr serve's default path is {@link putToStore} (one RPC per record straight to the store, which commits
 * concurrent records together itself); these batches go to the front worker's `POST /bulk/put` when the
 * store is not bound.
 *
 * The batch is adaptive, with no timer: a record written while no batch is on its way leaves at once
 * (alone); records written while one is on its way wait for it to land and then leave together. So at
 * low load nothing waits, and under load the number of store calls follows the store's round trips,
 * not the executions.
 *
 * No record depends on one other request staying alive. workerd ties I/O to the request that started
 * it, and a request whose client went away stops running: a batch sent "by its first member" stalled
 * every later record whenever that member's client hung up (seen as a collapse from ~1,000 to ~150
 * exec/s after a load run ended, and "Cannot perform I/O on behalf of a different request" errors). So:
 * - every member of the waiting batch offers to send it when the flight before lands; the first whose
 *   continuation runs sends it, in its own request;
 * - a member whose batch never left within FALLBACK_MS (its sender is gone), or failed, stores its own
 *   record directly, in its own request; one whose batch left waits for it (up to STUCK_MS), so a late
 *   batch can never land over a newer write of the same key.
 * See docs/adr/0003 and docs/performance.md.
 */

/** One record to store: what `KVNamespace.put` takes, as plain JSON. */
export interface BulkPut {
  key: string;
  value: string;
  metadata?: unknown;
  expiration_ttl?: number;
}

/** Per put, `null` when stored or why it was refused (the others of its batch are stored regardless). */
export type BulkResult = null | { status: number; message: string };

/** Sends puts in one call; answers one result per put, in order. */
export type BulkSender = (puts: BulkPut[]) => Promise<BulkResult[]>;

/** Puts per store call (SQLite-backed storage takes 128 keys per call; larger batches are split). */
const MAX_PUTS_PER_CALL = 128;
/**
 * A member waits this long for its batch before storing its record itself; a flight or batch older than
 * this is forgotten (its sender is gone), so later records never queue behind it.
 */
export const FALLBACK_MS = 2_000;
/** A member whose batch left but has not landed gives up after this long (the caller answers 503). */
export const STUCK_MS = 10_000;

interface Member {
  put: BulkPut;
  /** Why it was not stored; undefined once stored. */
  error?: Error;
}

/**
 * A member's state before its batch answers. Shared: an `Error` per record captured a stack trace per
 * execution (~10% of the executor's CPU under load, docs/performance.md "The record's cost"), and this
 * one is never thrown, only compared.
 */
const NO_ANSWER = new Error("No answer");

interface Batch {
  members: Member[];
  since: number;
  /** Set by the member that sends it. */
  sending: boolean;
  /** Set once every store call of it has answered. */
  landed: boolean;
  /** Settles when the batch has landed (or failed); made when the batch is formed. */
  done: Promise<void>;
  finish: () => void;
}

/** Counters for tests and benchmarks (per isolate). */
export const groupCommitStats = { calls: 0, puts: 0, largest: 0, stuck: 0, fallbacks: 0 };

/** The batch on its way. */
let flight: Batch | null = null;
/** The next batch, gathering members while the flight is in the air. */
let waiting: Batch | null = null;

function newBatch(member: Member): Batch {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return { members: [member], since: Date.now(), sending: false, landed: false, done, finish };
}

/**
 * Stores one record through `send`, together with the records of concurrent callers; resolves once it
 * is stored, rejects if it could not be stored (not by the batch, nor alone).
 *
 * @example
 * await groupPut(sendBulk(env.ANALYTICS_KV_BULK), { key, value, metadata, expiration_ttl: 2_592_000 });
 */
export async function groupPut(send: BulkSender, put: BulkPut): Promise<void> {
  const member: Member = { put, error: NO_ANSWER };
  unstick(Date.now());
  let batch = waiting;
  if (batch) {
    batch.members.push(member);
  } else if (!flight) {
    batch = newBatch(member);
    fly(batch, send);
  } else {
    batch = newBatch(member);
    waiting = batch;
  }
  if (!batch.sending) {
    // Offer to send it once the flight before lands: whichever member gets there first, in its own request.
    const own = batch;
    const before = flight;
    const offer = () => {
      if (waiting === own) waiting = null;
      if (!own.sending) fly(own, send);
    };
    if (before && before !== own) before.done.then(offer);
    else offer();
  }
  await landedWithin(batch, FALLBACK_MS);
  // A batch on its way may still land (and must not land after a newer write of the key): wait for it.
  if (batch.sending && !batch.landed) await landedWithin(batch, STUCK_MS - FALLBACK_MS);
  if (!member.error) return;
  if (batch.sending && !batch.landed) throw new Error("The execution record was not stored in time");
  // The batch failed, or never left (its sender is gone): this record alone, from this request.
  groupCommitStats.fallbacks++;
  const [result] = await send([put]);
  if (result !== null) {
    throw new Error(
      result ? `The history store refused the record (${result.status}): ${result.message}` : "No answer",
    );
  }
}

async function landedWithin(batch: Batch, ms: number): Promise<void> {
  if (batch.landed) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([batch.done, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A flight or batch older than FALLBACK_MS belongs to a request that is gone: later records go around it. */
function unstick(now: number): void {
  if (flight && now - flight.since > FALLBACK_MS) {
    groupCommitStats.stuck++;
    flight = null;
  }
  if (waiting && now - waiting.since > FALLBACK_MS) {
    groupCommitStats.stuck++;
    waiting = null;
  }
}

/** Sends the batch from the calling request and marks each member stored or failed. */
function fly(batch: Batch, send: BulkSender): void {
  batch.sending = true;
  batch.since = Date.now();
  flight = batch;
  const { members } = batch;
  groupCommitStats.calls++;
  groupCommitStats.puts += members.length;
  if (members.length > groupCommitStats.largest) groupCommitStats.largest = members.length;
  const calls: Promise<void>[] = [];
  for (let i = 0; i < members.length; i += MAX_PUTS_PER_CALL) {
    const chunk = members.slice(i, i + MAX_PUTS_PER_CALL);
    calls.push(
      send(chunk.map((m) => m.put)).then(
        (results) => settle(chunk, results),
        (err: unknown) => {
          const e = err instanceof Error ? err : new Error(String(err));
          for (const m of chunk) m.error = e;
        },
      ),
    );
  }
  void Promise.all(calls).then(() => {
    if (flight === batch) flight = null;
    batch.landed = true;
    batch.finish();
  });
}

function settle(members: Member[], results: BulkResult[]): void {
  for (const [i, m] of members.entries()) {
    const r = results[i];
    m.error =
      r === null
        ? undefined
        : new Error(r ? `The history store refused the record (${r.status}): ${r.message}` : "No answer");
  }
}

/**
 * The sender for acr serve's KV service (`POST /bulk/put` on the namespace's front worker).
 *
 * @example
 * const send = sendBulk(env.ANALYTICS_KV_BULK);
 */
export function sendBulk(fetcher: Fetcher): BulkSender {
  return async (puts) => {
    const res = await fetcher.fetch("http://kv/bulk/put", { method: "POST", body: JSON.stringify(puts) });
    if (!res.ok) throw new Error(`The history store answered ${res.status}: ${await res.text()}`);
    const body = (await res.json()) as { results?: BulkResult[] };
    if (!Array.isArray(body.results) || body.results.length !== puts.length) {
      throw new Error("The history store answered without one result per record");
    }
    return body.results;
  };
}

/** What the executor calls on acr serve's KV store (`KvStore.putRecords` in cli/src/platform/serve/kv-worker.ts). */
interface RecordStore {
  putRecords(puts: BulkPut[]): Promise<BulkResult[]>;
}

let storeId: { namespace: DurableObjectNamespace; name: string; id: DurableObjectId } | undefined;

/**
 * Stores one record straight in acr serve's KV store (its Durable Object, over RPC) and resolves once it is on
 * disk. No batching here: the store commits the records that reach it together in one transaction (its own
 * group commit), and each call belongs to its own request, so no record waits on another request (measured
 * cheaper than batching in the executor: docs/performance.md "The record's cost").
 *
 * @example
 * await putToStore(env.ANALYTICS_KV_STORE, env.ANALYTICS_KV_NAMESPACE, { key, value, metadata });
 */
export async function putToStore(namespace: DurableObjectNamespace, name: string, put: BulkPut): Promise<void> {
  if (storeId?.namespace !== namespace || storeId.name !== name) {
    storeId = { namespace, name, id: namespace.idFromName(name) };
  }
  // A stub belongs to the request that made it (workerd refuses I/O across requests): one per call.
  const store = namespace.get(storeId.id) as unknown as RecordStore;
  const results = await store.putRecords([put]);
  const result = Array.isArray(results) ? results[0] : undefined;
  if (result === null) return;
  throw new Error(result ? `The history store refused the record (${result.status}): ${result.message}` : "No answer");
}
