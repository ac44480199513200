/**
 * How MCP tools reach the platform: through the REST API itself, so every rule (authentication, tenant
 * scope, exposure consent, redaction, limits) is the one the HTTP API enforces, with no second copy.
 */

/** A REST answer: status and parsed JSON body (or the text when it is not JSON). */
export interface ApiAnswer {
  status: number;
  body: unknown;
}

/** Calls one REST route as the MCP caller. */
export type ApiCall = (
  method: string,
  path: string,
  body?: { json: unknown } | { yaml: string },
  headers?: Record<string, string>,
) => Promise<ApiAnswer>;

/**
 * An {@link ApiCall} that dispatches to `fetch` (the app's own handler, in process) with the caller's
 * credentials. No request leaves the isolate. Each call is also handed to `waitUntil`, so a call a tool
 * stops waiting for (a run past its timeout) still finishes after the MCP answer is sent.
 *
 * @example
 * const api = inProcessApi((req) => app.fetch(req, c.env, c.executionCtx), auth, (p) => c.executionCtx.waitUntil(p));
 * const { status, body } = await api("GET", "/v1/workflows");
 */
export function inProcessApi(
  fetcher: (req: Request) => Promise<Response>,
  authorization: string,
  waitUntil: (p: Promise<unknown>) => void,
): ApiCall {
  return (method, path, body, headers) => {
    const call = dispatch(fetcher, authorization, method, path, body, headers);
    waitUntil(call.catch(() => undefined));
    return call;
  };
}

async function dispatch(
  fetcher: (req: Request) => Promise<Response>,
  authorization: string,
  ...[method, path, body, headers = {}]: Parameters<ApiCall>
): Promise<ApiAnswer> {
  {
    const init: RequestInit = { method, headers: { authorization, ...headers } };
    if (body && "json" in body) {
      init.body = JSON.stringify(body.json);
      (init.headers as Record<string, string>)["content-type"] = "application/json";
    } else if (body && "yaml" in body) {
      init.body = body.yaml;
      (init.headers as Record<string, string>)["content-type"] = "application/yaml";
    }
    const res = await fetcher(new Request(`http://arcrun.internal${path}`, init));
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === "" ? null : JSON.parse(text);
    } catch {
      // Not JSON: keep the text.
    }
    return { status: res.status, body: parsed };
  }
}

/** The API's error shape, when `body` has one. */
export function apiError(body: unknown): { code: string; message: string; details?: unknown } | null {
  const e = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (!e || typeof e.code !== "string") return null;
  const { code, message, ...rest } = e as Record<string, unknown>;
  return {
    code: code as string,
    message: typeof message === "string" ? message : "",
    ...(Object.keys(rest).length ? { details: rest } : {}),
  };
}
