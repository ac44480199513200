/**
 * Runs an API recipe as a workflow step: template the request, apply the auth recipe's
 * injection with credential PLACEHOLDERS, and hand it to the egress host function, which alone
 * sees plaintext. Also the connectivity check behind `recipe push` and `POST /v1/recipes/{id}/test`.
 */
import type { Tenant } from "../auth/api-keys";
import type { Env } from "../env";
import { type Diagnosis, diagnoseStatus, type EgressRequest, RecipeError, sendWithCredentials } from "./egress";
import { expandString, expandValue, TemplateError, type TemplateScope } from "./template";
import type { ApiRecipe, AuthRecipe } from "./types";

/** Step-config keys that choose credentials and never reach the request body. */
export const RESERVED_INPUT_KEYS = ["credential", "credentials", "_path"] as const;

/**
 * Gets an access token for oauth2 / service_account auth recipes (the auth_* components).
 * Returns the token string; it is used only in the outgoing request and never logged.
 */
export type AccessTokenProvider = (auth: AuthRecipe, secrets: Record<string, string>) => Promise<string>;

export interface RecipeRunOptions {
  timeoutMs?: number;
  accessToken?: AccessTokenProvider;
}

/** Maps each secret of the auth recipe to a `{{credential.…}}` placeholder from the step config. */
export function credentialPlaceholders(
  auth: AuthRecipe | null,
  input: Record<string, unknown>,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (!auth) return out;
  const map = input.credentials;
  const single = input.credential;
  const secrets = auth.required_secrets;
  if (map && typeof map === "object") {
    for (const [k, v] of Object.entries(map as Record<string, unknown>)) {
      if (typeof v === "string") out[k] = `{{credential.${v}}}`;
    }
  } else if (typeof single === "string") {
    const required = secrets.filter((s) => !s.optional);
    if (required.length === 1 && secrets.length === 1) out[required[0]?.key ?? ""] = `{{credential.${single}}}`;
    // Several secrets in one credential: a JSON object credential, one field per secret.
    else for (const s of secrets) out[s.key] = `{{credential.${single}.${s.key}}}`;
  }
  const missing = secrets.filter((s) => !s.optional && !out[s.key]);
  if (missing.length > 0) {
    throw new RecipeError(
      "CREDENTIAL_REQUIRED",
      `${auth.service} needs ${missing.map((s) => s.key).join(", ")}: set \`credential: <name>\` (or \`credentials: { key: name }\`) on the step`,
      422,
      { service: auth.service, secrets: missing.map((s) => ({ key: s.key, label: s.label, help_url: s.help_url })) },
    );
  }
  return out;
}

// Keeps `{{credential.x}}` placeholders raw (the host substitutes them) and encodes the rest.
function encodeKeepingPlaceholders(s: string): string {
  return s
    .split(/(\{\{\s*credential\.[^}]+\}\})/)
    .map((part, i) => (i % 2 === 1 ? part : encodeURIComponent(part)))
    .join("");
}

