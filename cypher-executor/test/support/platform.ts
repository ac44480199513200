import { randomBytes } from "node:crypto";
import { type LocalPlatform, startLocalPlatform } from "../../../cli/src/platform/local";

/** A running platform on workerd for one test file, with an admin key ready. */
export interface TestPlatform {
  url: string;
  apiKey: string;
  ns: string;
  adminToken: string;
  encryptionKey: string;
  platform: LocalPlatform;
  /** Creates another tenant's key (for isolation tests). */
  newKey(role?: "admin" | "user"): Promise<{ apiKey: string; ns: string }>;
  /** fetch against the platform with this key. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  dispose(): Promise<void>;
}

/**
 * Starts the real built executor (and component workers) on workerd, state in memory unless
 * `stateDir` is given, and creates an admin key through the real API.
 *
 * @example
 * const p = await startTestPlatform();
 * afterAll(() => p.dispose());
 */
export async function startTestPlatform(
  opts: {
    stateDir?: string;
    allowHosts?: string[];
    encryptionKey?: string;
    adminToken?: string;
    corsOrigins?: string[];
    rateLimits?: Record<string, { simple: { limit: number; period?: 10 | 60 } }>;
    /** Extra executor bindings, e.g. `{ ARCRUN_ENV: "production" }` to act as on Cloudflare. */
    bindings?: Record<string, string>;
  } = {},
): Promise<TestPlatform> {
  const secrets = {
    encryptionKey: opts.encryptionKey ?? randomBytes(32).toString("base64"),
    adminToken: opts.adminToken ?? `adm_${randomBytes(16).toString("hex")}`,
  };
  const platform = await startLocalPlatform({
    stateDir: opts.stateDir ?? ":memory:",
    secrets,
    port: 0,
    allowHosts: opts.allowHosts ?? [],
    corsOrigins: opts.corsOrigins,
    rateLimits: opts.rateLimits,
    bindings: opts.bindings,
  });
  const newKey = async (role: "admin" | "user" = "user") => {
    const res = await fetch(`${platform.url}/v1/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${secrets.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ role, label: "test" }),
    });
    if (res.status !== 201) throw new Error(`key creation failed: ${res.status} ${await res.text()}`);
    const j = (await res.json()) as { api_key: string; tenant: { ns: string } };
    return { apiKey: j.api_key, ns: j.tenant.ns };
  };
  const first = await newKey("admin");
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(platform.url + path, {
      method,
      headers: {
        authorization: `Bearer ${first.apiKey}`,
        ...(body !== undefined && typeof body !== "string" ? { "content-type": "application/json" } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
  return {
    url: platform.url,
    apiKey: first.apiKey,
    ns: first.ns,
    adminToken: secrets.adminToken,
    encryptionKey: secrets.encryptionKey,
    platform,
    newKey,
    call,
    dispose: () => platform.dispose(),
  };
}

/**
 * The header a human's exposure consent travels in (what `--confirm-exposure` sends), for tests that call
 * a component which sends data out (`POST /v1/components/{name}/call` refuses it without one).
 *
 * @example
 * await p.call("POST", "/v1/components/http_request/call", { input }, exposureConsent());
 */
export function exposureConsent(): Record<string, string> {
  return {
    "x-arcrun-exposure-consent": JSON.stringify({
      confirmed_by_human: true,
      understood: true,
      confirmed_at: new Date().toISOString(),
      via: "flag",
    }),
  };
}
