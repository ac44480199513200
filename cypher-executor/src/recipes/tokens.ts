/**
 * Access tokens for `oauth2` and `service_account` auth recipes, host side: the service-account
 * key and the refresh token are decrypted here only, the JWT is signed with Web Crypto, and the
 * token is cached per tenant as `{key_hash}:oauth2:{service}:{hash}` in CREDENTIALS_KV with the
 * token's TTL (the same keys the auth_oauth2 / auth_service_account components use via kv_put).
 */
import type { Tenant } from "../auth/api-keys";
import { CredentialError, decryptCredential } from "../credentials/index";
import type { Env } from "../env";
import { outboundFetch } from "../runtime/net";
import type { ComponentRuntime } from "../runtime/types";
import { sha256Hex } from "../utils/crypto";
import { checkDestination, diagnoseError, RecipeError } from "./egress";
import type { AccessTokenProvider } from "./runner";
import type { AuthRecipe } from "./types";

const PLACEHOLDER = /^\{\{\s*credential\.([A-Za-z0-9_-]+)(?:\.([A-Za-z0-9_]+))?\s*\}\}$/;

async function resolve(env: Env, tenant: Tenant, placeholder: string | undefined, what: string): Promise<string> {
  const m = PLACEHOLDER.exec(placeholder ?? "");
  if (!m) throw new RecipeError("CREDENTIAL_REQUIRED", `${what} needs a credential`, 422);
  let plain: string;
  try {
    plain = await decryptCredential(env, tenant, m[1] as string);
  } catch (err) {
    if (err instanceof CredentialError) throw new RecipeError(err.code, err.message, 422, { credential: m[1] });
    throw err;
  }
  if (!m[2]) return plain;
  try {
    const v = (JSON.parse(plain) as Record<string, unknown>)[m[2]];
    if (v === undefined || v === null) throw new Error("missing");
    return typeof v === "string" ? v : JSON.stringify(v);
  } catch {
    throw new RecipeError("CREDENTIAL_FIELD_MISSING", `Credential "${m[1]}" has no field "${m[2]}"`, 422);
  }
}

