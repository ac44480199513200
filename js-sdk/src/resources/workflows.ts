import type { CallOptions, Transport } from "../http/transport.js";
import type { Body, ExecutionAccepted, ExecutionResult, ExecutionSummary, Ok, QueryOf } from "../types.js";

const enc = encodeURIComponent;

/** `client.workflows`: deploy, read, version and delete workflows; validate and compile without storing. */
export class Workflows {
  constructor(private readonly t: Transport) {}

  /**
   * `PUT /v1/workflows/{name}` with the YAML: a new version. `exposureConsent` (an object, or its JSON)
   * acknowledges the hosts its steps send data to (PermissionDeniedError EXPOSURE_CONSENT_REQUIRED otherwise).
   *
   * @example
   * const wf = await arc.workflows.deploy("hello", yamlText);
   */
  async deploy(
    name: string,
    yaml: string,
    opts: CallOptions & { exposureConsent?: string | Record<string, unknown> } = {},
  ): Promise<Ok<"deployWorkflow">> {
    const c = opts.exposureConsent;
    const headers = {
      ...opts.headers,
      ...(c ? { "x-arcrun-exposure-consent": typeof c === "string" ? c : JSON.stringify(c) } : {}),
    };
    return (
      await this.t.send<Ok<"deployWorkflow">>({
        ...opts,
        headers,
        method: "PUT",
        path: `/v1/workflows/${enc(name)}`,
        body: yaml,
        contentType: "application/yaml",
      })
    ).data;
  }

  /** `GET /v1/workflows`: the caller's workflows. */
  async list(opts: CallOptions = {}): Promise<Ok<"listWorkflows">["workflows"]> {
    return (await this.t.send<Ok<"listWorkflows">>({ ...opts, method: "GET", path: "/v1/workflows" })).data.workflows;
  }

  /** `GET /v1/workflows/{name}`: the current version, or `version`. */
  async get(name: string, opts: CallOptions & { version?: number } = {}): Promise<Ok<"getWorkflow">> {
    const query = { version: opts.version };
    return (await this.t.send<Ok<"getWorkflow">>({ ...opts, method: "GET", path: `/v1/workflows/${enc(name)}`, query }))
      .data;
  }

  /** `GET /v1/workflows/{name}/versions`: every stored version, oldest first. */
  async versions(name: string, opts: CallOptions = {}): Promise<Ok<"listWorkflowVersions">["versions"]> {
    const path = `/v1/workflows/${enc(name)}/versions`;
    return (await this.t.send<Ok<"listWorkflowVersions">>({ ...opts, method: "GET", path })).data.versions;
  }

  /** `DELETE /v1/workflows/{name}` with all its versions. */
  async delete(name: string, opts: CallOptions = {}): Promise<Ok<"deleteWorkflow">> {
    return (await this.t.send<Ok<"deleteWorkflow">>({ ...opts, method: "DELETE", path: `/v1/workflows/${enc(name)}` }))
      .data;
  }

  /** `POST /validate`: every error and warning of a YAML, nothing stored. */
  async validate(yaml: string, opts: CallOptions = {}): Promise<Ok<"validateWorkflow">> {
    const r = { ...opts, method: "POST" as const, path: "/validate", body: yaml, contentType: "application/yaml" };
    return (await this.t.send<Ok<"validateWorkflow">>({ ...r, idempotent: true })).data;
  }

  /** `POST /cypher/search`: the graph that flow entries (arrow or Cypher form) describe. */
  async compile(body: Body<"compileFlow">, opts: CallOptions = {}): Promise<Ok<"compileFlow">> {
    return (
      await this.t.send<Ok<"compileFlow">>({ ...opts, method: "POST", path: "/cypher/search", body, idempotent: true })
    ).data;
  }
}

/** `client.runs`: start executions of a workflow. */
export class Runs {
  constructor(private readonly t: Transport) {}

  /**
   * `POST /v1/workflows/{name}/runs`: runs with `input` and waits for the result; `{ wait: false }`
   * answers at once with the execution id. Retried (429/5xx/no answer) only with an `idempotencyKey`: the
   * platform answers a repeated key with the first execution (`idempotent_replay: true`) instead of running again.
   *
   * @example
   * const run = await arc.runs.create("hello", { name: "Ada" });
   * const { execution_id } = await arc.runs.create("hello", {}, { wait: false });
   */
  create(name: string, input?: unknown, opts?: RunOptions & { wait?: true }): Promise<ExecutionResult>;
  create(name: string, input: unknown, opts: RunOptions & { wait: false }): Promise<ExecutionAccepted>;
  async create(
    name: string,
    input: unknown = {},
    opts: RunOptions & { wait?: boolean } = {},
  ): Promise<ExecutionResult | ExecutionAccepted> {
    const headers = { ...opts.headers, ...(opts.idempotencyKey ? { "idempotency-key": opts.idempotencyKey } : {}) };
    const r = await this.t.send<ExecutionResult | ExecutionAccepted>({
      ...opts,
      headers,
      method: "POST",
      path: `/v1/workflows/${enc(name)}/runs`,
      query: { wait: opts.wait === false ? "false" : undefined },
      body: input,
      idempotent: Boolean(opts.idempotencyKey),
    });
    return r.data;
  }
}