function appendQuery(url: string, params: Record<string, string>): string {
  const pairs = Object.entries(params).filter(([, v]) => v !== "");
  if (pairs.length === 0) return url;
  const qs = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeKeepingPlaceholders(v)}`).join("&");
  return `${url}${url.includes("?") ? "&" : "?"}${qs}`;
}

function expandRecord(
  rec: Record<string, string> | undefined,
  scope: TemplateScope,
  where: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(rec ?? {})) out[k] = expandString(v, scope, `${where}.${k}`);
  return out;
}

function encodeBody(body: unknown, headers: Record<string, string>): string {
  const ctKey = Object.keys(headers).find((k) => k.toLowerCase() === "content-type");
  const ct = ctKey ? (headers[ctKey] ?? "") : "";
  if (/x-www-form-urlencoded/i.test(ct)) {
    return Object.entries((body ?? {}) as Record<string, unknown>)
      .map(
        ([k, v]) =>
          `${encodeURIComponent(k)}=${encodeKeepingPlaceholders(typeof v === "string" ? v : JSON.stringify(v))}`,
      )
      .join("&");
  }
  if (!ctKey) headers["Content-Type"] = "application/json";
  return typeof body === "string" && !/json/i.test(ct) && ctKey ? body : JSON.stringify(body);
}

async function scopeFor(
  auth: AuthRecipe | null,
  input: Record<string, unknown>,
  opts: RecipeRunOptions,
): Promise<TemplateScope> {
  const secrets = credentialPlaceholders(auth, input);
  const runtime: Record<string, string> = {};
  if (auth && auth.primitive !== "static_key") {
    if (!opts.accessToken) {
      throw new RecipeError(
        "AUTH_COMPONENT_UNAVAILABLE",
        `${auth.service} uses ${auth.primitive}; its token component (auth_${auth.primitive}) is not available on this platform`,
        502,
      );
    }
    runtime.access_token = await opts.accessToken(auth, secrets);
  }
  return { input, secrets, runtime };
}

/** Applies an auth recipe's injection to a request under construction. */
function inject(
  auth: AuthRecipe | null,
  scope: TemplateScope,
  req: { url: string; headers: Record<string, string>; body?: unknown },
) {
  if (!auth) return { basic: undefined };
  Object.assign(
    req.headers,
    expandRecord(auth.headers, scope, "auth.headers"),
    expandRecord(auth.inject.header, scope, "inject.header"),
  );
  req.url = appendQuery(req.url, expandRecord(auth.inject.query, scope, "inject.query"));
  if (auth.inject.body && req.body && typeof req.body === "object")
    Object.assign(req.body, expandRecord(auth.inject.body, scope, "inject.body"));
  const basic = auth.inject.basic
    ? {
        username: expandString(auth.inject.basic.username, scope, "inject.basic"),
        password: expandString(auth.inject.basic.password, scope, "inject.basic"),
      }
    : undefined;
  return { basic };
}

/** Inserts the auth recipe's path prefix (e.g. `/bot{{secret.bot_token}}`) right after its base URL. */
function withAuthPath(url: string, auth: AuthRecipe | null, scope: TemplateScope, endpointTemplate: string): string {
  if (!auth?.inject.path || /\{\{\s*(auth|secret)\./.test(endpointTemplate)) return url;
  const base = expandString(auth.base_url, scope, "base_url").replace(/\/+$/, "");
  if (!url.startsWith(base)) return url;
  return base + expandString(auth.inject.path, scope, "inject.path") + url.slice(base.length);
}

/** Output of a recipe step. */
export interface RecipeStepResult {
  status: number;
  latency_ms: number;
  [field: string]: unknown;
}

function pick(body: unknown, path: string): unknown {
  let cur = body;
  for (const p of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

/**
 * Runs one API recipe for `tenant` with the step's resolved input.
 *
 * @example
 * const out = await runApiRecipe(env, tenant, recipe, authRecipe, { chat_id: 42, text: "hi", credential: "tg" });
 * // → { status: 200, latency_ms: 83, message_id: 7, … }
 */
export async function runApiRecipe(
  env: Env,
  tenant: Tenant,
  recipe: ApiRecipe,
  auth: AuthRecipe | null,
  input: Record<string, unknown>,
  opts: RecipeRunOptions = {},
): Promise<RecipeStepResult> {
  const missing = recipe.inputs_required.filter((k) => input[k] === undefined || input[k] === null || input[k] === "");
  if (missing.length > 0) {
    throw new RecipeError("INPUT_REQUIRED", `${recipe.canonical_id} needs input ${missing.join(", ")}`, 422, {
      missing,
    });
  }
  try {
    const scope = await scopeFor(auth, input, opts);
    let url = expandString(recipe.endpoint, scope, "endpoint", encodeURIComponent);
    url = withAuthPath(url, auth, scope, recipe.endpoint);
    url = appendQuery(url, expandRecord(recipe.query, scope, "query"));
    const headers = expandRecord(recipe.headers, scope, "headers");
    const hasBody = !["GET", "HEAD", "DELETE"].includes(recipe.method);
    let body: unknown;
    if (hasBody) {
      body =
        recipe.body_template === undefined
          ? Object.fromEntries(
              Object.entries(input).filter(([k]) => !(RESERVED_INPUT_KEYS as readonly string[]).includes(k)),
            )
          : expandValue(recipe.body_template, scope, "body_template");
    }
    const req = { url, headers, body };
    const { basic } = inject(auth, scope, req);
    const egress: EgressRequest = {
      method: recipe.method,
      url: req.url,
      headers: req.headers,
      ...(hasBody ? { body: encodeBody(req.body, req.headers) } : {}),
      ...(basic ? { basic } : {}),
      allowedHosts: auth?.allowed_hosts ?? recipe.allowed_hosts ?? [],
      timeoutMs: opts.timeoutMs ?? 15_000,
    };
    const res = await sendWithCredentials(env, tenant, egress);
    if (res.status < 200 || res.status >= 300) {
      const d = diagnoseStatus(res.status, 200);
      throw new RecipeError("RECIPE_HTTP_ERROR", `${recipe.canonical_id}: ${d.message}`, 502, {
        status: res.status,
        diagnosis: d.diagnosis,
        response: typeof res.body === "string" ? res.body.slice(0, 2000) : res.body,
      });
    }
    const out: RecipeStepResult = { status: res.status, latency_ms: res.latencyMs };
    if (recipe.response_map) {
      for (const [field, path] of Object.entries(recipe.response_map)) out[field] = pick(res.body, path);
    } else {
      out.body = res.body;
    }
    return out;
  } catch (err) {
    if (err instanceof TemplateError)
      throw new RecipeError("RECIPE_TEMPLATE_ERROR", `${err.where}: ${err.message}`, 422, { where: err.where });
    throw err;
  }
}

export interface ConnectivityResult {
  ok: boolean;
  status?: number;
  latency_ms?: number;
  diagnosis: Diagnosis | "BLOCKED";
  message: string;
  /** The URL called, with credential placeholders (never values). */
  url: string;
}

/**
 * One real call through the platform with the named credential, using the auth recipe's `test`
 * request (or a GET of base_url), and a diagnosis a human can act on.
 *
 * @example
 * await checkConnectivity(env, tenant, slackAuth, { credential: "slack_bot" }) // { ok: true, status: 200, … }
 */
export async function checkConnectivity(
  env: Env,
  tenant: Tenant,
  auth: AuthRecipe,
  input: Record<string, unknown>,
  opts: RecipeRunOptions = {},
): Promise<ConnectivityResult> {
  let url = auth.base_url;
  try {
    const scope = await scopeFor(auth, input, opts);
    const test = auth.test ?? { method: "GET" as const, path: "/", expect_status: 200 };
    const base = expandString(auth.base_url, scope, "base_url").replace(/\/+$/, "");
    const prefix = auth.inject.path ? expandString(auth.inject.path, scope, "inject.path") : "";
    const req = {
      url: base + prefix + expandString(test.path, scope, "test.path"),
      headers: { ...expandRecord(test.headers, scope, "test.headers") },
      body: test.body === undefined ? undefined : structuredClone(test.body),
    };
    const { basic } = inject(auth, scope, req);
    url = req.url;
    const hasBody = req.body !== undefined && test.method !== "GET";
    const res = await sendWithCredentials(env, tenant, {
      method: test.method,
      url: req.url,
      headers: req.headers,
      ...(hasBody ? { body: encodeBody(req.body, req.headers) } : {}),
      ...(basic ? { basic } : {}),
      allowedHosts: auth.allowed_hosts,
      timeoutMs: opts.timeoutMs ?? 10_000,
    });
    const d = diagnoseStatus(res.status, test.expect_status);
    return {
      ok: d.diagnosis === "OK",
      status: res.status,
      latency_ms: res.latencyMs,
      diagnosis: d.diagnosis,
      message: d.message,
      url,
    };
  } catch (err) {
    if (err instanceof RecipeError) {
      const diagnosis = (err.details.diagnosis as Diagnosis | undefined) ?? "BLOCKED";
      const latency = err.details.latency_ms as number | undefined;
      return {
        ok: false,
        diagnosis,
        message: `${err.code}: ${err.message}`,
        url,
        ...(latency !== undefined ? { latency_ms: latency } : {}),
      };
    }
    if (err instanceof TemplateError)
      return { ok: false, diagnosis: "BLOCKED", message: `${err.where}: ${err.message}`, url };
    throw err;
  }
}