function b64url(bytes: Uint8Array | string): string {
  const b = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  let bin = "";
  for (const x of b) bin += String.fromCharCode(x);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * Builds and signs a Google service-account JWT (RS256) for `scopes`, audience `aud`.
 *
 * @example
 * const jwt = await googleJwt(serviceAccountJson, ["https://www.googleapis.com/auth/spreadsheets"], tokenUrl);
 */
export async function googleJwt(saJson: string, scopes: string[], aud: string, subject?: string): Promise<string> {
  let sa: { client_email?: string; private_key?: string };
  try {
    sa = JSON.parse(saJson);
  } catch {
    throw new RecipeError(
      "BAD_SERVICE_ACCOUNT",
      "The service-account credential is not the JSON key file Google gives you",
      422,
    );
  }
  if (!sa.client_email || !sa.private_key) {
    throw new RecipeError("BAD_SERVICE_ACCOUNT", "The service-account JSON lacks client_email or private_key", 422);
  }
  const pem = sa.private_key.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
  const der = Uint8Array.from(atob(pem), (ch) => ch.charCodeAt(0));
  const key = await crypto.subtle.importKey("pkcs8", der, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: sa.client_email,
    scope: scopes.join(" "),
    aud,
    iat: now,
    exp: now + 3600,
  };
  if (subject) claims.sub = subject;
  const unsigned = `${b64url(JSON.stringify({ alg: "RS256", typ: "JWT" }))}.${b64url(JSON.stringify(claims))}`;
  const sig = new Uint8Array(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", key, new TextEncoder().encode(unsigned)));
  return `${unsigned}.${b64url(sig)}`;
}

async function exchange(
  env: Env,
  auth: AuthRecipe,
  form: Record<string, string>,
): Promise<{ token: string; ttl: number }> {
  const endpoint = new URL(auth.token_exchange?.endpoint ?? "");
  checkDestination(env, endpoint, auth.allowed_hosts);
  let res: Response;
  try {
    res = await outboundFetch(env, endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams(form).toString(),
      // A redirect would re-send the client secret to wherever Location points, and the token it
      // got there would be cached as this service's: refuse instead of following.
      redirect: "manual",
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    const d = diagnoseError(err);
    throw new RecipeError("TOKEN_EXCHANGE_FAILED", `${endpoint.host}: ${d.message}`, 502, { diagnosis: d.diagnosis });
  }
  if (res.status >= 300 && res.status <= 399) {
    await res.body?.cancel();
    throw new RecipeError(
      "TOKEN_EXCHANGE_REDIRECTED",
      `${endpoint.host} answered the token exchange with a redirect (HTTP ${res.status}); token endpoints are never followed elsewhere: set token_exchange.endpoint to the final URL`,
      502,
      { status: res.status, diagnosis: "UNEXPECTED_STATUS" },
    );
  }
  const body = (await res.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string };
  if (!res.ok || !body.access_token) {
    throw new RecipeError(
      "TOKEN_EXCHANGE_FAILED",
      `${endpoint.host} refused the token exchange (HTTP ${res.status}${body.error ? `, ${body.error}` : ""})`,
      502,
      {
        status: res.status,
        diagnosis: res.status === 400 || res.status === 401 ? "BAD_CREDENTIAL" : "UNEXPECTED_STATUS",
      },
    );
  }
  return { token: body.access_token, ttl: Number(body.expires_in) || 3600 };
}

/**
 * The host-side token provider for a tenant: service accounts (google_jwt) and OAuth 2.0
 * refresh-token / client-credentials grants, cached until shortly before they expire.
 *
 * @example
 * await runApiRecipe(env, tenant, recipe, auth, input, { accessToken: hostAccessTokens(env, tenant) });
 */
export function hostAccessTokens(env: Env, tenant: Tenant): AccessTokenProvider {
  return async (auth, secrets) => {
    const scopes = auth.token_exchange?.scopes ?? [];
    const cacheKey = `${tenant.keyHash}:oauth2:${auth.service}:${(await sha256Hex(JSON.stringify([secrets, scopes, auth.token_exchange?.endpoint]))).slice(0, 16)}`;
    const cached = await env.CREDENTIALS_KV.get(cacheKey);
    if (cached) return cached;
    let got: { token: string; ttl: number };
    if (auth.primitive === "service_account") {
      const sa = await resolve(env, tenant, secrets.service_account, `${auth.service} service_account`);
      const subject = secrets.subject
        ? await resolve(env, tenant, secrets.subject, `${auth.service} subject`)
        : undefined;
      const assertion = await googleJwt(sa, scopes, auth.token_exchange?.endpoint ?? "", subject);
      got = await exchange(env, auth, { grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion });
    } else {
      const form: Record<string, string> = {
        client_id: await resolve(env, tenant, secrets.client_id, `${auth.service} client_id`),
        client_secret: await resolve(env, tenant, secrets.client_secret, `${auth.service} client_secret`),
      };
      if ((auth.token_exchange?.grant_type ?? "refresh_token") === "refresh_token") {
        form.grant_type = "refresh_token";
        form.refresh_token = await resolve(env, tenant, secrets.refresh_token, `${auth.service} refresh_token`);
      } else {
        form.grant_type = "client_credentials";
        if (scopes.length) form.scope = scopes.join(" ");
      }
      got = await exchange(env, auth, form);
    }
    // Refresh a minute early; KV's shortest TTL is 60 s.
    await env.CREDENTIALS_KV.put(cacheKey, got.token, { expirationTtl: Math.max(60, got.ttl - 60) });
    return got.token;
  };
}

const NAME_ONLY = /^\{\{\s*credential\.([A-Za-z0-9_-]+)\s*\}\}$/;

/**
 * Tokens through the auth components (`auth_oauth2`, `auth_service_account`) when the runtime has
 * them, so recipe steps and workflows share one implementation and one `oauth2:*` cache; falls
 * back to {@link hostAccessTokens} for JSON-field credentials, which the component ABI cannot name.
 *
 * @example
 * const tokens = componentAccessTokens(runtime, env, tenant);
 */
export function componentAccessTokens(runtime: ComponentRuntime, env: Env, tenant: Tenant): AccessTokenProvider {
  const host = hostAccessTokens(env, tenant);
  return async (auth, secrets) => {
    const component = auth.primitive === "service_account" ? "auth_service_account" : "auth_oauth2";
    const names: Record<string, string> = {};
    for (const [k, v] of Object.entries(secrets)) {
      const m = NAME_ONLY.exec(v);
      if (!m) return host(auth, secrets);
      names[k] = m[1] as string;
    }
    if (!runtime.has(component)) return host(auth, secrets);
    const input: Record<string, unknown> = { auth_recipe: auth, credentials: names };
    if (auth.primitive === "service_account") {
      // client_email and subject are not secret, but live in credentials: read them here, host side.
      const sa = await resolve(env, tenant, secrets.service_account, `${auth.service} service_account`);
      try {
        input.client_email = (JSON.parse(sa) as { client_email?: string }).client_email;
      } catch {
        throw new RecipeError(
          "BAD_SERVICE_ACCOUNT",
          "The service-account credential is not the JSON key file Google gives you",
          422,
        );
      }
      if (secrets.subject) input.subject = await resolve(env, tenant, secrets.subject, `${auth.service} subject`);
    }
    const out = await runtime.call(component, input, { env, tenant });
    if (out.status !== "succeeded") {
      const e =
        out.status === "failed"
          ? out.error
          : { code: "TOKEN_EXCHANGE_FAILED", message: "the token component did not finish" };
      const diagnosis = /HTTP 40[01]\b/.test(e.message) ? "BAD_CREDENTIAL" : "UNEXPECTED_STATUS";
      throw new RecipeError(e.code, `${component}: ${e.message}`, 502, { component, diagnosis });
    }
    const token = (out.data as { access_token?: unknown } | null)?.access_token;
    if (typeof token !== "string" || !token)
      throw new RecipeError("TOKEN_EXCHANGE_FAILED", `${component} returned no access_token`, 502);
    return token;
  };
}
