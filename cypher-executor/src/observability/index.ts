export { checkStorage, type StorageHealth } from "./health";
export { countKv, kvOperations } from "./kv-count";
export { type LogContext, log, requestId, tenantTag } from "./log";
export { recordExecution, recordHostCall, renderMetrics } from "./metrics";
export { registerObservability, registerTail } from "./routes";
