/**
 * Group commit of execution records (acr serve): records written by concurrent executions of this
 * isolate go to the store together, one call per batch instead of one KV request per execution, and
 * each execution still answers only after its own record is stored (durable before the 2xx).
 *
 * The batch is adaptive, with no timer: a record written while fewer than `inFlight` batches are on their
 * way leaves at once (alone); records written while that many are on their way wait for the first of them
 * to land and then leave together. So at low load nothing waits, and under load the number of store calls
 * follows the store's round trips, not the executions. More than one batch in flight keeps the store fed
 * while it commits one, but makes batches smaller (more calls, more CPU per record): see DEFAULT_IN_FLIGHT.
 *
 * workerd ties every I/O to the request that started it: a batch is sent by one of its own members
 * (the first), and each member awaits a promise created in its own request, settled by the sender
 * (workerd runs the continuation in the member's request). See docs/adr/0003 and docs/performance.md.
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
 * A member waits at most this long for its batch: then it fails (the caller's retry writes again) and a
 * batch that never left (its sender's request was cancelled) is given up, so the queue cannot stay stuck.
 */
export const STUCK_MS = 10_000;

interface Member {
  put: BulkPut;
  resolve: () => void;
  reject: (err: Error) => void;
  settled: boolean;
}

interface Waiting {
  members: Member[];
  /** Lets the waiting batch's sender go with its place among the flights (called from the request whose batch just landed). */
  go?: (flight: Flight) => void;
  since: number;
}

/** A batch on its way (its place is taken before it leaves, so no other batch can take it meanwhile). */
interface Flight {
  since: number;
}

/**
 * Batches on their way at once, unless the caller says otherwise. Measured on 2 shared cores (docs/performance.md
 * "Round 2"): once the store commits at once when idle, 2 or 3 in flight cost ~15% more CPU per execution than 1
 * and gained no throughput, so 1 (`ARCRUN_HISTORY_BATCHES_IN_FLIGHT` on acr serve raises it).
 */
export const DEFAULT_IN_FLIGHT = 1;
/** The most batches in flight a caller may ask for. */
export const MAX_IN_FLIGHT = 8;

/** Counters for tests and benchmarks (per isolate). */
export const groupCommitStats = { calls: 0, puts: 0, largest: 0, stuck: 0, peakInFlight: 0 };

/** Start times of the batches on their way. */
const flights = new Set<Flight>();
let waiting: Waiting | null = null;

/**
 * Stores one record through `send`, together with the records of concurrent callers; resolves once it
 * is stored, rejects if it was refused or its batch failed.
 *
 * @example
 * await groupPut(sendBulk(env.ANALYTICS_KV_BULK), { key, value, metadata, expiration_ttl: 2_592_000 });
 */
export function groupPut(send: BulkSender, put: BulkPut, inFlight = DEFAULT_IN_FLIGHT): Promise<void> {
  let member!: Member;
  const done = new Promise<void>((resolve, reject) => {
    member = { put, resolve, reject, settled: false };
  });
  const now = Date.now();
  unstick(now);
  if (waiting) {
    waiting.members.push(member);
  } else if (flights.size < inFlight) {
    void fly([member], send, takeFlight(now));
  } else {
    // First of the next batch: it sends the batch once one on its way lands. Its `turn` is created
    // here, in this request, so the continuation runs here even though another request resolves it.
    const batch: Waiting = { members: [member], since: now };
    waiting = batch;
    new Promise<Flight>((go) => {
      batch.go = go;
    }).then((flight) => {
      if (waiting === batch) waiting = null;
      return fly(batch.members, send, flight);
    });
  }
  // The member's own deadline (also a pending event of its request while it waits on another's I/O).
  const timer = setTimeout(() => fail(member, new Error("The execution record was not stored in time")), STUCK_MS);
  return done.finally(() => clearTimeout(timer));
}

/** A batch on its way or waiting for longer than STUCK_MS belongs to a request that is gone. */
function unstick(now: number): void {
  for (const f of flights) {
    if (now - f.since > STUCK_MS) {
      groupCommitStats.stuck++;
      flights.delete(f);
    }
  }
  if (waiting && now - waiting.since > STUCK_MS) {
    groupCommitStats.stuck++;
    for (const m of waiting.members) fail(m, new Error("The execution record's batch never left"));
    waiting = null;
  }
}

function takeFlight(now: number): Flight {
  const flight = { since: now };
  flights.add(flight);
  if (flights.size > groupCommitStats.peakInFlight) groupCommitStats.peakInFlight = flights.size;
  return flight;
}

async function fly(members: Member[], send: BulkSender, flight: Flight): Promise<void> {
  groupCommitStats.calls++;
  groupCommitStats.puts += members.length;
  if (members.length > groupCommitStats.largest) groupCommitStats.largest = members.length;
  try {
    const calls: Promise<void>[] = [];
    for (let i = 0; i < members.length; i += MAX_PUTS_PER_CALL) {
      const chunk = members.slice(i, i + MAX_PUTS_PER_CALL);
      calls.push(send(chunk.map((m) => m.put)).then((results) => settle(chunk, results)));
    }
    await Promise.all(calls);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    for (const m of members) fail(m, e);
  } finally {
    flights.delete(flight);
    const next = waiting;
    if (next?.go) {
      // Taken now: later records start the batch after it (they must not join one already leaving), and
      // its place among the flights is taken now, before its sender's request runs again.
      waiting = null;
      next.go(takeFlight(Date.now()));
    }
  }
}

function settle(members: Member[], results: BulkResult[]): void {
  for (const [i, m] of members.entries()) {
    const r = results[i];
    if (r === null) {
      if (!m.settled) {
        m.settled = true;
        m.resolve();
      }
    } else {
      fail(m, new Error(r ? `The history store refused the record (${r.status}): ${r.message}` : "No answer"));
    }
  }
}

function fail(m: Member, err: Error): void {
  if (m.settled) return;
  m.settled = true;
  m.reject(err);
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
