/**
 * The host side of a recipe call: the only place where `{{credential.NAME}}` placeholders become
 * plaintext. It checks the destination against the recipe's allowed hosts (and keeps private
 * addresses closed unless ARCRUN_ALLOW_HOSTS opens them for local stand-ins), substitutes the
 * credentials, sends, and scrubs every substituted value out of what it returns.
 */
import type { Tenant } from "../auth/api-keys";
import { CredentialError, decryptCredential } from "../credentials/index";
import type { Env } from "../env";
import { isPrivateHost } from "../runtime/host/ssrf";
import { maskSecrets } from "../runtime/mask";
import { isOperatorAllowed, outboundFetch } from "../runtime/net";

const PLACEHOLDER = /\{\{\s*credential\.([A-Za-z0-9_-]+)(?:\.([A-Za-z0-9_]+))?\s*\}\}/g;

/** A failure of a recipe call; `code` is UPPER_SNAKE and safe to show (no secrets inside). */
export class RecipeError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: 400 | 403 | 404 | 422 | 502 | 504 = 502,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "RecipeError";
  }
}

export interface EgressRequest {
  method: string;
  /** May contain credential placeholders (e.g. Telegram's token in the path). */
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** HTTP Basic credentials (templates), base64-encoded after substitution. */
  basic?: { username: string; password: string };
  /** Host patterns this call may reach (`api.example.com`, `*.myshopify.com`). */
  allowedHosts: string[];
  timeoutMs: number;
}

export interface EgressResponse {
  status: number;
  contentType: string;
  /** Parsed JSON when the answer is JSON, else text; secrets scrubbed. */
  body: unknown;
  latencyMs: number;
}

/** What went wrong on the wire, in words a user can act on. */
export type Diagnosis =
  | "OK"
  | "DNS"
  | "TLS"
  | "CONNECTION_REFUSED"
  | "TIMEOUT"
  | "NETWORK"
  | "BAD_CREDENTIAL"
  | "FORBIDDEN"
  | "WRONG_BASE_URL"
  | "RATE_LIMITED"
  | "SERVER_ERROR"
  | "UNEXPECTED_STATUS";

/** Hosts that must never be reached from a recipe unless explicitly allowed (SSRF): one rule for recipes and http_request. */
export { isPrivateHost };

/**
 * True when `host` (optionally `host:port`) matches a pattern: exact, or `*.suffix`.
 *
 * @example
 * hostMatches("shop1.myshopify.com", "*.myshopify.com") // true
 */
export function hostMatches(hostWithPort: string, pattern: string): boolean {
  const p = pattern.toLowerCase();
  const hp = hostWithPort.toLowerCase();
  const host = hp.replace(/:\d+$/, "");
  const target = p.includes(":") ? hp : host;
  if (p.startsWith("*.")) return target.endsWith(p.slice(1));
  return target === p;
}

/** Checks a final URL against the policy; throws a RecipeError naming the host. */
export function checkDestination(env: Env, url: URL, allowedHosts: string[]): void {
  const isLocal = isOperatorAllowed(env, url);
  if (!allowedHosts.some((p) => hostMatches(url.host, p))) {
    throw new RecipeError(
      "HOST_NOT_ALLOWED",
      `${url.host} is not in the recipe's allowed_hosts (${allowedHosts.join(", ")})`,
      403,
      {
        host: url.host,
      },
    );
  }
  if (isPrivateHost(url.hostname) && !isLocal) {
    throw new RecipeError(
      "PRIVATE_HOST",
      `${url.host} is a private address; recipes may reach public hosts only`,
      403,
      {
        host: url.host,
      },
    );
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLocal)) {
    throw new RecipeError("INSECURE_URL", `Recipes must use https:// (got ${url.protocol}//${url.host})`, 403, {
      host: url.host,
    });
  }
}

/** Resolves every credential placeholder in `texts`; returns the substituted texts and the secrets used. */
async function substitute(env: Env, tenant: Tenant, texts: string[]): Promise<{ out: string[]; secrets: string[] }> {
  const cache = new Map<string, string>();
  const secrets: string[] = [];
  const resolve = async (name: string, field: string | undefined): Promise<string> => {
    const cacheKey = `${name}.${field ?? ""}`;
    const hit = cache.get(cacheKey);
    if (hit !== undefined) return hit;
    let plain: string;
    try {
      plain = await decryptCredential(env, tenant, name);
    } catch (err) {
      if (err instanceof CredentialError) {
        throw new RecipeError(err.code, err.message, err.code === "CREDENTIAL_NOT_FOUND" ? 404 : 502, {
          credential: name,
        });
      }
      throw err;
    }
    let value = plain;
    if (field) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(plain);
      } catch {
        throw new RecipeError(
          "CREDENTIAL_NOT_JSON",
          `Credential "${name}" is not a JSON object, so it has no field "${field}"`,
          422,
          {
            credential: name,
          },
        );
      }
      const v = (parsed as Record<string, unknown>)?.[field];
      if (v === undefined || v === null) {
        throw new RecipeError("CREDENTIAL_FIELD_MISSING", `Credential "${name}" has no field "${field}"`, 422, {
          credential: name,
          field,
        });
      }
      value = typeof v === "string" ? v : JSON.stringify(v);
    }
    cache.set(cacheKey, value);
    if (value.length >= 4) secrets.push(value);
    return value;
  };
  const out: string[] = [];
  for (const t of texts) {
    let result = "";
    let last = 0;
    for (const m of t.matchAll(PLACEHOLDER)) {
      result += t.slice(last, m.index) + (await resolve(m[1] as string, m[2]));
      last = (m.index ?? 0) + m[0].length;
    }
    out.push(result + t.slice(last));
  }
  return { out, secrets };
}

