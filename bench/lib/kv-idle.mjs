// Benchmark-only: the KV cost of an idle day on acr serve. Fires the executor's minute tick `ticks` times
// (successive minutes, no workflow due) on the cron socket and counts KV operations at the bindings;
// the day is the count scaled to 1,440 ticks (docs/engine.md, "KV budget of the scheduler").
import { readKvCounts } from "./kv-counter.mjs";

/**
 * KV operations of an idle day (per kind), measured over `ticks` minute ticks.
 *
 * @example
 * const day = await kvIdleDay(platform, 60); // { reads: 2880, writes: 0, deletes: 0, lists: 0, ticks: 60 }
 */
export async function kvIdleDay(platform, ticks = 60) {
  const tick = (minute) =>
    fetch(`http://127.0.0.1:${platform.ports.cron}/?cron=${encodeURIComponent("* * * * *")}&time=${minute}`).then((r) =>
      r.arrayBuffer(),
    );
  // The first tick of a platform builds its indexes (once ever): not part of a day.
  const start = Math.floor(Date.now() / 60_000) * 60_000 + 3_600_000;
  await tick(start);
  const before = await readKvCounts(platform.ports.stats);
  for (let i = 1; i <= ticks; i++) await tick(start + i * 60_000);
  const after = await readKvCounts(platform.ports.stats);
  const day = (k) => Math.round(((after[k] - before[k]) * 1_440) / ticks);
  return { ticks, reads: day("reads"), writes: day("writes"), deletes: day("deletes"), lists: day("lists") };
}
