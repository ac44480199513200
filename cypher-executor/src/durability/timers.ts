/**
 * Precise wake-ups of short waits: when an execution parks on a node due within {@link TIMER_HORIZON_MS},
 * the isolate that parked it sleeps (a timer: no CPU) and resumes it at the due time. The `wait:` index
 * entry stays the durable truth: if the process stops first, the scheduler (or `acr serve`'s start-up
 * recovery) wakes it from there, as for longer waits.
 */

import type { Tenant } from "../auth/api-keys";
import type { ExecutionRecord } from "../engine/types";
import type { Env } from "../env";
import { loadExecution, waitKey } from "../executions/index";

/**
 * Waits due within this long get an in-process timer. Cloudflare keeps `waitUntil` work at most 30 s
 * after the response, so longer ones are left to the minute tick.
 */
export const TIMER_HORIZON_MS = 25_000;

const sleeping = new Set<() => void>();
/** Executions being woken by a timer in this isolate (a tick at the same moment must not wake them too). */
const waking = new Set<string>();

type Resume = (body: { task_id: string; result: unknown }) => Promise<unknown>;

/**
 * Arms a timer for each node of `rec` parked until a time within the horizon.
 *
 * @example
 * armTimers(env, tenant, rec, (body) => resumeExecution(env, tenant, platform, rec.id, body, waitUntil), waitUntil);
 */
export function armTimers(
  env: Env,
  tenant: Tenant,
  rec: ExecutionRecord,
  resume: Resume,
  waitUntil: (p: Promise<unknown>) => void,
): void {
  for (const [nodeId, node] of Object.entries(rec.nodes)) {
    const at = node.status === "pending" && node.pending?.resume_at ? Date.parse(node.pending.resume_at) : Number.NaN;
    const delay = at - Date.now();
    if (!Number.isFinite(at) || delay > TIMER_HORIZON_MS) continue;
    const task = node.pending?.task_id as string;
    waitUntil(
      sleep(Math.max(0, delay)).then(async (fired) => {
        if (!fired || waking.has(rec.id)) return;
        waking.add(rec.id);
        try {
          await env.EXEC_CONTEXT.delete(waitKey(at, tenant.keyHash, rec.id));
          const cur = await loadExecution(env, tenant, rec.id);
          const n = cur?.nodes[nodeId];
          if (cur?.status !== "waiting" || n?.status !== "pending" || n.pending?.task_id !== task) return;
          await resume({
            task_id: task,
            result: { task_id: task, resume_at: node.pending?.resume_at, woke_at: new Date().toISOString() },
          });
        } catch (err) {
          console.error("timer wake failed", err instanceof Error ? err.message : err);
        } finally {
          waking.delete(rec.id);
        }
      }),
    );
  }
}

/** True while a timer of this isolate is waking `id`. */
export function isWaking(id: string): boolean {
  return waking.has(id);
}

/** Ends every sleeping timer without waking (a drain): the `wait:` entries wake them later. */
export function cancelTimers(): void {
  for (const stop of sleeping) stop();
  sleeping.clear();
}

function sleep(ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const stop = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      sleeping.delete(stop);
      resolve(true);
    }, ms);
    sleeping.add(stop);
  });
}
