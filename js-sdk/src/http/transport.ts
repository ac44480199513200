import { ArcrunError, ConnectionError, errorFor, RateLimitError } from "./errors.js";

export interface TransportOptions {
  /** The platform's base URL, e.g. `http://127.0.0.1:8787`. */
  url: string;
  apiKey: string;
  /** Inject a fetch (proxies, tests); defaults to the global one. */
  fetch?: typeof fetch;
  /** Per-attempt timeout; default 60 s. `0` = none. */
  timeoutMs?: number;
  /** Retries of idempotent calls on 429/5xx/no answer; default 2. */
  maxRetries?: number;
  /** Upper bound of one wait between retries (a longer Retry-After fails instead); default 30 s. */
  maxRetryDelayMs?: number;
}

export type Query = Record<string, string | number | boolean | undefined | null>;

/** Per-call options every SDK method accepts as its last argument. */
export interface CallOptions {
  /** Cancels the call (and its retries). */
  signal?: AbortSignal;
  /** Overrides the client's per-attempt timeout. */
  timeoutMs?: number;
  /** Overrides the client's retry count (idempotent calls only). */
  maxRetries?: number;
  /** Extra request headers. */
  headers?: Record<string, string>;
}

export interface Request extends CallOptions {
  method: "GET" | "PUT" | "POST" | "DELETE" | "PATCH";
  path: string;
  query?: Query;
  body?: unknown;
  contentType?: string;
  /** Safe to send twice (GET/PUT/DELETE are; a POST only with an Idempotency-Key). */
  idempotent?: boolean;
}

/** What one call answered: the parsed JSON, the status and the headers. */
export interface Answer<T> {
  status: number;
  headers: Headers;
  data: T;
}

/**
 * The HTTP layer of the SDK: auth header, JSON in and out, typed errors, timeouts, and retries of
 * idempotent calls only (429 and 5xx answers, or no answer), honouring `Retry-After`.
 *
 * @example
 * const t = new Transport({ url, apiKey });
 * const { data } = await t.send<{ ns: string }>({ method: "GET", path: "/v1/whoami" });
 */
export class Transport {
  readonly url: string;
  readonly #o: TransportOptions;

  constructor(o: TransportOptions) {
    this.url = o.url.replace(/\/+$/, "");
    this.#o = o;
  }

  async send<T>(r: Request): Promise<Answer<T>> {
    const idempotent = r.idempotent ?? (r.method !== "POST" && r.method !== "PATCH");
    const retries = idempotent ? (r.maxRetries ?? this.#o.maxRetries ?? 2) : 0;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#once<T>(r);
      } catch (err) {
        const delay = attempt < retries ? this.#retryDelay(err, attempt, r.signal) : undefined;
        if (delay === undefined) throw err;
        await sleep(delay, r.signal);
      }
    }
  }

  /** Milliseconds to wait before the next attempt, or undefined when this error is final. */
  #retryDelay(err: unknown, attempt: number, signal?: AbortSignal): number | undefined {
    if (!(err instanceof ArcrunError) || signal?.aborted) return undefined;
    const retryable = err.status === 429 || err.status >= 500 || err.code === "UNREACHABLE";
    if (!retryable) return undefined;
    const backoff = Math.min(8000, 250 * 2 ** attempt) * (0.5 + Math.random() / 2);
    const wait = err instanceof RateLimitError && err.retryAfterMs !== undefined ? err.retryAfterMs : backoff;
    return wait > (this.#o.maxRetryDelayMs ?? 30_000) ? undefined : wait;
  }

  async #once<T>(r: Request): Promise<Answer<T>> {
    // No key (open or signed webhooks): no Authorization header at all.
    const auth: Record<string, string> = this.#o.apiKey ? { authorization: `Bearer ${this.#o.apiKey}` } : {};
    const headers: Record<string, string> = { ...auth, ...r.headers };
    let body: string | undefined;
    if (r.body !== undefined) {
      body = typeof r.body === "string" ? r.body : JSON.stringify(r.body);
      headers["content-type"] = r.contentType ?? (typeof r.body === "string" ? "text/plain" : "application/json");
    }
    const timeoutMs = r.timeoutMs ?? this.#o.timeoutMs ?? 60_000;
    const { signal, timedOut, done } = withTimeout(r.signal, timeoutMs);
    const target = this.url + r.path + queryString(r.query);
    let res: Response;
    let text: string;
    try {
      res = await (this.#o.fetch ?? fetch)(target, { method: r.method, headers, body, signal });
      text = await res.text();
    } catch (err) {
      if (timedOut()) {
        throw new ConnectionError(0, "TIMEOUT", `${r.method} ${r.path} got no answer within ${timeoutMs} ms`);
      }
      if (r.signal?.aborted) throw r.signal.reason ?? err;
      const reason = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
      throw new ConnectionError(0, "UNREACHABLE", `Cannot reach the arcrun platform at ${this.url} (${reason})`);
    } finally {
      done();
    }
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    if (!res.ok) throw toError(r, res, json);
    return { status: res.status, headers: res.headers, data: json as T };
  }
}

function toError(r: Request, res: Response, json: unknown): ArcrunError {
  const { code, message, ...details } = ((json as { error?: Record<string, unknown> } | null)?.error ?? {}) as Record<
    string,
    unknown
  >;
  const err = errorFor(
    res.status,
    typeof code === "string" ? code : `HTTP_${res.status}`,
    typeof message === "string" ? message : `${r.method} ${r.path} answered HTTP ${res.status}`,
    details,
  );
  if (err instanceof RateLimitError) err.retryAfterMs = parseRetryAfter(res.headers.get("retry-after"));
  return err;
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function queryString(q?: Query): string {
  if (!q) return "";
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null) params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : "";
}

/** The caller's signal plus a per-attempt timeout, without AbortSignal.any (not in every runtime yet). */
function withTimeout(outer: AbortSignal | undefined, ms: number) {
  const ctrl = new AbortController();
  let timed = false;
  const onAbort = () => ctrl.abort(outer?.reason);
  if (outer?.aborted) ctrl.abort(outer.reason);
  else outer?.addEventListener("abort", onAbort, { once: true });
  const timer =
    ms > 0
      ? setTimeout(() => {
          timed = true;
          ctrl.abort();
        }, ms)
      : undefined;
  return {
    signal: ctrl.signal,
    timedOut: () => timed,
    done: () => {
      if (timer !== undefined) clearTimeout(timer);
      outer?.removeEventListener("abort", onAbort);
    },
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}
