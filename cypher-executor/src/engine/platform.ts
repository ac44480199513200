/**
 * Wires the engine to the real parts, once per isolate: the component runtime over the bundled
 * components, the workflow format (compile + templates), and the step runners (recipes).
 */
import type { Tenant } from "../auth/api-keys";
import type { Env } from "../env";
import { recipeStepRunner, tenantRecipeNames, withRecipes } from "../recipes/index";
import { builtinRuntime } from "../runtime/builtins";
import { triggerWorkflowRunner } from "../trigger-workflow/index";
import { respondRunner } from "../triggers/respond/index";
import { compileWorkflow, evaluate, isTruthy, readsTriggerMeta, resolveValue } from "../workflow/index";
import type { ComponentCatalog } from "../workflow/plan";
import { loadPlan } from "../workflow-store/index";
import type { Platform } from "./service";
import type { StepRunner } from "./types";

let platform: Platform | undefined;
const extraRunners: StepRunner[] = [];

/**
 * Adds a runner for components that are not bundled (checked before the recipe runner).
 *
 * @example
 * registerStepRunner({ accepts: (c) => c.startsWith("ext_"), run: async (call) => ... });
 */
export function registerStepRunner(runner: StepRunner): void {
  extraRunners.push(runner);
  platform = undefined;
}

/** The platform of this isolate (built on first use). */
export function getPlatform(): Platform {
  if (platform) return platform;
  // The one runtime of the isolate (bundled wasm components + `code`), shared with /v1/components.
  const runtime = builtinRuntime;
  const base: ComponentCatalog = {
    manifest: (name) => runtime.manifest(name),
    names: () => runtime.list().map((m) => m.name),
  };
  const p: Platform = {
    runtime,
    templates: { resolveValue, evaluate, isTruthy, readsTriggerMeta },
    runners: [
      ...extraRunners,
      triggerWorkflowRunner(() => p),
      respondRunner(),
      recipeStepRunner({ isComponent: (n) => runtime.has(n), runtime }),
    ],
    compile: compileWorkflow,
    catalog: async (env: Env, tenant: Tenant) => withRecipes(base, await tenantRecipeNames(env, tenant)),
    loadPlan: async (env, tenant, name) => {
      const loaded = await loadPlan(env, tenant, name, compileWorkflow, () => p.catalog(env, tenant));
      return loaded ? { plan: loaded.plan, version: loaded.workflow.version } : null;
    },
  };
  platform = p;
  return p;
}
