import { type CredentialEnvelope, encryptCredential, keyId } from "./envelope.js";

/** An error answered by the platform, in its `{ error: { code, message, ...details } }` shape. */
export class ArcrunError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "ArcrunError";
  }
}

export interface ArcrunClientOptions {
  /** The platform's base URL, e.g. `http://127.0.0.1:8787` or `https://arcrun-cypher-executor.you.workers.dev`. */
  url: string;
  apiKey: string;
  /** 32 bytes, base64: the same key as the platform's ENCRYPTION_KEY. Needed only to set credentials. */
  encryptionKey?: string;
  /** Inject a fetch (tests, proxies); defaults to the global one. */
  fetch?: typeof fetch;
}

/** A credential as the platform lists it: never a secret, never ciphertext. */
export interface CredentialInfo {
  name: string;
  kid: string | null;
  created_at: string;
  updated_at: string;
}

export interface Whoami {
  ns: string;
  role: "admin" | "user";
  label: string;
  created_at: string;
}

/**
 * A fetch-based client of the arcrun API. Secrets are encrypted here, before they leave the process.
 *
 * @example
 * const arc = new ArcrunClient({ url, apiKey, encryptionKey });
 * await arc.credentials.put("github", "ghp_…");
 * const run = await arc.runWorkflow("daily-report", { day: "2026-11-25" });
 */
export class ArcrunClient {
  readonly url: string;
  readonly #opts: ArcrunClientOptions;

  constructor(opts: ArcrunClientOptions) {
    this.url = opts.url.replace(/\/+$/, "");
    this.#opts = opts;
  }

  /** Calls the API; any non-2xx answer becomes an {@link ArcrunError}. */
  async request<T = unknown>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.#opts.apiKey}` };
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === "string" ? body : JSON.stringify(body);
      headers["content-type"] = contentType ?? (typeof body === "string" ? "text/plain" : "application/json");
    }
    let res: Response;
    try {
      res = await (this.#opts.fetch ?? fetch)(this.url + path, { method, headers, body: payload });
    } catch (err) {
      const reason = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
      throw new ArcrunError(0, "UNREACHABLE", `Cannot reach the arcrun platform at ${this.url} (${reason})`);
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    if (!res.ok) {
      const { code, message, ...details } = ((json as { error?: Record<string, unknown> })?.error ?? {}) as Record<
        string,
        unknown
      >;
      throw new ArcrunError(
        res.status,
        typeof code === "string" ? code : `HTTP_${res.status}`,
        typeof message === "string" ? message : `${method} ${path} answered HTTP ${res.status}`,
        details,
      );
    }
    return json as T;
  }

  /** `GET /v1/whoami`: the caller's namespace and role. */
  whoami(): Promise<Whoami> {
    return this.request("GET", "/v1/whoami");
  }

  /**
   * `GET /v1/credentials/key`: ids of the platform's key and of the next key during a rotation; admin keys
   * asking `{ usage: true }` also get `usage`, the number of credentials of all API keys per kid.
   */
  platformKey(
    opts: { usage?: boolean } = {},
  ): Promise<{ kid: string | null; next_kid: string | null; usage?: Record<string, number> }> {
    return this.request("GET", `/v1/credentials/key${opts.usage ? "?usage=1" : ""}`);
  }

  /** Credentials of this API key. */
  readonly credentials = {
    /**
     * Encrypts `secret` locally and uploads the envelope. A local key the platform does not hold fails
     * with ArcrunError CREDENTIAL_KEY_MISMATCH naming the credential, before anything is stored.
     */
    put: async (name: string, secret: string, opts: { encryptionKey?: string } = {}): Promise<CredentialInfo> => {
      const key = opts.encryptionKey ?? this.#opts.encryptionKey;
      if (!key) {
        throw new ArcrunError(0, "ENCRYPTION_KEY_MISSING", "No encryption key: pass encryptionKey to ArcrunClient");
      }
      return this.credentials.putEnvelope(await encryptCredential(key, name, secret));
    },
    /** Uploads an envelope encrypted elsewhere. */
    putEnvelope: (envelope: CredentialEnvelope): Promise<CredentialInfo> =>
      this.request("PUT", `/v1/credentials/${encodeURIComponent(envelope.name)}`, envelope),
    list: async (): Promise<CredentialInfo[]> =>
      (await this.request<{ credentials: CredentialInfo[] }>("GET", "/v1/credentials")).credentials,
    get: (name: string): Promise<CredentialInfo> => this.request("GET", `/v1/credentials/${encodeURIComponent(name)}`),
    /** The stored envelope (ciphertext only), for re-encryption during a key rotation. */
    envelope: async (name: string): Promise<CredentialEnvelope> =>
      (
        await this.request<{ envelope: CredentialEnvelope }>(
          "GET",
          `/v1/credentials/${encodeURIComponent(name)}?envelope=1`,
        )
      ).envelope,
    delete: async (name: string): Promise<void> => {
      await this.request("DELETE", `/v1/credentials/${encodeURIComponent(name)}`);
    },
    /** True when the local key is the platform's current (or next) key: check before a batch upload. */
    keyMatches: async (encryptionKey = this.#opts.encryptionKey): Promise<boolean> => {
      if (!encryptionKey) return false;
      const [mine, platform] = await Promise.all([keyId(encryptionKey), this.platformKey()]);
      return mine === platform.kid || mine === platform.next_kid;
    },
  };

  /** `PUT /v1/workflows/{name}` with the workflow's YAML. */
  deployWorkflow<T = unknown>(name: string, yaml: string): Promise<T> {
    return this.request("PUT", `/v1/workflows/${encodeURIComponent(name)}`, yaml, "application/yaml");
  }

  /** `POST /v1/workflows/{name}/runs` with the trigger input. */
  runWorkflow<T = unknown>(name: string, input: unknown = {}): Promise<T> {
    return this.request("POST", `/v1/workflows/${encodeURIComponent(name)}/runs`, input);
  }
}
