import { UserError } from "../ui/errors.js";

/** One error of the Cloudflare v4 envelope. */
export interface CfError {
  code: number;
  message: string;
}

/** The Cloudflare v4 response envelope. */
export interface CfEnvelope<T> {
  success: boolean;
  errors: CfError[];
  messages: unknown[];
  result: T;
  result_info?: {
    page?: number;
    per_page?: number;
    count?: number;
    total_count?: number;
    total_pages?: number;
    cursor?: string;
  };
}

/** A failed Cloudflare API call, with the HTTP status and the envelope's error codes. */
export class CloudflareApiError extends UserError {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly errors: CfError[],
  ) {
    const detail = errors.map((e) => `${e.code}: ${e.message}`).join("; ") || `HTTP ${status}`;
    super(`Cloudflare API ${method} ${path} failed (${detail})`, hintFor(status, errors, path));
    this.name = "CloudflareApiError";
  }

  /** True when Cloudflare refused for lack of permission (or a bad token). */
  get isAuth(): boolean {
    return this.status === 401 || this.status === 403 || this.errors.some((e) => e.code === 10000 || e.code === 9109);
  }

  hasCode(code: number): boolean {
    return this.errors.some((e) => e.code === code);
  }
}

/** The dashboard name of the permission a path needs: for a 403 on a write the read probes could not foresee. */
export function permissionFor(path: string): string | undefined {
  if (/\/storage\/kv\//.test(path)) return "Workers KV Storage: Edit";
  if (/\/r2\//.test(path)) return "Workers R2 Storage: Edit";
  if (/\/workers\//.test(path)) return "Workers Scripts: Edit";
  if (/^\/accounts\/[^/]+$/.test(path)) return "Account Settings: Read";
  return undefined;
}

function hintFor(status: number, errors: CfError[], path: string): string | undefined {
  if (status === 401 || errors.some((e) => e.code === 1000))
    return "Check CLOUDFLARE_API_TOKEN: it is invalid or expired";
  if (status === 403) {
    const p = permissionFor(path);
    return p
      ? `Give the API token the permission "${p}" (My Profile → API Tokens → Edit)`
      : "Give the API token the permissions listed in docs/install.md";
  }
  if (status === 429) return "Cloudflare rate-limited the token; wait a minute and run the same command again";
  if (status >= 500) return "A Cloudflare-side error: run the same command again, finished steps are kept";
  return undefined;
}

/** Records each call the installer makes (or, with --dry-run, would make). */
export type CallObserver = (call: { method: string; path: string; body?: unknown; planned: boolean }) => void;

export interface CloudflareApiOptions {
  accountId: string;
  apiToken: string;
  /** `CLOUDFLARE_API_BASE_URL`, default `https://api.cloudflare.com/client/v4`. */
  baseUrl?: string;
  observe?: CallObserver;
}

/**
 * A thin client for the Cloudflare v4 REST API: plain fetch, the `{ success, errors, result }`
 * envelope unwrapped, failures as {@link CloudflareApiError}.
 *
 * @example
 * const cf = new CloudflareApi({ accountId, apiToken });
 * const namespaces = await cf.listAll("/storage/kv/namespaces");
 */
export class CloudflareApi {
  readonly baseUrl: string;
  constructor(readonly opts: CloudflareApiOptions) {
    this.baseUrl = (opts.baseUrl ?? "https://api.cloudflare.com/client/v4").replace(/\/+$/, "");
  }

  /** `/accounts/{id}` + `path`. */
  account(path = ""): string {
    return `/accounts/${this.opts.accountId}${path}`;
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<CfEnvelope<T>> {
    this.opts.observe?.({ method, path, body: redact(body), planned: false });
    const headers: Record<string, string> = { authorization: `Bearer ${this.opts.apiToken}` };
    let payload: FormData | string | undefined;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers["content-type"] = "application/json";
    }
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, { method, headers, body: payload });
    } catch (err) {
      throw new UserError(
        `Cannot reach the Cloudflare API at ${this.baseUrl} (${err instanceof Error ? err.message : String(err)})`,
        "Check your network, or CLOUDFLARE_API_BASE_URL if you set it",
      );
    }
    const text = await res.text();
    let env: CfEnvelope<T> | undefined;
    try {
      env = JSON.parse(text) as CfEnvelope<T>;
    } catch {
      // Not JSON: reported below with the status.
    }
    if (!res.ok || !env || env.success === false) {
      throw new CloudflareApiError(
        method,
        path,
        res.status,
        env?.errors ?? [{ code: res.status, message: text.slice(0, 200) }],
      );
    }
    return env;
  }

  async get<T>(path: string): Promise<T> {
    return (await this.call<T>("GET", path)).result;
  }

  /** Every item of a page-numbered list (`page`/`per_page`), following all pages. */
  async listAll<T>(path: string, perPage = 100): Promise<T[]> {
    const out: T[] = [];
    for (let page = 1; ; page++) {
      const sep = path.includes("?") ? "&" : "?";
      const env = await this.call<T[]>("GET", `${path}${sep}page=${page}&per_page=${perPage}`);
      out.push(...(env.result ?? []));
      const info = env.result_info;
      const totalPages =
        info?.total_pages ?? (info?.total_count !== undefined ? Math.ceil(info.total_count / perPage) : undefined);
      if (env.result.length === 0) break;
      if (totalPages !== undefined ? page >= totalPages : env.result.length < perPage) break;
    }
    return out;
  }
}

/** Secret values never reach the observer (and so never a log or a plan). */
function redact(body: unknown): unknown {
  if (body instanceof FormData) return "(multipart upload)";
  if (body && typeof body === "object" && "text" in body && (body as { type?: string }).type === "secret_text") {
    return { ...(body as object), text: "***" };
  }
  return body;
}
