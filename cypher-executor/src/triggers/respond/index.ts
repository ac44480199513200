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
