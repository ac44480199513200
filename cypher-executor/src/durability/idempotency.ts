/**
 * `Idempotency-Key` on runs and webhook triggers: a repeat of a key (same tenant, same workflow) within
 * 24 h answers the first execution (same id, its status and result) instead of running again.
 *
 * Atomic on one isolate: concurrent requests with one key share one in-memory promise, so exactly one
 * execution starts (`acr dev` and `acr serve` run one executor isolate). Across isolates (Cloudflare) the
 * KV entry `idem:{key_hash}:{sha256(workflow, key)}` → execution id is written before the run; KV is
 * eventually consistent (up to 60 s between locations), so two deliveries of one key reaching two
 * isolates at the same moment can both run. docs/engine.md states this.
 */
import type { Tenant } from "../auth/api-keys";
import type { ExecutionResponse } from "../engine/service";
import type { Env } from "../env";
import { loadExecution, newExecutionId } from "../executions/index";
import { ApiError } from "../http/errors";

/** How long a key is remembered. */
export const IDEMPOTENCY_TTL_S = 24 * 3600;
const MAX_KEY_LENGTH = 255;

const inflight = new Map<string, Promise<ExecutionResponse>>();

/**
 * Runs `run(id)` once per (tenant, workflow, key) within {@link IDEMPOTENCY_TTL_S}; a repeat answers the
 * first execution with `idempotent_replay: true`.
 *
 * @example
 * return once(env, tenant, "hello", req.headers.get("idempotency-key"), (id) => start({ ...opts, id }));
 */
export function once(
  env: Env,
  tenant: Tenant,
  workflow: string,
  key: string,
  run: (id: string) => Promise<ExecutionResponse>,
): Promise<ExecutionResponse> {
  if (key.length === 0 || key.length > MAX_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(key)) {
    throw new ApiError(
      400,
      "INVALID_IDEMPOTENCY_KEY",
      `Idempotency-Key must be 1-${MAX_KEY_LENGTH} visible ASCII characters`,
      {
        field: "Idempotency-Key",
      },
    );
  }
  const slot = `${tenant.keyHash}\n${workflow}\n${key}`;
  const live = inflight.get(slot);
  if (live) return live.then((r) => ({ ...r, idempotent_replay: true }));
  const p = (async () => {
    const kvKey = `idem:${tenant.keyHash}:${await sha256Hex(`${workflow}\n${key}`)}`;
    const prior = await env.EXEC_CONTEXT.get(kvKey);
    if (prior) return replay(env, tenant, prior);
    const id = newExecutionId();
    await env.EXEC_CONTEXT.put(kvKey, id, { expirationTtl: IDEMPOTENCY_TTL_S });
    try {
      return await run(id);
    } catch (err) {
      // Refused before anything ran (no such workflow, ...): the key is free again. A 5xx may have run.
      if (err instanceof ApiError && err.status < 500) await env.EXEC_CONTEXT.delete(kvKey).catch(() => undefined);
      throw err;
    }
  })();
  inflight.set(slot, p);
  const forget = () => {
    if (inflight.get(slot) === p) inflight.delete(slot);
  };
  p.then(forget, forget);
  return p;
}

/** The first execution of a key, as the run answered it (from its stored record). */
async function replay(env: Env, tenant: Tenant, id: string): Promise<ExecutionResponse> {
  const rec = await loadExecution(env, tenant, id);
  if (!rec) {
    // Still running synchronously elsewhere, or a success of a `history: failed` workflow (no record).
    throw new ApiError(409, "IDEMPOTENCY_KEY_IN_USE", `This Idempotency-Key already started execution "${id}"`, {
      execution_id: id,
    });
  }
  return {
    execution_id: rec.id,
    workflow: rec.workflow,
    status: rec.status,
    output: rec.output ?? null,
    nodes: rec.nodes,
    ...(rec.error ? { error: rec.error } : {}),
    kv_writes: 0,
    duration_ms: rec.duration_ms ?? 0,
    idempotent_replay: true,
  };
}

async function sha256Hex(text: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  let out = "";
  for (const b of d) out += b.toString(16).padStart(2, "0");
  return out;
}
