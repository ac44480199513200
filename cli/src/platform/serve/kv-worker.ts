/**
 * The KV service of `acr serve`, as the source of a workerd module (it runs inside workerd, not in Node).
 *
 * workerd has no KV of its own: a `kvNamespace` binding speaks a small HTTP protocol to a service
 * (`GET /{key}`, `PUT /{key}?expiration=…&expiration_ttl=…` with `CF-KV-Metadata`, `DELETE /{key}`,
 * `GET /?prefix=…&key_count_limit=…&cursor=…`, `POST /bulk/get`). Each namespace gets one front worker
 * (one isolate, so its in-memory cache sees every write of that namespace and stays exact) in front of a
 * SQLite-backed Durable Object on local disk. Writes are group-committed: a write to an idle store is committed
 * at once, writes that arrive together or during a commit share the next transaction (within a 2 ms window
 * under load), and each writer is answered only after its commit (durable on 200).
 * Every namespace, execution history included, is durable on 200: the executor answers an execution only
 * after its record's write returned, so concurrent executions share one commit per window. Execution
 * records go straight to the store (`KvStore.putRecords` over RPC, binding ANALYTICS_KV_STORE, one call per
 * record), so ANALYTICS_KV's front worker never caches `execution:` keys (UNCACHED_PREFIX); without that
 * binding the executor batches them into `POST /bulk/put` on the front worker (binding ANALYTICS_KV_BULK).
 * See docs/adr/0003-acr-serve-on-plain-workerd.md for the measurements behind this design.
 */
