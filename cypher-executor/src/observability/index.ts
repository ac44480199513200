export { checkStorage, type StorageHealth } from "./health";
export { type LogContext, log, requestId, tenantTag } from "./log";
export { recordExecution, recordHostCall, renderMetrics } from "./metrics";
export { registerObservability, registerTail } from "./routes";
