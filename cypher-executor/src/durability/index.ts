/**
 * Durability of executions: input limits checked before anything runs, records bounded in size
 * instead of dropped, and the graceful drain of a long-lived process. See docs/engine.md.
 */
export { DRAIN_CRON, drain, isDraining, RECOVER_CRON, tracked } from "./drain";
export { type ForeachProgress, finishedElements, foreachProgress } from "./foreach";
export { IDEMPOTENCY_TTL_S, once } from "./idempotency";
export {
  boundedRecordJson,
  checkBodySize,
  checkDepth,
  MAX_BODY_BYTES,
  MAX_DEPTH,
  MAX_RECORD_BYTES,
  type TruncatedMarker,
} from "./limits";
export { LEASE_MS, MAX_RECOVERIES, recoverIfStale, takeLease } from "./recovery";
export { armTimers, cancelTimers, isWaking, TIMER_HORIZON_MS } from "./timers";
