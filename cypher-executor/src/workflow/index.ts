/**
 * The workflow format: parse, validate and compile YAML into a `Plan`; evaluate its templates.
 * This is the face the engine, the routes and the CLI import.
 */
export { compileWorkflow, INPUT_ALIASES, OUTPUT_NAMES, RESERVED_KEYS } from "./compile";
export { CronError, type CronSpec, nextCronTimes, parseCron } from "./cron";
export { compileFlow, describeFlow, type FlowDescription } from "./describe";
export { parseDuration } from "./duration";
export { evaluate, isTruthy, toText } from "./evaluate";
export type { Scope } from "./expr";
export { EDGE_ALIASES, parseFlowEntry } from "./flow";
export type * from "./plan";
export { compileExpr, credentialPlaceholder, needsResolve, readsTriggerMeta, resolveValue } from "./template";
