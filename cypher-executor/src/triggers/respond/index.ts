/**
 * `component: respond`: a step that shapes the webhook's HTTP answer (status, headers, body), e.g.
 * Slack's URL-verification challenge echoed as text, a form's 303 redirect, a TwiML reply. The
 * engine runs it like any step (its data is `{ status, headers, body }`); the webhook route answers
 * with the last `respond` step that succeeded once the run ends or parks.
 */
import type { ExecutionResponse } from "../../engine/service";
import type { StepRunner } from "../../engine/types";
import type { ComponentOutcome } from "../../runtime/types";
import type { Plan } from "../../workflow/plan";
import { answerOf, type FixedAnswer } from "../options/index";

/** The component name workflows use. */
export const RESPOND = "respond";

/**
 * The step runner behind `component: respond`.
 *
 * @example
 * registerStepRunner(respondRunner());
 */
export function respondRunner(): StepRunner {
  return {
    accepts: (c) => c === RESPOND,
    run: async (call) => outcome(call.input),
  };
}

function outcome(input: unknown): ComponentOutcome {
  const { answer, problems } = answerOf(input);
  const base = { logs: "", durationUs: 0, hostCalls: 0 };
  if (!answer) {
    const p = problems[0];
    const where = p?.path.length ? `${p.path.join(".")}: ` : "";
    return {
      status: "failed",
      error: { code: "INVALID_INPUT", message: `respond: ${where}${p?.message ?? "bad answer"}` },
      ...base,
    };
  }
  return { status: "succeeded", data: answer, ...base };
}

/**
 * Deploy-time check of a `respond` step's literal parts (a template is checked when the step runs): keys,
 * a literal `status`, header names and literal header values. Problems carry the sub-path for file:line:col.
 *
 * @example
 * respondConfigProblems({ status: 99 })[0].message // "status must be an integer from 200 to 599"
 */
export function respondConfigProblems(cfg: Record<string, unknown>): Array<{
  code: string;
  message: string;
  path: string[];
}> {
  const out: Array<{ code: string; message: string; path: string[] }> = [];
  const templated = (v: unknown) => typeof v === "string" && v.includes("{{");
  for (const k of Object.keys(cfg))
    if (k !== "status" && k !== "headers" && k !== "body")
      out.push({
        code: "UNKNOWN_KEY",
        message: `Unknown key "${k}" in a respond step (status, headers, body)`,
        path: [k],
      });
  const probe: Record<string, unknown> = {};
  if (cfg.status !== undefined && !templated(cfg.status)) probe.status = cfg.status;
  const headers = cfg.headers;
  if (headers && typeof headers === "object" && !Array.isArray(headers)) {
    probe.headers = Object.fromEntries(
      Object.entries(headers as Record<string, unknown>).map(([k, v]) => [k, templated(v) ? "x" : v]),
    );
  } else if (headers !== undefined && !templated(headers)) probe.headers = headers;
  for (const p of answerOf(probe).problems) out.push({ code: "INVALID_INPUT", message: p.message, path: p.path });
  return out;
}

const respondSteps = new WeakMap<Plan, string[]>();

/** The `respond` steps of a plan, in run order (computed once per compiled plan). */
function stepsOf(plan: Plan): string[] {
  let ids = respondSteps.get(plan);
  if (!ids) {
    ids = plan.order.filter((id) => plan.steps[id]?.component === RESPOND);
    respondSteps.set(plan, ids);
  }
  return ids;
}

/**
 * The HTTP answer a finished (or parked) run chose with a `respond` step; undefined when none ran.
 *
 * @example
 * const shaped = respondAnswer(loaded.plan, r);
 * if (shaped) return shaped;
 */
export function respondAnswer(plan: Plan, r: ExecutionResponse): Response | undefined {
  const ids = stepsOf(plan);
  if (ids.length === 0) return undefined;
  let chosen: FixedAnswer | undefined;
  for (const id of ids) {
    const node = r.nodes?.[id];
    if (node?.status === "succeeded" && node.data && typeof node.data === "object") chosen = node.data as FixedAnswer;
  }
  if (!chosen) return undefined;
  return answerResponse(chosen, r.execution_id);
}

/** A fixed or chosen answer as a Response, with the execution's id for the owner to look it up. */
export function answerResponse(a: FixedAnswer, executionId: string): Response {
  const noBody = a.status === 204 || a.status === 205 || a.status === 304;
  return new Response(noBody ? null : a.body, {
    status: a.status,
    headers: { ...a.headers, "x-arcrun-execution-id": executionId },
  });
}
