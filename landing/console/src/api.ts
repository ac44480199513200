/**
 * The console's API client: same origin, the session cookie (HttpOnly, never readable here) authenticates,
 * and every write carries `X-Arcrun-Console: 1` (the server refuses cookie writes without it: CSRF).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
}

/** Called when the session has ended (401): the app shows the sign-in page. */
let onSignedOut: () => void = () => {};
export function setSignedOutHandler(f: () => void): void {
  onSignedOut = f;
}

/**
 * Calls the API. A string body is sent as YAML; anything else as JSON.
 *
 * @example
 * const { workflows } = await api<{ workflows: WorkflowSummary[] }>("GET", "/v1/workflows");
 */
export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  opts: { headers?: Record<string, string>; bearer?: string; quiet401?: boolean } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json", ...opts.headers };
  if (method !== "GET") headers["x-arcrun-console"] = "1";
  if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
  let payload: BodyInit | undefined;
  if (typeof body === "string") {
    payload = body;
    headers["content-type"] = "application/yaml";
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers["content-type"] = "application/json";
  }
  const res = await fetch(path, { method, headers, body: payload, credentials: "same-origin", cache: "no-store" });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = { error: { code: "NOT_JSON", message: text.slice(0, 200) } };
  }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string } })?.error ?? {};
    if (res.status === 401 && !opts.quiet401) onSignedOut();
    throw new ApiError(res.status, err.code ?? `HTTP_${res.status}`, err.message ?? res.statusText, json);
  }
  return json as T;
}

export const enc = encodeURIComponent;

export interface Tenant {
  ns: string;
  role: "admin" | "user";
  label: string;
}
export interface WorkflowSummary {
  name: string;
  version: number;
  description?: string;
  cron?: string;
  updated_at: string;
}
export interface Workflow extends WorkflowSummary {
  source: string;
  webhook_auth: "api_key" | "hmac" | "none";
  created_at: string;
}
export interface Diagnostic {
  code: string;
  message: string;
  path?: string;
  pos?: { line: number; column: number };
}
export interface FlowGraph {
  nodes: Array<{ id: string; component: string | null; role: string; subflow?: string }>;
  edges: Array<{ from: string; to: string; kind: string; condition?: string; branch?: string; over?: string }>;
  order: string[];
  outputs: string[];
}
export interface Validation {
  valid: boolean;
  errors: Diagnostic[];
  warnings: Diagnostic[];
  graph?: FlowGraph;
}
export type ExecStatus = "running" | "succeeded" | "failed" | "waiting" | "interrupted";
export interface ExecutionSummary {
  id: string;
  workflow: string;
  status: ExecStatus;
  trigger: string;
  started_at: string;
  updated_at: string;
  duration_ms?: number;
}
export interface NodeRecord {
  status: "succeeded" | "failed" | "skipped" | "pending" | "running";
  data?: unknown;
  error?: { code: string; message: string };
  attempts: number;
  duration_ms: number;
  started_at?: string;
  input?: unknown;
  reused?: boolean;
  handled?: boolean;
  logs?: unknown;
  pending?: { task_id: string; resume_at?: string };
}
export interface Execution extends ExecutionSummary {
  version: number;
  finished_at?: string;
  input: unknown;
  output?: unknown;
  error?: { code: string; message: string };
  nodes: Record<string, NodeRecord>;
  kv_writes: number;
  resumes?: number;
}
export interface ExposureReview {
  subject: { kind: string; name: string };
  destinations: Array<{ host: string; scheme: string; allowed: boolean; sends: string[] }>;
  findings: Array<{ code: string; severity: "danger" | "warning" | "notice"; message: string; where: string }>;
  fingerprint: string;
}
