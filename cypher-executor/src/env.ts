/**
 * The bindings of the cypher-executor, as declared in `wrangler.jsonc`.
 * KV namespaces and key formats follow the seed; see docs/storage.md for the exact keys.
 */
export interface Env {
  /** Workflow definitions: `webhook:{key_hash}:{name}`. */
  WEBHOOKS: KVNamespace;
  /** Encrypted credentials: `{key_hash}:cred:{name}`. */
  CREDENTIALS_KV: KVNamespace;
  /** Auth recipes `auth_recipe:{service}` and API recipes `rec_{hash}`. */
  RECIPES: KVNamespace;
  /** API keys: `user:{key_hash}`, and `ns:{ns}` → key hash. */
  USERS_KV: KVNamespace;
  /** Sessions: `session:{token}`. */
  SESSIONS_KV: KVNamespace;
  /** Execution summaries: `execution:{timestamp}:{id}`. */
  ANALYTICS_KV: KVNamespace;
  /** acr serve only: ANALYTICS_KV's service taking many puts in one call (group commit of execution records). */
  ANALYTICS_KV_BULK?: Fetcher;
  /**
   * acr serve only: the Durable Object behind ANALYTICS_KV (its `putRecords` over RPC), with the namespace's
   * name (ANALYTICS_KV_NAMESPACE): execution records go straight to the store, which group-commits them.
   */
  ANALYTICS_KV_STORE?: DurableObjectNamespace;
  ANALYTICS_KV_NAMESPACE?: string;
  /** Running executions: `ctx:{execution_id}:{node_id}`. */
  EXEC_CONTEXT: KVNamespace;
  /** User-made components only: `{key_hash}:cmp:{hash}`. */
  WASM_BUCKET: R2Bucket;
  /** The console's built files (`/console`): a service binding to the generated console worker. */
  CONSOLE?: Fetcher;
  /** 32 bytes, base64: read only inside the crypto host functions. */
  ENCRYPTION_KEY?: string;
  /** During a key rotation only: the new key (32 bytes, base64); envelopes pick their key by `kid`. */
  ENCRYPTION_KEY_NEXT?: string;
  /** Optional bootstrap token that may create API keys (`POST /v1/admin/keys`). */
  ADMIN_TOKEN?: string;
  /** `{subdomain}` of `arcrun-{kebab}.{subdomain}.workers.dev`, for component workers. */
  WORKER_SUBDOMAIN?: string;
  /** `production` on Cloudflare, `local` under `acr dev` / `acr serve`. */
  ARCRUN_ENV?: string;
  /** Comma-separated hosts that http_request may reach although private (local testing only). */
  ARCRUN_ALLOW_HOSTS?: string;
  /** Comma-separated browser origins allowed to call the API (CORS); unset = CORS off. `*` = any origin. */
  ARCRUN_CORS_ORIGINS?: string;
  /** Optional token for scraping `/metrics` (besides ADMIN_TOKEN and admin API keys). */
  METRICS_TOKEN?: string;
  /** `acr dev`/`acr serve` only: a network service that may reach private addresses, used for ARCRUN_ALLOW_HOSTS. */
  ARCRUN_PRIVATE_NET?: Fetcher;
  /** Days a finished execution record is kept (default 30; `0` keeps records forever). */
  ARCRUN_HISTORY_DAYS?: string;
  /** Rate limit of open (`auth: none`) webhooks without their own `rate_limit`: `"60/1m"` (default) or `off`. */
  ARCRUN_OPEN_WEBHOOK_RATE_LIMIT?: string;
  /**
   * Cloudflare's Rate Limiting binding (`ratelimits` in wrangler.jsonc): when bound, it counts open webhooks
   * without their own `rate_limit` per location instead of each isolate's memory; its `simple` limit applies.
   */
  ARCRUN_WEBHOOK_LIMITER?: RateLimit;
  /** Rate limit over all webhook triggers of one tenant, e.g. `"600/1m"`; unset = none. */
  ARCRUN_TENANT_WEBHOOK_RATE_LIMIT?: string;
}
