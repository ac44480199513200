/**
 * What the minute scheduler reads instead of listing KV: the cron index and the wake marker. An idle
 * platform then costs two KV reads a minute and no list (docs/engine.md, "KV budget").
 */
export { CRON_INDEX, cronEntries, rebuildCronIndex } from "./cron-index";
export { beginSweep, noteDue, resetWakeIndex, type Sweep, WAKE_MARKER } from "./wake-index";
