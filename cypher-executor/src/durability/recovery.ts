/**
 * Automatic recovery of executions a crash left `running`. A long or background execution indexes a
 * lease under its due time in the `wait:` index the scheduler already reads each tick (no new list, no
 * scan): when the entry falls due and the record's heartbeat has stopped, the execution is resumed from
 * its checkpoints, at most {@link MAX_RECOVERIES} times, then marked failed with the reason.
 */
import type { Tenant } from "../auth/api-keys";
import type { Platform } from "../engine/service";
import type { ExecutionRecord } from "../engine/types";
import type { Env } from "../env";
import { effectiveStatus, saveExecution, saveWait } from "../executions/index";

/** A lease is looked at this long after it was taken (one scheduler tick later). */
export const LEASE_MS = 60_000;
/** Automatic resumes of one execution before it is failed. */
export const MAX_RECOVERIES = 3;

/**
 * Indexes a lease for `id`: due in {@link LEASE_MS}, then recovered if its heartbeat stopped.
 *
 * @example
 * await takeLease(env, tenant.keyHash, rec.id);
 */
export function takeLease(env: Env, keyHash: string, id: string, now = Date.now()): Promise<void> {
  return saveWait(env, now + LEASE_MS, keyHash, id);
}

type Resume = (
  env: Env,
  tenant: Tenant,
  platform: Platform,
  id: string,
  body: { recovery: true },
  waitUntil: (p: Promise<unknown>) => void,
) => Promise<unknown>;

/**
 * A due lease: an execution still alive gets a new lease; one whose heartbeat stopped is resumed (or
 * failed after {@link MAX_RECOVERIES}); a finished one needs nothing.
 *
 * @example
 * if (rec.status === "running") return recoverIfStale(env, tenant, platform, rec, resumeExecution, waitUntil);
 */
export async function recoverIfStale(
  env: Env,
  tenant: Tenant,
  platform: Platform,
  rec: ExecutionRecord,
  resume: Resume,
  waitUntil: (p: Promise<unknown>) => void,
  now = Date.now(),
): Promise<"renewed" | "recovered" | "failed" | "none"> {
  if (rec.status !== "running") return "none";
  if (effectiveStatus(rec.status, rec.updated_at, now) === "running") {
    await takeLease(env, tenant.keyHash, rec.id, now);
    return "renewed";
  }
  if ((rec.recoveries ?? 0) >= MAX_RECOVERIES) {
    const at = new Date(now).toISOString();
    await saveExecution(env, tenant, {
      ...rec,
      status: "failed",
      updated_at: at,
      finished_at: at,
      error: {
        code: "RECOVERY_EXHAUSTED",
        message: `The execution was interrupted ${MAX_RECOVERIES + 1} times (crash or eviction); it is not resumed again automatically`,
        details: { recoveries: rec.recoveries ?? 0 },
      },
    });
    return "failed";
  }
  await resume(env, tenant, platform, rec.id, { recovery: true }, waitUntil);
  return "recovered";
}