/** Removes every secret (and its base64 forms) from a text. */
export function scrub(text: string, secrets: string[]): string {
  return maskSecrets(text, secrets, "[redacted]");
}

function b64(s: string): string {
  let bin = "";
  for (const b of new TextEncoder().encode(s)) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** Maps a thrown fetch error to a diagnosis. */
export function diagnoseError(err: unknown): { diagnosis: Diagnosis; message: string } {
  const msg = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  if (/timeout|aborted|abort/i.test(msg))
    return { diagnosis: "TIMEOUT", message: "The service did not answer in time" };
  if (/dns|resolve|ENOTFOUND|getaddrinfo|name.*not known/i.test(msg)) {
    return { diagnosis: "DNS", message: "The host name does not resolve: check base_url" };
  }
  if (/tls|ssl|certificate|handshake/i.test(msg)) return { diagnosis: "TLS", message: "The TLS handshake failed" };
  if (/refused|ECONNREFUSED/i.test(msg))
    return { diagnosis: "CONNECTION_REFUSED", message: "The host refused the connection" };
  return { diagnosis: "NETWORK", message: "The network call failed before an answer arrived" };
}

/** Maps an HTTP status to a diagnosis (relative to the status the caller expected). */
export function diagnoseStatus(status: number, expected: number): { diagnosis: Diagnosis; message: string } {
  if (status === expected || (expected === 200 && status >= 200 && status < 300))
    return { diagnosis: "OK", message: "Reached the service and the credential was accepted" };
  if (status === 401)
    return {
      diagnosis: "BAD_CREDENTIAL",
      message: "HTTP 401: the service rejected the credential (wrong, expired or revoked)",
    };
  if (status === 403)
    return {
      diagnosis: "FORBIDDEN",
      message: "HTTP 403: the credential is valid but lacks the permission/scope for this call",
    };
  if (status === 404)
    return {
      diagnosis: "WRONG_BASE_URL",
      message: "HTTP 404: the path does not exist there: check base_url / endpoint",
    };
  if (status === 429) return { diagnosis: "RATE_LIMITED", message: "HTTP 429: rate limited; try again later" };
  if (status >= 500) return { diagnosis: "SERVER_ERROR", message: `HTTP ${status}: the service failed` };
  return { diagnosis: "UNEXPECTED_STATUS", message: `HTTP ${status}, expected ${expected}` };
}

/**
 * Sends one request on behalf of `tenant`, substituting credentials at the last moment.
 * Network failures throw a RecipeError with a `diagnosis` detail; any HTTP answer is returned.
 *
 * @example
 * const res = await sendWithCredentials(env, tenant, { method: "GET", url, headers: {}, allowedHosts: ["api.x.com"], timeoutMs: 10_000 });
 */
export async function sendWithCredentials(env: Env, tenant: Tenant, req: EgressRequest): Promise<EgressResponse> {
  const headerEntries = Object.entries(req.headers);
  const texts = [
    req.url,
    ...headerEntries.map(([, v]) => v),
    req.body ?? "",
    req.basic?.username ?? "",
    req.basic?.password ?? "",
  ];
  // The destination is checked AFTER substitution, so a credential value can never pick an unlisted host.
  const { out, secrets } = await substitute(env, tenant, texts);
  const [url, ...rest] = out;
  const headers = new Headers();
  for (const [i, [k]] of headerEntries.entries()) headers.set(k, rest[i] ?? "");
  const body = req.body === undefined ? undefined : rest[headerEntries.length];
  if (req.basic) {
    const user = rest[headerEntries.length + 1] ?? "";
    const pass = rest[headerEntries.length + 2] ?? "";
    const token = b64(`${user}:${pass}`);
    secrets.push(token);
    headers.set("Authorization", `Basic ${token}`);
  }
  let target: URL;
  try {
    target = new URL(url ?? "");
  } catch {
    throw new RecipeError("BAD_URL", `Not a valid URL after templating: ${scrub(url ?? "", secrets)}`, 422);
  }
  checkDestination(env, target, req.allowedHosts);
  const started = Date.now();
  let res: Response;
  try {
    res = await outboundFetch(env, target, {
      method: req.method,
      headers,
      body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
      redirect: "manual",
      signal: AbortSignal.timeout(req.timeoutMs),
    });
  } catch (err) {
    const d = diagnoseError(err);
    throw new RecipeError(
      d.diagnosis === "TIMEOUT" ? "UPSTREAM_TIMEOUT" : "UPSTREAM_UNREACHABLE",
      `${target.host}: ${d.message}`,
      d.diagnosis === "TIMEOUT" ? 504 : 502,
      {
        diagnosis: d.diagnosis,
        host: target.host,
        latency_ms: Date.now() - started,
      },
    );
  }
  const text = scrub(await res.text(), secrets);
  const latencyMs = Date.now() - started;
  const contentType = res.headers.get("content-type") ?? "";
  let parsed: unknown = text;
  if (/json/i.test(contentType) || /^\s*[[{]/.test(text)) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: res.status, contentType, body: parsed, latencyMs };
}
