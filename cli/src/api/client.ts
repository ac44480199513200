import type { ClientConfig } from "../config/index.js";
import { UserError } from "../ui/errors.js";

/** An API error answered by the platform, in its `{ error: { code, message } }` shape. */
export class ApiCallError extends UserError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: unknown,
    hint?: string,
  ) {
    super(`${message} (${code}, HTTP ${status})`, hint);
    this.name = "ApiCallError";
  }
}

/**
 * A thin client for the cypher-executor API.
 *
 * @example
 * const api = new ApiClient(resolveConfig()!);
 * const me = await api.request("GET", "/v1/whoami");
 */
export class ApiClient {
  constructor(readonly config: Pick<ClientConfig, "url" | "apiKey">) {}

  /**
   * A GET whose answer may be a stream: the live `Response` when it is `text/event-stream`, else its
   * parsed JSON (API errors thrown as by {@link request}).
   *
   * @example
   * const r = await api.openStream("/v1/tail?after=…");
   * if (r instanceof Response) readEvents(r.body);
   */
  async openStream<T = unknown>(path: string, signal?: AbortSignal): Promise<Response | T> {
    let res: Response;
    try {
      res = await fetch(this.config.url + path, {
        headers: { authorization: `Bearer ${this.config.apiKey}`, accept: "text/event-stream, application/json" },
        signal,
      });
    } catch {
      throw unreachable(this.config.url);
    }
    if (res.ok && (res.headers.get("content-type") ?? "").startsWith("text/event-stream")) return res;
    return this.answer<T>(res);
  }

  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    opts: { contentType?: string; headers?: Record<string, string> } = {},
  ): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.config.apiKey}`, ...opts.headers };
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === "string" ? body : JSON.stringify(body);
      headers["content-type"] = opts.contentType ?? (typeof body === "string" ? "text/plain" : "application/json");
    }
    let res: Response;
    try {
      res = await fetch(this.config.url + path, { method, headers, body: payload });
    } catch {
      throw unreachable(this.config.url);
    }
    return this.answer<T>(res);
  }

  private async answer<T>(res: Response): Promise<T> {
    const text = await res.text();
    let json: unknown = text;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // Non-JSON answers are passed through as text.
    }
    if (!res.ok) {
      const e = (json as { error?: { code?: string; message?: string } })?.error;
      const hint =
        res.status === 401
          ? `${this.config.url} does not accept this key (revoked, or made by another platform): \`acr whoami\` shows where it comes from; \`acr dev\` restores the local one`
          : undefined;
      throw new ApiCallError(res.status, e?.code ?? `HTTP_${res.status}`, e?.message ?? res.statusText, json, hint);
    }
    return json as T;
  }
}

const unreachable = (url: string) =>
  new UserError(
    `Cannot reach the arcrun platform at ${url}`,
    "Start it with `acr dev` (local), or set ARCRUN_URL to your deployment",
  );
