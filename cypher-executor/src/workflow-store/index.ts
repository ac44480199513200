/**
 * Workflow storage: the YAML source in WEBHOOKS under `webhook:{key_hash}:{name}` with a version
 * number, every version kept under `…:v{n}`, a cron index `cron:{key_hash}:{name}`, and the compiled
 * Plan cached per isolate by (key hash, name, version) so the hot path never re-parses YAML.
 */
import type { Tenant } from "../auth/api-keys";
import type { Env } from "../env";
import { ApiError } from "../http/errors";
import { rebuildCronIndex } from "../schedule/index";
import type { CompileResult, ComponentCatalog, Plan } from "../workflow/plan";

/** Compiles YAML to a Plan (the workflow format module's `compileWorkflow`). */
export type Compile = (source: string, catalog: ComponentCatalog) => CompileResult;

/** A stored workflow version. */
export interface StoredWorkflow {
  name: string;
  version: number;
  source: string;
  description?: string;
  cron?: string;
  webhook_auth: "api_key" | "hmac" | "none";
  created_at: string;
}

/** Listing metadata kept on the KV key (no value read needed to list). */
interface WorkflowMeta {
  version: number;
  description?: string;
  cron?: string;
  created_at: string;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const PLAN_CACHE_MAX = 512;
const planCache = new Map<string, Plan>();
/**
 * The current version per (key hash, name), kept for a moment so a burst of triggers reads KV once.
 * KV itself is eventually consistent across locations (up to ~60 s), so this adds no new staleness;
 * a deploy or delete in this isolate clears it at once.
 */
const CURRENT_TTL_MS = 2_000;
const currentCache = new Map<string, { at: number; workflow: StoredWorkflow }>();

export const workflowKey = (keyHash: string, name: string) => `webhook:${keyHash}:${name}`;
export const versionKey = (keyHash: string, name: string, v: number) => `webhook:${keyHash}:${name}:v${v}`;
export const cronKey = (keyHash: string, name: string) => `cron:${keyHash}:${name}`;

/** Throws a 400 naming the field when `name` is not a valid workflow name. */
export function checkName(name: string): void {
  if (!NAME_RE.test(name)) {
    throw new ApiError(
      400,
      "INVALID_WORKFLOW_NAME",
      `Workflow name "${name}" is invalid: use 1-64 letters, digits, "_" or "-", starting with a letter or digit`,
      { field: "name" },
    );
  }
}

/**
 * Validates and stores a new version. A YAML that does not compile answers 400 with every diagnostic,
 * and nothing stored is touched.
 *
 * @example
 * const { workflow } = await putWorkflow(env, tenant, "hello", yamlText, compileWorkflow, catalog);
 */
export async function putWorkflow(
  env: Env,
  tenant: Tenant,
  name: string,
  source: string,
  compile: Compile,
  catalog: ComponentCatalog,
  /** Runs after a successful compile and before anything is stored (the exposure consent check). */
  beforeStore?: (plan: Plan) => Promise<unknown>,
): Promise<{ workflow: StoredWorkflow; plan: Plan; created: boolean }> {
  checkName(name);
  const result = compile(source, catalog);
  if (!result.ok) {
    throw new ApiError(400, "WORKFLOW_INVALID", `The workflow "${name}" has ${result.errors.length} error(s)`, {
      diagnostics: result.errors,
    });
  }
  const plan = result.plan;
  if (plan.name && plan.name !== name) {
    throw new ApiError(
      400,
      "WORKFLOW_NAME_MISMATCH",
      `The YAML says name "${plan.name}" but it is stored as "${name}"`,
      {
        field: "name",
        yaml_name: plan.name,
      },
    );
  }
  await beforeStore?.(plan);
  const prev = await env.WEBHOOKS.getWithMetadata<WorkflowMeta>(workflowKey(tenant.keyHash, name), "text");
  // A byte-identical redeploy keeps the current version: no new version, no KV write (200, not 201).
  const current = unchangedVersion(prev.value, source);
  if (current) return { workflow: current, plan, created: false };
  const version = (prev.metadata?.version ?? 0) + 1;
  const workflow: StoredWorkflow = {
    name,
    version,
    source,
    ...(plan.description ? { description: plan.description } : {}),
    ...(plan.trigger.cron ? { cron: plan.trigger.cron } : {}),
    webhook_auth: plan.trigger.webhook?.auth ?? "api_key",
    created_at: new Date().toISOString(),
  };
  const meta: WorkflowMeta = { version, created_at: workflow.created_at };
  if (workflow.description) meta.description = workflow.description.slice(0, 200);
  if (workflow.cron) meta.cron = workflow.cron;
  const value = JSON.stringify(workflow);
  await env.WEBHOOKS.put(versionKey(tenant.keyHash, name, version), value, { metadata: meta });
  await env.WEBHOOKS.put(workflowKey(tenant.keyHash, name), value, { metadata: meta });
  const hadCron = Boolean(prev.metadata?.cron);
  if (workflow.cron) await env.WEBHOOKS.put(cronKey(tenant.keyHash, name), workflow.cron);
  else if (hadCron) await env.WEBHOOKS.delete(cronKey(tenant.keyHash, name));
  // The scheduler reads crons from one index value, not a list per tick (src/schedule).
  if ((workflow.cron ?? "") !== (prev.metadata?.cron ?? "")) await rebuildCronIndex(env);
  cachePlan(tenant.keyHash, name, version, plan);
  currentCache.set(`${tenant.keyHash}:${name}`, { at: Date.now(), workflow });
  return { workflow, plan, created: version === 1 };
}

/** The current version, or a given one. */
export async function getWorkflow(
  env: Env,
  tenant: Tenant,
  name: string,
  version?: number,
): Promise<StoredWorkflow | null> {
  if (!NAME_RE.test(name)) return null;
  const key = version ? versionKey(tenant.keyHash, name, version) : workflowKey(tenant.keyHash, name);
  return env.WEBHOOKS.get<StoredWorkflow>(key, "json");
}

/** Summaries of every workflow of the tenant. */
export async function listWorkflows(
  env: Env,
  tenant: Tenant,
): Promise<Array<{ name: string; version: number; description?: string; cron?: string; updated_at: string }>> {
  const prefix = `webhook:${tenant.keyHash}:`;
  const out: Array<{ name: string; version: number; description?: string; cron?: string; updated_at: string }> = [];
  let cursor: string | undefined;
  do {
    const res = await env.WEBHOOKS.list<WorkflowMeta>({ prefix, cursor });
    for (const k of res.keys) {
      const name = k.name.slice(prefix.length);
      if (name.includes(":") || !k.metadata) continue;
      const m = k.metadata;
      out.push({
        name,
        version: m.version,
        ...(m.description ? { description: m.description } : {}),
        ...(m.cron ? { cron: m.cron } : {}),
        updated_at: m.created_at,
      });
    }
    cursor = res.list_complete ? undefined : res.cursor;
  } while (cursor);
  return out;
}

/** Every stored version of a workflow, oldest first. */
export async function listVersions(
  env: Env,
  tenant: Tenant,
  name: string,
): Promise<Array<{ version: number; created_at: string }>> {
  const prefix = `${workflowKey(tenant.keyHash, name)}:v`;
  const out: Array<{ version: number; created_at: string }> = [];
  let cursor: string | undefined;
  do {
    const res = await env.WEBHOOKS.list<WorkflowMeta>({ prefix, cursor });
    for (const k of res.keys)
      if (k.metadata) out.push({ version: k.metadata.version, created_at: k.metadata.created_at });
    cursor = res.list_complete ? undefined : res.cursor;
  } while (cursor);
  return out.sort((a, b) => a.version - b.version);
}

/** Deletes a workflow, its versions and its cron entry. Returns false when there was none. */
export async function deleteWorkflow(env: Env, tenant: Tenant, name: string): Promise<boolean> {
  if (!NAME_RE.test(name)) return false;
  const cur = await env.WEBHOOKS.getWithMetadata<WorkflowMeta>(workflowKey(tenant.keyHash, name), "text");
  currentCache.delete(`${tenant.keyHash}:${name}`);
  if (cur.value === null) return false;
  const versions = await listVersions(env, tenant, name);
  await env.WEBHOOKS.delete(workflowKey(tenant.keyHash, name));
  await Promise.all(versions.map((v) => env.WEBHOOKS.delete(versionKey(tenant.keyHash, name, v.version))));
  if (cur.metadata?.cron) {
    await env.WEBHOOKS.delete(cronKey(tenant.keyHash, name));
    await rebuildCronIndex(env);
  }
  return true;
}

/**
 * The compiled Plan of the current (or a given) version, from the isolate cache when possible.
 * A stored source that no longer compiles (a component was removed) answers 409 with diagnostics.
 *
 * @example
 * const loaded = await loadPlan(env, tenant, "hello", compileWorkflow, () => catalogFor(env, tenant));
 */
export async function loadPlan(
  env: Env,
  tenant: Tenant,
  name: string,
  compile: Compile,
  catalog: () => Promise<ComponentCatalog>,
  version?: number,
): Promise<{ plan: Plan; workflow: StoredWorkflow } | null> {
  const hot = version === undefined ? currentCache.get(`${tenant.keyHash}:${name}`) : undefined;
  const workflow =
    hot && Date.now() - hot.at < CURRENT_TTL_MS ? hot.workflow : await getWorkflow(env, tenant, name, version);
  if (!workflow) return null;
  if (version === undefined && workflow !== hot?.workflow) {
    if (currentCache.size >= PLAN_CACHE_MAX) currentCache.clear();
    currentCache.set(`${tenant.keyHash}:${name}`, { at: Date.now(), workflow });
  }
  const cacheKey = `${tenant.keyHash}:${name}:${workflow.version}`;
  const cached = planCache.get(cacheKey);
  if (cached) return { plan: cached, workflow };
  const result = compile(workflow.source, await catalog());
  if (!result.ok) {
    throw new ApiError(409, "WORKFLOW_NO_LONGER_VALID", `The stored workflow "${name}" no longer compiles`, {
      diagnostics: result.errors,
    });
  }
  cachePlan(tenant.keyHash, name, workflow.version, result.plan);
  return { plan: result.plan, workflow };
}

function cachePlan(keyHash: string, name: string, version: number, plan: Plan): void {
  if (planCache.size >= PLAN_CACHE_MAX) {
    const oldest = planCache.keys().next().value;
    if (oldest !== undefined) planCache.delete(oldest);
  }
  planCache.set(`${keyHash}:${name}:${version}`, plan);
}

/** The stored current version when its source is byte-identical to `source`. */
function unchangedVersion(stored: string | null, source: string): StoredWorkflow | undefined {
  if (!stored) return undefined;
  try {
    const w = JSON.parse(stored) as StoredWorkflow;
    return w.source === source ? w : undefined;
  } catch {
    return undefined;
  }
}