export interface RunOptions extends CallOptions {
  /**
   * Sent as `Idempotency-Key` (1-255 visible ASCII): one execution per (workflow, key) for 24 h, and the call
   * becomes safe to retry.
   */
  idempotencyKey?: string;
}

/** `client.executions`: history, details, resume and rerun. */
export class Executions {
  constructor(private readonly t: Transport) {}

  /** `GET /v1/executions`: one page, newest first; pass `cursor` from the previous page. */
  async list(query: QueryOf<"listExecutions"> = {}, opts: CallOptions = {}): Promise<Ok<"listExecutions">> {
    return (await this.t.send<Ok<"listExecutions">>({ ...opts, method: "GET", path: "/v1/executions", query })).data;
  }

  /**
   * Every execution matching `query`, page after page.
   *
   * @example
   * for await (const ex of arc.executions.iterate({ workflow: "hello", status: "failed" })) console.log(ex.id);
   */
  async *iterate(query: QueryOf<"listExecutions"> = {}, opts: CallOptions = {}): AsyncGenerator<ExecutionSummary> {
    let cursor = query.cursor;
    do {
      const page = await this.list({ ...query, cursor }, opts);
      yield* page.executions;
      cursor = page.cursor ?? undefined;
    } while (cursor);
  }

  /** `GET /v1/executions/{id}` with every node. */
  async get(id: string, opts: CallOptions = {}): Promise<Ok<"getExecution">> {
    return (await this.t.send<Ok<"getExecution">>({ ...opts, method: "GET", path: `/v1/executions/${enc(id)}` })).data;
  }

  /** `POST /v1/executions/{id}/resume`: continue a failed, interrupted or waiting execution. */
  async resume(id: string, body: Body<"resumeExecution"> = {}, opts: CallOptions = {}): Promise<Ok<"resumeExecution">> {
    const path = `/v1/executions/${enc(id)}/resume`;
    return (await this.t.send<Ok<"resumeExecution">>({ ...opts, method: "POST", path, body })).data;
  }

  /** `GET /v1/tail`: executions started or updated after `after` (an ISO time, the previous `cursor`), with steps. */
  async tail(query: QueryOf<"tailExecutions"> = {}, opts: CallOptions = {}): Promise<Ok<"tailExecutions">> {
    return (await this.t.send<Ok<"tailExecutions">>({ ...opts, method: "GET", path: "/v1/tail", query })).data;
  }

  /**
   * Follows executions live (what `acr tail` does): polls {@link Executions.tail} every `intervalMs` (default
   * 2 s, one KV list per poll) from `after` (default now) and yields each execution once per change of status.
   * Ends when `signal` aborts or the loop breaks.
   *
   * @example
   * for await (const ex of arc.executions.follow({ workflow: "hello" }, { signal })) console.log(ex.id, ex.status);
   */
  async *follow(
    query: QueryOf<"tailExecutions"> = {},
    opts: CallOptions & { intervalMs?: number } = {},
  ): AsyncGenerator<Ok<"tailExecutions">["executions"][number]> {
    const seen = new Map<string, string>();
    let after = query.after ?? new Date().toISOString();
    const interval = Math.max(500, opts.intervalMs ?? 2000);
    while (!opts.signal?.aborted) {
      let page: Ok<"tailExecutions">;
      try {
        page = await this.tail({ ...query, after }, opts);
      } catch (err) {
        if (opts.signal?.aborted) return;
        throw err;
      }
      for (const ex of page.executions) {
        const mark = `${String(ex.updated_at)}:${String(ex.status)}`;
        if (seen.get(String(ex.id)) === mark) continue;
        seen.set(String(ex.id), mark);
        yield ex;
      }
      after = page.cursor;
      if (!(await pause(interval, opts.signal))) return;
    }
  }

  /**
   * `POST /v1/executions/{id}/rerun`: a new execution with the same input (`from`: `start`, `failed` or a
   * node id; `version`: `original` or `current`).
   *
   * @example
   * await arc.executions.rerun(id, { from: "failed", version: "current" });
   */
  async rerun(id: string, body: Body<"rerunExecution"> = {}, opts: CallOptions = {}): Promise<Ok<"rerunExecution">> {
    const path = `/v1/executions/${enc(id)}/rerun`;
    return (await this.t.send<Ok<"rerunExecution">>({ ...opts, method: "POST", path, body })).data;
  }
}

/** Waits `ms`; false when `signal` aborted meanwhile. */
function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(ok);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
