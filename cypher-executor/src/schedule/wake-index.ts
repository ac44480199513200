/**
 * When the scheduler must look at the `wait:` index: one marker key, `wait-next` in EXEC_CONTEXT, holds
 * the earliest due time of an entry not yet swept (or `none`). A tick reads the marker (one read) and
 * lists `wait:` only when it is due, so an idle platform makes no list calls. Whoever indexes a wait or a
 * lease lowers the marker when it is later; a sweep sets it to the next entry it saw. Marker operations
 * of one isolate run one after the other, so on `acr dev` / `acr serve` no due entry is ever missed.
 */
import type { Env } from "../env";

/** The marker's key in EXEC_CONTEXT. */
export const WAKE_MARKER = "wait-next";
const NONE = "none";
/** Entries listed per sweep; more due entries are swept on the next tick. */
const SWEEP_LIMIT = 100;

/** `undefined`: never written (an older deployment: the first tick lists once); `null`: no entry. */
type Marker = number | null | undefined;

let known: Marker;
/** Set while a sweep runs in this isolate: dues indexed meanwhile go into its result. */
let sweeping: { min: number } | null = null;
let chain: Promise<unknown> = Promise.resolve();

function locked<T>(f: () => Promise<T>): Promise<T> {
  const p = chain.then(f);
  chain = p.catch(() => undefined);
  return p;
}

async function readMarker(env: Env): Promise<Marker> {
  const v = await env.EXEC_CONTEXT.get(WAKE_MARKER);
  if (v === null) return undefined;
  if (v === NONE) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

async function writeMarker(env: Env, due: number | null): Promise<void> {
  await env.EXEC_CONTEXT.put(WAKE_MARKER, due === null ? NONE : String(due));
  known = due;
}

/**
 * Makes sure the scheduler looks at the `wait:` index by `due` (called after an entry is written).
 * Free when the marker is known to fall due earlier; else one read and at most one write.
 *
 * @example
 * await saveWaitEntry(env, due, …); await noteDue(env, due);
 */
export async function noteDue(env: Env, due: number): Promise<void> {
  if (sweeping) {
    sweeping.min = Math.min(sweeping.min, due);
    return;
  }
  // A marker still in the future has not been swept: it will be, and this entry with it.
  if (typeof known === "number" && known > Date.now() && known <= due) return;
  await locked(async () => {
    if (sweeping) {
      sweeping.min = Math.min(sweeping.min, due);
      return;
    }
    const cur = await readMarker(env);
    known = cur;
    if (typeof cur === "number" && cur <= due) return;
    await writeMarker(env, due);
  });
}

/** One sweep of the due entries; `end()` moves the marker to the next one (after every job settled). */
export interface Sweep {
  due: Array<{ key: string; keyHash: string; id: string }>;
  end(): Promise<void>;
}

/**
 * The `wait:` entries due at `now`, or null without listing when the marker says none is.
 *
 * @example
 * const sweep = await beginSweep(env, Date.now());
 * for (const w of sweep?.due ?? []) await wake(w);
 * await sweep?.end();
 */
export async function beginSweep(env: Env, now: number): Promise<Sweep | null> {
  const marker = await locked(() => readMarker(env));
  known = marker;
  if (marker === null || (typeof marker === "number" && marker > now)) return null;
  const mine = { min: Number.POSITIVE_INFINITY };
  sweeping = mine;
  let next: number | null = null;
  const due: Sweep["due"] = [];
  try {
    const res = await env.EXEC_CONTEXT.list({ prefix: "wait:", limit: SWEEP_LIMIT });
    for (const k of res.keys) {
      const [, at, keyHash, id] = k.name.split(":");
      if (!at || !keyHash || !id) continue;
      if (Number(at) > now) {
        next = Number(at);
        break;
      }
      due.push({ key: k.name, keyHash, id });
    }
    // A full page of due entries: the rest are swept on the next tick.
    if (next === null && !res.list_complete) next = now;
  } catch (err) {
    sweeping = null;
    throw err;
  }
  return {
    due,
    end: () =>
      locked(async () => {
        if (sweeping === mine) sweeping = null;
        const min = Math.min(next ?? Number.POSITIVE_INFINITY, mine.min);
        const target = Number.isFinite(min) ? min : null;
        if (target !== marker) await writeMarker(env, target);
      }),
  };
}

/** Forgets what this isolate knows of the marker (tests that swap the storage). */
export function resetWakeIndex(): void {
  known = undefined;
  sweeping = null;
}
