/**
 * `new Date().toISOString()` for the engine's timestamps, formatted once per millisecond. workerd
 * advances the clock only across I/O (Spectre mitigation), so the nodes and records of one execution
 * mostly share a millisecond: one format instead of one per node and per record field.
 *
 * @example
 * rec.started_at = isoNow(); // "2026-11-25T18:03:32.447Z"
 */
export function isoNow(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}
let lastMs = -1;
let lastIso = "";
