import type { components, operations } from "./generated/openapi.js";

/** Every operationId of the platform's OpenAPI document. */
export type OperationId = keyof operations;
type Json<R> = R extends { content: { "application/json": infer J } } ? J : unknown;
type Responses<K extends OperationId> = operations[K]["responses"];
/** The JSON a successful call of operation `K` answers (its 200, else its 201). */
export type Ok<K extends OperationId> =
  Responses<K> extends { 200: infer R } ? Json<R> : Responses<K> extends { 201: infer R } ? Json<R> : unknown;
/** The JSON body operation `K` takes. */
export type Body<K extends OperationId> = operations[K] extends {
  requestBody?: { content: { "application/json": infer B } };
}
  ? B
  : never;
/** The query parameters of operation `K`. */
export type QueryOf<K extends OperationId> = operations[K]["parameters"] extends { query?: infer Q }
  ? NonNullable<Q>
  : never;
/** A named schema of the document (`Schema<"Execution">`). */
export type Schema<N extends keyof components["schemas"]> = components["schemas"][N];

export type Workflow = Ok<"getWorkflow">;
export type WorkflowSummary = Ok<"listWorkflows">["workflows"][number];
export type DeployedWorkflow = Ok<"deployWorkflow">;
export type ExecutionSummary = Ok<"listExecutions">["executions"][number];
export type Execution = Ok<"getExecution">;
export type ExecutionResult = Ok<"createRun">;
export type ExecutionAccepted = Schema<"ExecutionAccepted">;
export type CredentialInfo = Ok<"setCredential">;
export type Whoami = Ok<"getWhoami">;
