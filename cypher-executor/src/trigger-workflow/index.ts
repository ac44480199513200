/**
 * `trigger_workflow`: the original arcrun's built-in that starts another named workflow of the same
 * tenant from a step. Asynchronous by default (the step gets the new execution's id at once);
 * `wait: true` runs it to the end first. Chains are cycle-safe like subflows.
 */
import { MAX_SUBFLOW_DEPTH, runPlan } from "../engine/run";
import { type Platform, startExecution } from "../engine/service";
import type { StepCall, StepRunner } from "../engine/types";
import type { ComponentError, ComponentOutcome } from "../runtime/types";

/** The component name workflows use. */
export const TRIGGER_WORKFLOW = "trigger_workflow";
const NAME = /^[a-z0-9_-]{1,64}$/;

/**
 * Workflow names that led to each triggered execution (by execution id). In memory: a chain that
 * continues in another isolate starts afresh there, and is still bounded by the depth limit per isolate.
 */
const chains = new Map<string, string[]>();
const CHAINS_MAX = 10_000;

/**
 * The step runner behind `component: trigger_workflow`.
 *
 * @example
 * registerStepRunner(triggerWorkflowRunner(() => getPlatform()));
 */
export function triggerWorkflowRunner(platform: () => Platform): StepRunner {
  return {
    accepts: (c) => c === TRIGGER_WORKFLOW,
    run: (call) => trigger(platform(), call),
  };
}

async function trigger(platform: Platform, call: StepCall): Promise<ComponentOutcome> {
  const cfg = (call.input && typeof call.input === "object" ? call.input : {}) as Record<string, unknown>;
  const name = String(cfg.workflow_name ?? cfg.workflow ?? "");
  if (!NAME.test(name)) {
    return failed({
      code: "INVALID_INPUT",
      message: `trigger_workflow needs workflow_name (a workflow name), got "${name}"`,
    });
  }
  const chain = chainOf(call.executionId);
  if (chain.includes(name)) {
    return failed({ code: "TRIGGER_CYCLE", message: `trigger_workflow cycle: ${[...chain, name].join(" → ")}` });
  }
  if (chain.length >= MAX_SUBFLOW_DEPTH) {
    return failed({ code: "TRIGGER_TOO_DEEP", message: `trigger_workflow chains deeper than ${MAX_SUBFLOW_DEPTH}` });
  }
  const input = cfg.input && typeof cfg.input === "object" ? cfg.input : {};
  const wait = cfg.wait === true;
  // Always the caller's tenant: an `api_key` of the original's config is ignored.
  const waitUntil = call.waitUntil ?? ((p: Promise<unknown>) => void p.catch(() => undefined));
  try {
    if (wait) return await runNow(platform, call, name, { ...input, _triggered_by: TRIGGER_WORKFLOW }, chain);
    const r = await startExecution(call.env, call.tenant, platform, {
      name,
      input: { ...input, _triggered_by: TRIGGER_WORKFLOW },
      trigger: "subflow",
      wait: false,
      waitUntil,
    });
    remember(r.execution_id, [...chain, name]);
    return ok({
      success: true,
      triggered_workflow: name,
      execution_id: r.execution_id,
      status: r.status,
      mode: "fire_and_forget",
    });
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return failed({ code: e.code ?? "TRIGGER_FAILED", message: e.message ?? String(err) });
  }
}

/** `wait: true`: runs the workflow in-process to the end, as a sub-execution (like a subflow). */
async function runNow(
  platform: Platform,
  call: StepCall,
  name: string,
  input: unknown,
  chain: string[],
): Promise<ComponentOutcome> {
  const loaded = await platform.loadPlan(call.env, call.tenant, name);
  if (!loaded) return failed({ code: "WORKFLOW_NOT_FOUND", message: `No workflow named "${name}"` });
  const id = `${call.executionId}/${call.step.id}`;
  remember(id, [...chain, name]);
  const r = await runPlan(loaded.plan, platform, {
    env: call.env,
    tenant: call.tenant,
    executionId: id,
    input,
    stack: [...chain, name],
    ...(call.waitUntil ? { waitUntil: call.waitUntil } : {}),
  });
  const data = { success: r.status === "succeeded", triggered_workflow: name, execution_id: id, status: r.status };
  if (r.status !== "succeeded") {
    return failed({
      code: "TRIGGERED_WORKFLOW_FAILED",
      message:
        r.status === "waiting"
          ? `Workflow "${name}" parked on a pending node; use wait: false for workflows that wait`
          : `Workflow "${name}" failed at node "${r.error?.node}": ${r.error?.message}`,
      details: { ...data, error: r.error ?? null },
    });
  }
  return ok({ ...data, output: r.output });
}

/** The chain of the nearest execution (or sub-execution `a/b`) that was started by a trigger. */
function chainOf(executionId: string): string[] {
  for (let id = executionId; ; ) {
    const c = chains.get(id);
    if (c) return c;
    const cut = id.lastIndexOf("/");
    if (cut < 0) return [];
    id = id.slice(0, cut);
  }
}

function remember(id: string, chain: string[]): void {
  if (chains.size >= CHAINS_MAX) chains.delete(chains.keys().next().value as string);
  chains.set(id, chain);
}

function ok(data: unknown): ComponentOutcome {
  return { status: "succeeded", data, logs: "", durationUs: 0, hostCalls: 0 };
}

function failed(error: ComponentError): ComponentOutcome {
  return { status: "failed", error, logs: "", durationUs: 0, hostCalls: 0 };
}
