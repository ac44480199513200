/**
 * The worker's `scheduled` handler: fires cron workflows (index `cron:{key_hash}:{name}` in WEBHOOKS)
 * and wakes parked executions whose wait is due (index `wait:{due}:{key_hash}:{id}` in EXEC_CONTEXT).
 */

import type { Tenant } from "../auth/api-keys";
import { isWaking, recoverIfStale } from "../durability/index";
import { type Platform, resumeExecution, startExecution } from "../engine/service";
import type { Env } from "../env";
import { loadExecution } from "../executions/index";
import { log } from "../observability/log";
import { beginSweep, cronEntries } from "../schedule/index";
import { nextCronTimes } from "../workflow/cron";

export { verifyHmac } from "./hmac";

/** True when a cron expression fires in the minute that starts at `minuteStart` (UTC). */
export function cronFiresAt(expr: string, minuteStart: number): boolean {
  try {
    return nextCronTimes(expr, new Date(minuteStart - 60_000), 1)[0]?.getTime() === minuteStart;
  } catch {
    return false;
  }
}

/** Reads a tenant by its key hash (the indexes hold hashes, never keys). */
export async function tenantByHash(env: Env, keyHash: string): Promise<Tenant | null> {
  const s = await env.USERS_KV.get<{
    key_hash: string;
    ns: string;
    role: "admin" | "user";
    label: string;
    created_at: string;
  }>(`user:${keyHash}`, "json");
  return s ? { keyHash: s.key_hash, ns: s.ns, role: s.role, label: s.label, createdAt: s.created_at } : null;
}

/**
 * Runs everything due at `scheduledTime`: cron workflows of that minute and due waits.
 * Returns what it started, for logs and tests.
 *
 * @example
 * ctx.waitUntil(runScheduled(env, platform, controller.scheduledTime, (p) => ctx.waitUntil(p)));
 */
export async function runScheduled(
  env: Env,
  platform: Platform,
  scheduledTime: number,
  waitUntil: (p: Promise<unknown>) => void,
  /** `crons: false`: due waits and leases only (acr serve's start-up recovery, which must not re-fire a cron). */
  only: { crons?: boolean } = {},
): Promise<{ crons: string[]; woken: string[] }> {
  const minute = Math.floor(scheduledTime / 60_000) * 60_000;
  const crons: string[] = [];
  const woken: string[] = [];
  const jobs: Promise<unknown>[] = [];
  if (only.crons !== false)
    // One read of the cron index, no list (src/schedule).
    for (const [keyHash, name, expr] of await cronEntries(env)) {
      if (!cronFiresAt(expr, minute)) continue;
      crons.push(name);
      jobs.push(
        (async () => {
          const tenant = await tenantByHash(env, keyHash);
          if (!tenant) return;
          await startExecution(env, tenant, platform, {
            name,
            input: { scheduled_time: new Date(minute).toISOString(), cron: expr },
            trigger: "cron",
            wait: true,
            waitUntil,
          });
        })(),
      );
    }

  // One read of the wake marker; the `wait:` index is listed only when an entry is due.
  const sweep = await beginSweep(env, scheduledTime);
  for (const w of sweep?.due ?? []) {
    woken.push(w.id);
    jobs.push(
      (async () => {
        // Delete first: a wake that fails is reported on the execution, never retried forever.
        await env.EXEC_CONTEXT.delete(w.key);
        const tenant = await tenantByHash(env, w.keyHash);
        if (!tenant) return;
        const rec = await loadExecution(env, tenant, w.id);
        // A lease: an execution a crash left running is resumed from its checkpoints.
        if (rec?.status === "running")
          return void (await recoverIfStale(env, tenant, platform, rec, resumeExecution, waitUntil));
        if (rec?.status !== "waiting" || isWaking(w.id)) return;
        for (const node of Object.values(rec.nodes)) {
          const p = node.pending;
          if (node.status !== "pending" || !p?.resume_at || Date.parse(p.resume_at) > scheduledTime) continue;
          await resumeExecution(
            env,
            tenant,
            platform,
            w.id,
            {
              task_id: p.task_id,
              result: { task_id: p.task_id, resume_at: p.resume_at, woke_at: new Date().toISOString() },
            },
            waitUntil,
          );
          break;
        }
      })(),
    );
  }
  const settled = await Promise.allSettled(jobs);
  // After the jobs: leases they renewed are in the marker's next due.
  await sweep?.end().catch((err: unknown) => settled.push({ status: "rejected", reason: err }));
  for (const s of settled) {
    if (s.status === "rejected")
      log(
        "error",
        "scheduled_job_failed",
        {},
        { error: s.reason instanceof Error ? s.reason.message : String(s.reason) },
      );
  }
  return { crons, woken };
}
