import { type CallOptions, type Request, Transport, type TransportOptions } from "./http/transport.js";
import { AuthRecipes, Components, Credentials, Keys, Recipes } from "./resources/catalog.js";
import { Webhooks } from "./resources/webhooks.js";
import { Executions, Runs, Workflows } from "./resources/workflows.js";
import type { Ok, OperationId } from "./types.js";

export interface ArcrunClientOptions extends TransportOptions {
  /** 32 bytes, base64: the platform's ENCRYPTION_KEY. Needed only to set credentials. */
  encryptionKey?: string;
}

/**
 * A fetch-based client of the arcrun API, without runtime dependencies (Node >= 20, browsers, Deno,
 * Workers). Secrets are encrypted here, before they leave the process. Idempotent calls are retried on
 * 429/5xx (honouring Retry-After); every method takes `{ signal, timeoutMs }` last.
 *
 * @example
 * const arc = new ArcrunClient({ url, apiKey, encryptionKey });
 * await arc.workflows.deploy("hello", yaml);
 * const run = await arc.runs.create("hello", { name: "Ada" });
 */
export class ArcrunClient {
  readonly url: string;
  readonly #t: Transport;
  readonly workflows: Workflows;
  readonly runs: Runs;
  readonly executions: Executions;
  readonly credentials: Credentials;
  readonly recipes: Recipes;
  readonly authRecipes: AuthRecipes;
  readonly components: Components;
  readonly keys: Keys;
  readonly webhooks: Webhooks;

  constructor(opts: ArcrunClientOptions) {
    this.#t = new Transport(opts);
    this.url = this.#t.url;
    this.workflows = new Workflows(this.#t);
    this.runs = new Runs(this.#t);
    this.executions = new Executions(this.#t);
    this.credentials = new Credentials(this.#t, opts.encryptionKey);
    this.recipes = new Recipes(this.#t);
    this.authRecipes = new AuthRecipes(this.#t);
    this.components = new Components(this.#t);
    this.keys = new Keys(this.#t);
    this.webhooks = new Webhooks(this.#t);
  }

  /** Any route, with the client's auth, errors, timeout and retry rules: the escape hatch. */
  async request<T = unknown>(
    method: Request["method"],
    path: string,
    body?: unknown,
    opts: CallOptions = {},
  ): Promise<T> {
    return (await this.#t.send<T>({ ...opts, method, path, body })).data;
  }

  /** `GET /health`: liveness and version. */
  async health(opts: CallOptions = {}): Promise<Ok<"getHealth">> {
    return (await this.#t.send<Ok<"getHealth">>({ ...opts, method: "GET", path: "/health" })).data;
  }

  /** `GET /v1/whoami`: the caller's namespace and role. */
  whoami(opts: CallOptions = {}): Promise<Ok<"getWhoami">> {
    return this.keys.whoami(opts);
  }

  /** `GET /v1/credentials/key` (kept for the CLI; same as `credentials.key()`). */
  platformKey(opts: CallOptions & { usage?: boolean } = {}): Promise<Ok<"getCredentialKey">> {
    return this.credentials.key(opts);
  }
}

/**
 * Which SDK method serves each operationId of the platform's OpenAPI document (`client.<path>`). The
 * coverage tests check that every operationId of the document is here and resolves to a method; the
 * `satisfies` makes the typecheck fail when the generated types gain an operation with no method.
 */
export const OPERATIONS = {
  getHealth: "health",
  getWhoami: "whoami",
  createKey: "keys.create",
  listWorkflows: "workflows.list",
  getWorkflow: "workflows.get",
  deployWorkflow: "workflows.deploy",
  deleteWorkflow: "workflows.delete",
  listWorkflowVersions: "workflows.versions",
  validateWorkflow: "workflows.validate",
  compileFlow: "workflows.compile",
  createRun: "runs.create",
  listExecutions: "executions.list",
  getExecution: "executions.get",
  resumeExecution: "executions.resume",
  tailExecutions: "executions.tail",
  listCredentials: "credentials.list",
  getCredential: "credentials.get",
  setCredential: "credentials.set",
  deleteCredential: "credentials.delete",
  getCredentialKey: "credentials.key",
  listComponents: "components.list",
  getComponent: "components.get",
  callComponent: "components.call",
  listRecipes: "recipes.list",
  getRecipe: "recipes.get",
  setRecipe: "recipes.set",
  reviewRecipe: "recipes.review",
  testRecipe: "recipes.test",
  runRecipe: "recipes.run",
  seedRecipes: "recipes.seed",
  listAuthRecipes: "authRecipes.list",
  getAuthRecipe: "authRecipes.get",
  setAuthRecipe: "authRecipes.set",
  testAuthRecipe: "authRecipes.test",
  listWebhooks: "webhooks.list",
  registerWebhook: "webhooks.register",
  deleteWebhook: "webhooks.delete",
  getWebhookDefinition: "webhooks.definition",
  triggerWebhook: "webhooks.trigger",
  triggerWebhookByNamespace: "webhooks.trigger",
  queryWebhook: "webhooks.query",
  queryWebhookGet: "webhooks.query",
  queryWebhookByNamespace: "webhooks.query",
  rerunExecution: "executions.rerun",
  // Routes landing in parallel branches (key management); the methods are ready, their names follow
  // the operationId rule. Integration tests: js-sdk/test/sdk.test.ts once the routes exist.
  listKeys: "keys.list",
  revokeKey: "keys.revoke",
} as const satisfies Record<Exclude<OperationId, UnwrappedOperation>, string> & Record<string, string>;

/**
 * Operations the SDK deliberately leaves out (the coverage test lists why): console cookie sessions and
 * the Prometheus scrape endpoint.
 */
export type UnwrappedOperation = "createSession" | "deleteSession" | "getMetrics";