export const KV_WORKER_SCRIPT = `
import { DurableObject } from "cloudflare:workers";

const MAX_KEY_BYTES = 512;
const MAX_METADATA_BYTES = 1024;
// SQLite-backed Durable Object values are limited to 2 MB; Cloudflare KV allows 25 MiB.
const MAX_VALUE_BYTES = 2 * 1024 * 1024 - 1024;
const MIN_TTL = 60;
const MAX_LIST = 1000;
// Group commit (docs/performance.md "Round 2"): writes reaching an idle store are committed IDLE_MS later (0: the
// next turn, so writes already queued join); BUSY_PUTS or more at once mean the writers are saturated, and they
// wait BATCH_MS so the next batches grow (less CPU per write); writes arriving while a commit is on its way are
// committed BATCH_MS after it lands. Measured (3-node workflow, 2 shared cores): always waiting 2 ms cost 2.5x
// the throughput at 1 connection; never waiting cost CPU at 64.
const IDLE_MS = 0;
const BATCH_MS = 2;
const BUSY_PUTS = 24;
const CACHE_ENTRIES = 20000;
// Expired entries are deleted from disk by a sweep every SWEEP_MS (the store's \`env.SWEEP_MS\` overrides it), at
// most SWEEP_KEYS per run (again after 1 s while more are due): without it a key nobody reads again (an execution
// record past its retention) stayed on disk for good.
const SWEEP_MS = 60_000;
const SWEEP_KEYS = 5000;
const CACHE_VALUE_BYTES = 64 * 1024;
const encoder = new TextEncoder();

class KvError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

const nowSec = () => Math.floor(Date.now() / 1000);
// List cursors are the last key returned, base64 of its UTF-8 bytes (keys may be any Unicode).
const toCursor = (key) => btoa(String.fromCharCode(...encoder.encode(key)));
const fromCursor = (cursor) => new TextDecoder().decode(Uint8Array.from(atob(cursor), (c) => c.charCodeAt(0)));
const expired = (e) => e !== null && e.expiration !== undefined && e.expiration <= nowSec();

function rawKeyOf(url) {
  const raw = url.pathname.slice(1);
  if (url.searchParams.get("urlencoded")?.toLowerCase() !== "true") return raw;
  try { return decodeURIComponent(raw); } catch { throw new KvError(400, "Could not URL-decode key name"); }
}

function keyOf(url) {
  const key = rawKeyOf(url);
  checkKey(key);
  return key;
}

// A stub belongs to the request that made it (workerd refuses I/O across requests): one per request, made
// only when the request needs the store.
const storeOf = (env) => env.STORE.get(env.STORE.idFromName(env.NAMESPACE));

function checkKey(key) {
  if (key === "") throw new KvError(400, "Key names must not be empty");
  if (key === "." || key === "..") throw new KvError(400, 'Illegal key name "' + key + '". Please use a different name.');
  const n = encoder.encode(key).byteLength;
  if (n > MAX_KEY_BYTES) throw new KvError(414, "UTF-8 encoded length of " + n + " exceeds key length limit of " + MAX_KEY_BYTES + ".");
}

function expirationOf(url) {
  return expirationFrom(url.searchParams.get("expiration_ttl"), url.searchParams.get("expiration"));
}

function expirationFrom(ttl, at) {
  const now = nowSec();
  if (ttl !== null) {
    const t = Number.parseInt(ttl, 10);
    if (!(t > 0)) throw new KvError(400, "Invalid expiration_ttl of " + ttl + ". Please specify integer greater than 0.");
    if (t < MIN_TTL) throw new KvError(400, "Invalid expiration_ttl of " + ttl + ". Expiration TTL must be at least " + MIN_TTL + ".");
    return now + t;
  }
  if (at !== null) {
    const e = Number.parseInt(at, 10);
    if (!(e > now)) throw new KvError(400, "Invalid expiration of " + at + ". Please specify integer greater than the current number of seconds since the UNIX epoch.");
    if (e < now + MIN_TTL) throw new KvError(400, "Invalid expiration of " + at + ". Expiration times must be at least " + MIN_TTL + " seconds in the future.");
    return e;
  }
  return undefined;
}

/**
 * Per-isolate cache of this namespace: exact, because every write of the namespace passes here, except
 * keys under the namespace's UNCACHED_PREFIX (ANALYTICS_KV's \`execution:\` records, which the executor
 * writes straight to the store: KvStore.putRecords): those are never cached, every read asks the store.
 */
const cache = new Map();
let uncachedPrefix;
function remember(key, entry) {
  cache.delete(key);
  if (uncachedPrefix && key.startsWith(uncachedPrefix)) return;
  if (entry !== null && entry.value.byteLength > CACHE_VALUE_BYTES) return;
  cache.set(key, entry);
  if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value);
}

// Bumped before every write: a read that overlapped a write never fills the cache (it may carry the old value).
let writeSeq = 0;

async function lookup(store, key) {
  let entry = cache.get(key);
  if (entry === undefined) {
    const seq = writeSeq;
    entry = await store.read(key);
    if (seq === writeSeq) remember(key, entry);
  }
  return expired(entry) ? null : entry;
}

function decodeValue(entry, type) {
  const text = new TextDecoder().decode(entry.value);
  if (type !== "json") return text;
  try { return JSON.parse(text); } catch { throw new KvError(400, "At least one of the requested keys corresponds to a non-json value"); }
}

/** A PUT's value, expiration and metadata, checked against KV's limits. */
async function readEntry(request, url) {
  const expiration = expirationOf(url);
  const metadata = request.headers.get("CF-KV-Metadata") ?? undefined;
  if (metadata !== undefined) {
    const n = encoder.encode(metadata).byteLength;
    if (n > MAX_METADATA_BYTES) throw new KvError(413, "Metadata length of " + n + " exceeds limit of " + MAX_METADATA_BYTES + ".");
  }
  const value = await request.arrayBuffer();
  if (value.byteLength > MAX_VALUE_BYTES) throw new KvError(413, "Value length of " + value.byteLength + " exceeds acr serve's limit of " + MAX_VALUE_BYTES + ".");
  return { value, expiration, metadata };
}

async function handle(request, env) {
  const url = new URL(request.url);
  if (request.method === "GET" && url.pathname !== "/") {
    // A cached key was validated when it entered the cache: the hot path skips the checks and the store.
    const raw = rawKeyOf(url);
    const hit = cache.get(raw);
    const entry = hit !== undefined ? (expired(hit) ? null : hit) : await lookup(storeOf(env), keyOf(url));
    if (entry === null) return new Response("Not Found", { status: 404 });
    const headers = new Headers();
    if (entry.expiration !== undefined) headers.set("CF-Expiration", String(entry.expiration));
    if (entry.metadata !== undefined) headers.set("CF-KV-Metadata", entry.metadata);
    return new Response(entry.value, { headers });
  }
  const store = storeOf(env);
  if (request.method === "GET" && url.pathname === "/") {
    const limitParam = url.searchParams.get("key_count_limit");
    const limit = limitParam === null ? MAX_LIST : Number.parseInt(limitParam, 10);
    if (!(limit >= 1) || limit > MAX_LIST) throw new KvError(400, "Invalid key_count_limit of " + limitParam + ". Please specify an integer between 1 and " + MAX_LIST + ".");
    const prefix = url.searchParams.get("prefix") ?? undefined;
    const cursor = url.searchParams.get("cursor") ?? undefined;
    return Response.json(await store.list(prefix, limit, cursor));
  }
  if (request.method === "POST" && url.pathname === "/bulk/get") {
    const body = await request.json();
    const keys = Array.isArray(body?.keys) ? body.keys : [];
    if (keys.length < 1 || keys.length > 100) throw new KvError(400, "You can request between 1 and 100 keys");
    if (body.type && body.type !== "text" && body.type !== "json") throw new KvError(400, '"' + body.type + '" is not a valid type. Use "json" or "text"');
    const out = {};
    for (const key of keys) {
      checkKey(key);
      const entry = await lookup(store, key);
      const value = entry === null ? null : decodeValue(entry, body.type);
      out[key] = body.withMetadata && entry !== null
        ? { value, metadata: entry.metadata === undefined ? null : JSON.parse(entry.metadata) }
        : value;
    }
    return Response.json(out);
  }
  if (request.method === "POST" && url.pathname === "/bulk/put") return bulkPut(request, store);
  if (request.method === "PUT") {
    const key = keyOf(url);
    const entry = await readEntry(request, url);
    writeSeq++;
    cache.delete(key);
    await store.write(key, entry);
    // Invalidate, not fill: write-mostly keys (execution records) would otherwise fill the cache; the
    // next read fetches the committed value. Deleted again after the commit, in case a read that the
    // store answered just before this write came back in between.
    cache.delete(key);
    return new Response(null);
  }
  if (request.method === "DELETE") {
    const key = keyOf(url);
    writeSeq++;
    cache.delete(key);
    await store.write(key, null);
    cache.delete(key);
    return new Response(null);
  }
  return new Response(null, { status: 405 });
}

/**
 * \`POST /bulk/put\` (a service binding of acr serve's executor, not the KV binding protocol): many puts,
 * \`[{ key, value, metadata?, expiration_ttl? }]\`, committed in one transaction before the answer, one
 * result per put (\`null\` or the refusal): a refused put does not hold back the others.
 */
async function bulkPut(request, store) {
  const items = await request.json();
  if (!Array.isArray(items) || items.length > 128) throw new KvError(400, "Expected an array of at most 128 puts");
  writeSeq++;
  for (const item of items) if (typeof item?.key === "string") cache.delete(item.key);
  const results = await store.putRecords(items);
  for (const item of items) if (typeof item?.key === "string") cache.delete(item.key);
  return Response.json({ results });
}

/** The puts of a bulk write checked against KV's limits: the entries to store, and one result per put. */
function checkPuts(items) {
  const results = [];
  const entries = [];
  for (const item of items) {
    try {
      if (typeof item?.key !== "string" || typeof item.value !== "string") throw new KvError(400, "Each put needs a string key and value");
      checkKey(item.key);
      const expiration = expirationFrom(item.expiration_ttl === undefined ? null : String(item.expiration_ttl), null);
      const metadata = item.metadata === undefined ? undefined : JSON.stringify(item.metadata);
      if (metadata !== undefined) {
        const n = encoder.encode(metadata).byteLength;
        if (n > MAX_METADATA_BYTES) throw new KvError(413, "Metadata length of " + n + " exceeds limit of " + MAX_METADATA_BYTES + ".");
      }
      const value = encoder.encode(item.value).buffer;
      if (value.byteLength > MAX_VALUE_BYTES) throw new KvError(413, "Value length of " + value.byteLength + " exceeds acr serve's limit of " + MAX_VALUE_BYTES + ".");
      entries.push([item.key, { value, expiration, metadata }]);
      results.push(null);
    } catch (err) {
      if (!(err instanceof KvError)) throw err;
      results.push({ status: err.status, message: err.message });
    }
  }
  return { results, entries };
}

export default {
  async fetch(request, env) {
    uncachedPrefix ??= env.UNCACHED_PREFIX ?? "";
    try {
      return await handle(request, env);
    } catch (err) {
      if (err instanceof KvError) return new Response(err.message, { status: err.status });
      throw err;
    } finally {
      // A rejected PUT must still read its body, or the binding waits forever to finish sending it.
      // (Draining, not cancel(): a cancelled body leaves the sender waiting too.) GETs carry no body.
      if (request.method !== "GET" && request.body !== null && !request.bodyUsed) await request.body.pipeTo(new WritableStream());
    }
  },
};

// Bound parameters per SQL statement are limited (100 on Cloudflare): 2 per index row.
const INDEX_ROWS = 32;
const indexInserts = [];
/** \`INSERT OR IGNORE INTO expiry VALUES (?, ?), …\` for n rows (the text per n is made once). */
function indexInsert(n) {
  return (indexInserts[n] ??= "INSERT OR IGNORE INTO expiry VALUES " + Array(n).fill("(?, ?)").join(", "));
}

/**
 * One namespace's entries on disk: key → { value, expiration?, metadata? }, and in the SQL table \`expiry\` each
 * key's expiration (the sweep's index; a row may be stale: the sweep checks the entry before deleting it).
 */
export class KvStore extends DurableObject {
  pending = new Map();
  waiters = [];
  timer = undefined;
  /** Commits on their way to disk. */
  committing = 0;
  /** Whether this instance has set the sweep's alarm (setAlarm replaces an earlier one: once is enough). */
  sweepArmed = false;

  constructor(ctx, env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    // One B-tree ordered by time (the sweep reads the due ones first); a key rewritten with another expiration
    // gets a second row, and the stale one goes when the sweep meets it.
    sql.exec("CREATE TABLE IF NOT EXISTS expiry (at INTEGER NOT NULL, key TEXT NOT NULL, PRIMARY KEY (at, key)) WITHOUT ROWID");
    // Entries written before the index existed are indexed by the sweep, a page per run (backfill cursor).
    sql.exec("CREATE TABLE IF NOT EXISTS sweep_state (name TEXT PRIMARY KEY, value TEXT NOT NULL)");
    this.sweepMs = Number(env.SWEEP_MS) > 0 ? Number(env.SWEEP_MS) : SWEEP_MS;
    const backfill = [...sql.exec("SELECT value FROM sweep_state WHERE name = 'backfill'")][0];
    if (backfill === undefined) {
      sql.exec("INSERT INTO sweep_state VALUES ('backfill', '')");
      this.armSweep();
    } else if (backfill.value !== "done") {
      this.armSweep();
    }
  }

  armSweep() {
    if (this.sweepArmed) return;
    this.sweepArmed = true;
    // An alarm already due soon enough (set by an earlier run of this store) is kept: replacing it cancels it.
    void this.ctx.storage.getAlarm().then((at) => {
      const next = Date.now() + this.sweepMs;
      if (at === null || at > next) return this.ctx.storage.setAlarm(next);
    });
  }

  async alarm() {
    let more = false;
    try {
      more = await this.sweep(SWEEP_KEYS);
    } finally {
      const rest = [...this.ctx.storage.sql.exec("SELECT 1 FROM expiry LIMIT 1")].length > 0;
      if (more || rest) await this.ctx.storage.setAlarm(Date.now() + (more ? 1000 : this.sweepMs));
      else this.sweepArmed = false;
    }
  }

  /**
   * Deletes up to \`limit\` entries whose expiration has passed (through the group commit, like any delete);
   * returns whether more may be due. Keys with a write on its way are left to that write (which indexes its own
   * expiration, if any).
   */
  async sweep(limit) {
    const sql = this.ctx.storage.sql;
    const backfilling = await this.backfillPage(1000);
    const now = nowSec();
    const due = [...sql.exec("SELECT at, key FROM expiry WHERE at <= ? ORDER BY at, key LIMIT ?", now, limit)];
    if (due.length === 0) return backfilling;
    const gone = [];
    for (let i = 0; i < due.length; i += 128) {
      const keys = due.slice(i, i + 128).map((r) => r.key).filter((k) => !this.pending.has(k));
      const found = await this.ctx.storage.get(keys);
      for (const k of keys) {
        const e = found.get(k);
        // Absent, or rewritten without an expiration or with a later one (which has its own row): kept.
        if (e !== undefined && expired(e)) gone.push(k);
      }
    }
    // Every row read is done with: swept, stale, or superseded by the row of the write on its way.
    const last = due[due.length - 1];
    sql.exec("DELETE FROM expiry WHERE at < ? OR (at = ? AND key <= ?)", last.at, last.at, last.key);
    if (gone.length > 0) await this.writeMany(gone.map((k) => [k, null]));
    return backfilling || due.length === limit;
  }

  /** Indexes the expirations of one page of entries written before the index existed; false once all are. */
  async backfillPage(size) {
    const sql = this.ctx.storage.sql;
    const cursor = [...sql.exec("SELECT value FROM sweep_state WHERE name = 'backfill'")][0]?.value ?? "done";
    if (cursor === "done") return false;
    const page = await this.ctx.storage.list(cursor === "" ? { limit: size } : { startAfter: cursor, limit: size });
    let last;
    for (const [k, e] of page) {
      last = k;
      if (e?.expiration !== undefined) sql.exec("INSERT OR IGNORE INTO expiry VALUES (?, ?)", e.expiration, k);
    }
    const next = page.size < size ? "done" : last;
    sql.exec("UPDATE sweep_state SET value = ? WHERE name = 'backfill'", next);
    return next !== "done";
  }

  async read(key) {
    if (this.pending.has(key)) return this.pending.get(key);
    const entry = (await this.ctx.storage.get(key)) ?? null;
    if (expired(entry)) {
      // Expired entries leave the disk on first sight.
      void this.write(key, null);
      return null;
    }
    return entry;
  }

  /** Queues a write (entry) or delete (null); resolves once it is committed with its batch. */
  write(key, entry) {
    this.pending.set(key, entry);
    return this.queued();
  }

  /** Many writes (entries, or null to delete) committed with the other writes of their batch: the sweep's deletes. */
  writeMany(entries) {
    for (const [key, entry] of entries) this.pending.set(key, entry);
    return this.queued();
  }

  /**
   * Bulk puts (\`[{ key, value, metadata?, expiration_ttl? }]\`, at most 128), committed with the other writes of
   * their batch; answers one result per put (\`null\` or the refusal) once they are on disk. Called by the front
   * worker's \`POST /bulk/put\` and, over RPC, by the executor for each execution record (one hop fewer; the
   * front worker never caches those keys, see UNCACHED_PREFIX).
   */
  async putRecords(items) {
    if (!Array.isArray(items) || items.length > 128) throw new KvError(400, "Expected an array of at most 128 puts");
    const { results, entries } = checkPuts(items);
    if (entries.length > 0) await this.writeMany(entries);
    return results;
  }

  queued() {
    const done = new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.schedule();
    return done;
  }

  /**
   * The next commit: at once when the store is idle (nothing committing), else BATCH_MS after the commit on its
   * way lands, so the writes that arrive meanwhile share one (SQLite, fsync) commit.
   */
  schedule() {
    if (this.timer !== undefined || this.pending.size === 0) return;
    if (this.committing > 0) return; // the commit on its way schedules the next when it lands
    this.timer = setTimeout(() => this.flush(), this.pending.size >= BUSY_PUTS ? BATCH_MS : IDLE_MS);
  }

  async flush() {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    const waiters = this.waiters;
    this.pending = new Map();
    this.waiters = [];
    if (batch.size === 0) return;
    this.committing++;
    try {
      const puts = [];
      const deletes = [];
      for (const [k, e] of batch) (e === null ? deletes : puts).push([k, e]);
      // The storage API takes at most 128 keys per call; calls in one turn commit as one transaction.
      for (let i = 0; i < puts.length; i += 128) this.ctx.storage.put(Object.fromEntries(puts.slice(i, i + 128)));
      // The sweep's index, in the same transaction as the entries, up to INDEX_ROWS rows per statement.
      const rows = [];
      for (const [k, e] of puts) if (e.expiration !== undefined) rows.push(e.expiration, k);
      for (let i = 0; i < rows.length; i += 2 * INDEX_ROWS) {
        const part = rows.slice(i, i + 2 * INDEX_ROWS);
        this.ctx.storage.sql.exec(indexInsert(part.length / 2), ...part);
      }
      if (rows.length > 0) this.armSweep();
      for (let i = 0; i < deletes.length; i += 128) this.ctx.storage.delete(deletes.slice(i, i + 128).map(([k]) => k));
      await this.ctx.storage.sync();
      for (const w of waiters) w.resolve();
    } catch (err) {
      for (const w of waiters) w.reject(err);
    } finally {
      this.committing--;
      if (this.committing === 0 && this.pending.size > 0 && this.timer === undefined) {
        this.timer = setTimeout(() => this.flush(), BATCH_MS);
      }
    }
  }

  async list(prefix, limit, cursor) {
    await this.flush();
    let startAfter;
    try { startAfter = cursor ? fromCursor(cursor) : undefined; } catch { throw new Error("Invalid list cursor"); }
    const found = await this.ctx.storage.list({ prefix, startAfter, limit: limit + 1 });
    const names = [...found.keys()];
    const more = names.length > limit;
    const page = more ? names.slice(0, limit) : names;
    const keys = [];
    for (const name of page) {
      const e = found.get(name);
      if (expired(e)) continue;
      const item = { name };
      if (e.expiration !== undefined) item.expiration = e.expiration;
      if (e.metadata !== undefined) item.metadata = e.metadata;
      keys.push(item);
    }
    return more
      ? { keys, list_complete: false, cursor: toCursor(page[page.length - 1]), cacheStatus: null }
      : { keys, list_complete: true, cacheStatus: null };
  }
}
`;
