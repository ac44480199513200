/**
 * The webhook's HTTP options beside `auth`/`secret`/`signature`: which methods it answers (`methods`),
 * when and what it answers (`respond`), and how often it may be called (`rate_limit`).
 */
import { parseDuration } from "../../workflow/duration";

export type WebhookMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
const METHODS: WebhookMethod[] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/** A fixed answer given at once, before the run (which goes on in the background). */
export interface FixedAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface WebhookOptions {
  /** Methods the webhook answers; absent = POST only. */
  methods?: WebhookMethod[];
  /** Absent or `result`: answer when the run ends. `immediately`: 202 at once. A mapping: that answer at once. */
  respond?: "result" | "immediately" | FixedAnswer;
  /** Calls allowed per window (per webhook, per isolate); `false` = none even for an open webhook. */
  rateLimit?: { requests: number; windowMs: number } | false;
}

export const WEBHOOK_OPTION_KEYS = ["methods", "respond", "rate_limit"];

/** Headers a workflow may not set on an answer: the platform's own, and cookies on the platform's origin. */
export const FORBIDDEN_ANSWER_HEADERS =
  /^(set-cookie|set-cookie2|content-length|transfer-encoding|connection|keep-alive|upgrade|trailer|x-arcrun-.*|access-control-.*)$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;

/**
 * Checks the answer of a `respond` node or a fixed `respond:` mapping: status 200–599, header names and
 * text values, a body of text (sent as is, `text/plain` unless a content type is given) or JSON.
 *
 * @example
 * answerOf({ status: 303, headers: { location: "/thanks" } }).answer // { status: 303, headers: { location: "/thanks" }, body: "" }
 */
export function answerOf(raw: unknown): { answer?: FixedAnswer; problems: Array<{ message: string; path: string[] }> } {
  const problems: Array<{ message: string; path: string[] }> = [];
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
    return { problems: [{ message: "an answer must be a mapping { status, headers, body }", path: [] }] };
  }
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (k !== "status" && k !== "headers" && k !== "body")
      problems.push({ message: `unknown key "${k}" (expected status, headers, body)`, path: [k] });
  const status = o.status === undefined ? 200 : Number(o.status);
  if (!Number.isInteger(status) || status < 200 || status > 599)
    problems.push({ message: "status must be an integer from 200 to 599", path: ["status"] });
  const headers: Record<string, string> = {};
  if (o.headers !== undefined && o.headers !== null) {
    if (typeof o.headers !== "object" || Array.isArray(o.headers)) {
      problems.push({ message: "headers must be a mapping of header names to text", path: ["headers"] });
    } else {
      for (const [name, value] of Object.entries(o.headers as Record<string, unknown>)) {
        const lower = name.toLowerCase();
        if (!HEADER_NAME.test(name))
          problems.push({ message: `"${name}" is not a header name`, path: ["headers", name] });
        else if (FORBIDDEN_ANSWER_HEADERS.test(lower))
          problems.push({ message: `a workflow cannot set the ${name} header`, path: ["headers", name] });
        else if (value === null || typeof value === "object" || /[\r\n]/.test(String(value)))
          problems.push({ message: `header ${name} must be one line of text`, path: ["headers", name] });
        else headers[lower] = String(value);
      }
    }
  }
  let body = "";
  if (typeof o.body === "string") body = o.body;
  else if (o.body !== undefined && o.body !== null) {
    body = JSON.stringify(o.body);
    headers["content-type"] ??= "application/json";
  }
  if (body !== "") headers["content-type"] ??= "text/plain; charset=utf-8";
  return problems.length ? { problems } : { answer: { status, headers, body }, problems };
}

/**
 * Checks `methods`, `respond` and `rate_limit` of `trigger.webhook`.
 *
 * @example
 * checkWebhookOptions({ methods: ["GET", "POST"], rate_limit: "30/1m" }).options
 * // { methods: ["GET", "POST"], rateLimit: { requests: 30, windowMs: 60000 } }
 */
export function checkWebhookOptions(v: Record<string, unknown>): {
  options: WebhookOptions;
  problems: Array<{ message: string; path: string[] }>;
} {
  const problems: Array<{ message: string; path: string[] }> = [];
  const options: WebhookOptions = {};
  if (v.methods !== undefined) {
    const list = typeof v.methods === "string" ? [v.methods] : v.methods;
    const methods = Array.isArray(list) ? list.map((m) => String(m).toUpperCase()) : [];
    const bad = methods.filter((m) => !METHODS.includes(m as WebhookMethod));
    if (!Array.isArray(list) || methods.length === 0 || bad.length)
      problems.push({ message: `methods must be a list of ${METHODS.join(", ")}`, path: ["methods"] });
    else options.methods = [...new Set(methods)] as WebhookMethod[];
  }
  if (v.respond !== undefined) {
    if (v.respond === "result" || v.respond === "immediately") options.respond = v.respond;
    else if (typeof v.respond === "string")
      problems.push({
        message: "respond must be result, immediately or a mapping { status, headers, body }",
        path: ["respond"],
      });
    else {
      const a = answerOf(v.respond);
      for (const p of a.problems) problems.push({ message: `respond: ${p.message}`, path: ["respond", ...p.path] });
      if (a.answer) options.respond = a.answer;
    }
  }
  if (v.rate_limit !== undefined) {
    const r = rateLimitOf(v.rate_limit);
    if (r === undefined)
      problems.push({
        message: 'rate_limit must be "<requests>/<duration>" (e.g. "60/1m"), { requests, per } or false',
        path: ["rate_limit"],
      });
    else options.rateLimit = r;
  }
  return { options, problems };
}

/** `"60/1m"`, `{ requests: 60, per: 1m }` or `false`; undefined when malformed. */
export function rateLimitOf(raw: unknown): WebhookOptions["rateLimit"] | undefined {
  if (raw === false || raw === "off") return false;
  let requests: unknown;
  let per: unknown;
  if (typeof raw === "string" && raw.includes("/")) [requests, per] = raw.split("/", 2).map((s) => s.trim());
  else if (raw && typeof raw === "object" && !Array.isArray(raw)) {
    const o = raw as Record<string, unknown>;
    if (Object.keys(o).some((k) => k !== "requests" && k !== "per")) return undefined;
    requests = o.requests;
    per = o.per ?? "1m";
  } else return undefined;
  const n = Number(requests);
  let windowMs = 0;
  try {
    windowMs = parseDuration(per as string | number);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000 || windowMs < 1000 || windowMs > 86_400_000) return undefined;
  return { requests: n, windowMs };
}
