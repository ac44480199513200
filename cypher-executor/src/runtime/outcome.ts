import type { SandboxResult } from "../lib/wasi-shim";
import type { ComponentError, ComponentOutcome } from "./types";

const UPPER_SNAKE = /^[A-Z][A-Z0-9_]*$/;
const decoder = new TextDecoder();

/**
 * Turns what the sandbox saw (exit code, stdout, stderr) into the engine's outcome, following the
 * output protocol of docs/component-abi.md.
 */
export function toOutcome(r: SandboxResult, durationUs: number): ComponentOutcome {
  const base = { logs: r.stderr, durationUs, hostCalls: r.hostCalls };
  const failed = (error: ComponentError): ComponentOutcome => ({ status: "failed", error, ...base });
  if (r.abort) return failed({ code: r.abort.code, message: r.abort.message });

  const text = decoder.decode(r.stdout);
  let parsed: unknown;
  let isJson = false;
  try {
    parsed = JSON.parse(text);
    isJson = true;
  } catch {
    // handled below, by exit code
  }
  if (r.exitCode === 1) {
    const err = isJson ? asError(parsed) : undefined;
    return failed(err ?? { code: "COMPONENT_FAILED", message: `the component exited with code 1${tail(r.stderr)}` });
  }
  if (r.exitCode !== 0) {
    return failed({
      code: "COMPONENT_TRAPPED",
      message: `the component exited with code ${r.exitCode}${tail(r.stderr)}`,
    });
  }
  if (!isJson) {
    return failed({
      code: "OUTPUT_NOT_JSON",
      message: text.trim() === "" ? "the component wrote no output" : "the component's output is not valid JSON",
    });
  }
  const err = asError(parsed);
  if (err && Object.keys(parsed as object).length === 1) return failed(err);
  if (isPending(parsed)) return { status: "pending", pending: parsed, ...base };
  return { status: "succeeded", data: parsed, ...base };
}

function asError(v: unknown): ComponentError | undefined {
  const e = (v as { error?: unknown } | null)?.error as { code?: unknown; message?: unknown } | undefined;
  if (!e || typeof e !== "object" || typeof e.code !== "string") return undefined;
  const message = typeof e.message === "string" ? e.message : "";
  if (!UPPER_SNAKE.test(e.code)) {
    return { code: "COMPONENT_FAILED", message: message || e.code, details: { reported_code: e.code } };
  }
  const details = (e as { details?: unknown }).details;
  // Details are kept when the component gives an object (http_request: the failed response).
  if (details && typeof details === "object" && !Array.isArray(details)) {
    return { code: e.code, message, details: details as Record<string, unknown> };
  }
  return { code: e.code, message };
}

function isPending(v: unknown): v is { pending: true; task_id: string; resume_at?: string } {
  const p = v as { pending?: unknown; task_id?: unknown } | null;
  return !!p && typeof p === "object" && p.pending === true && typeof p.task_id === "string";
}

function tail(stderr: string): string {
  const t = stderr.trim();
  return t ? `: ${t.length > 500 ? `…${t.slice(-500)}` : t}` : "";
}

/**
 * The original arcrun's result convention: a component answers `{ success, data, error }`, and
 * `success: false` means the step failed, so ON_FAIL, retries and the execution status see a failure.
 * Applied to every component outcome (wasm, `code`, recipes): only a top-level boolean `false` counts.
 * The message is the result's `error` (text, or `{ code?, message }`); the code is `COMPONENT_FAILED`
 * unless the result names an UPPER_SNAKE one. The whole result stays readable as `error.details.result`.
 *
 * @example
 * conventionalFailure({ status: "succeeded", data: { success: false, error: "no rows" }, ... })
 * // → { status: "failed", error: { code: "COMPONENT_FAILED", message: "no rows", details: { result } }, ... }
 */
export function conventionalFailure(outcome: ComponentOutcome): ComponentOutcome {
  if (outcome.status !== "succeeded") return outcome;
  const data = outcome.data as { success?: unknown; error?: unknown } | null;
  if (!data || typeof data !== "object" || Array.isArray(data) || data.success !== false) return outcome;
  const e = data.error as { code?: unknown; message?: unknown } | string | null | undefined;
  let code = "COMPONENT_FAILED";
  let message = "the component answered success: false";
  if (typeof e === "string" && e !== "") message = e;
  else if (e && typeof e === "object") {
    if (typeof e.message === "string" && e.message !== "") message = e.message;
    else message = JSON.stringify(e).slice(0, 500);
    if (typeof e.code === "string" && UPPER_SNAKE.test(e.code)) code = e.code;
  }
  const { data: _drop, ...rest } = outcome;
  return { ...rest, status: "failed", error: { code, message, details: { result: data } } };
}
