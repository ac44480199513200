import type { CallOptions, Query, Transport } from "../http/transport.js";
import type { ExecutionAccepted, ExecutionResult, Ok } from "../types.js";

const enc = encodeURIComponent;

/**
 * `X-Arcrun-Signature` for a signed (auth: hmac) webhook: `sha256=<hex HMAC-SHA256 of the raw body>`,
 * keyed with the secret the trigger's credential holds. Web Crypto only.
 *
 * @example
 * const sig = await webhooks.sign(secret, body);
 * await fetch(url, { method: "POST", body, headers: { "x-arcrun-signature": sig } });
 */
async function sign(secret: string, body: string | Uint8Array): Promise<string> {
  const te = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", te.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const bytes = typeof body === "string" ? te.encode(body) : body;
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, bytes as Uint8Array<ArrayBuffer>));
  return `sha256=${Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** Helpers that need no client. */
export const webhooks = { sign };

export interface TriggerOptions extends CallOptions {
  /** Answer at once (202) instead of waiting for the result. */
  async?: boolean;
  /** Sign the body with this secret (triggers with `auth: hmac`). */
  secret?: string;
  /** Sent as `Idempotency-Key`: a repeat answers the first execution; makes the trigger safe to retry. */
  idempotencyKey?: string;
}

/** `client.webhooks`: named webhooks (legacy arcrun routes) and their triggers. */
export class Webhooks {
  constructor(private readonly t: Transport) {}

  /** `webhooks.sign()`, here too. */
  readonly sign = sign;

  /** `POST /webhooks/named`: a workflow YAML, or `{ name, yaml }` / `{ name, flow, config }`. */
  async register(definition: string | Record<string, unknown>, opts: CallOptions = {}): Promise<Ok<"registerWebhook">> {
    const contentType = typeof definition === "string" ? "application/yaml" : undefined;
    const r = { ...opts, method: "POST" as const, path: "/webhooks/named", body: definition, contentType };
    return (await this.t.send<Ok<"registerWebhook">>({ ...r, idempotent: true })).data;
  }

  /** `GET /webhooks/named`. */
  async list(opts: CallOptions = {}): Promise<Ok<"listWebhooks">> {
    return (await this.t.send<Ok<"listWebhooks">>({ ...opts, method: "GET", path: "/webhooks/named" })).data;
  }

  /** `GET /webhooks/named/{name}/definition`: its YAML. */
  async definition(name: string, opts: CallOptions = {}): Promise<Ok<"getWebhookDefinition">> {
    const path = `/webhooks/named/${enc(name)}/definition`;
    return (await this.t.send<Ok<"getWebhookDefinition">>({ ...opts, method: "GET", path })).data;
  }

  /** `DELETE /webhooks/named/{name}` (the workflow and its versions). */
  async delete(name: string, opts: CallOptions = {}): Promise<Ok<"deleteWebhook">> {
    return (await this.t.send<Ok<"deleteWebhook">>({ ...opts, method: "DELETE", path: `/webhooks/named/${enc(name)}` }))
      .data;
  }

  /**
   * Triggers a workflow: `POST /webhooks/named/{name}/trigger` as its owner, or with `ns` the public
   * `POST /webhooks/named/{ns}/{name}/trigger` (signed with `secret` when the trigger uses hmac).
   */
  async trigger(
    name: string,
    input: unknown = {},
    opts: TriggerOptions & { ns?: string } = {},
  ): Promise<ExecutionResult | ExecutionAccepted> {
    const body = JSON.stringify(input);
    const path = opts.ns
      ? `/webhooks/named/${enc(opts.ns)}/${enc(name)}/trigger`
      : `/webhooks/named/${enc(name)}/trigger`;
    const headers = {
      ...opts.headers,
      ...(opts.secret ? { "x-arcrun-signature": await sign(opts.secret, body) } : {}),
      ...(opts.idempotencyKey ? { "idempotency-key": opts.idempotencyKey } : {}),
    };
    const r = { ...opts, headers, method: "POST" as const, path, body, contentType: "application/json" };
    return (
      await this.t.send<ExecutionResult | ExecutionAccepted>({
        ...r,
        query: { async: opts.async ? "true" : undefined },
        idempotent: Boolean(opts.idempotencyKey),
      })
    ).data;
  }

  /**
   * Runs a workflow synchronously and answers its output: `POST /webhooks/named/{name}/query` with a JSON
   * body, or with `{ method: "GET" }` the query-string form (`ns` given: the public `GET /q/{ns}/{name}`).
   */
  async query<T = unknown>(
    name: string,
    input: Record<string, unknown> = {},
    opts: CallOptions & { method?: "GET" | "POST"; ns?: string } = {},
  ): Promise<T> {
    if (opts.ns || opts.method === "GET") {
      const path = opts.ns ? `/q/${enc(opts.ns)}/${enc(name)}` : `/webhooks/named/${enc(name)}/query`;
      return (await this.t.send<T>({ ...opts, method: "GET", path, query: input as Query, idempotent: false })).data;
    }
    const path = `/webhooks/named/${enc(name)}/query`;
    return (await this.t.send<T>({ ...opts, method: "POST", path, body: input })).data;
  }
}
