/**
 * Compiling one node into a `Step`: its component (config or Cypher label), its input with templates
 * compiled, `retry`/`limits`, and the checks against the component's manifest. Also the rules for
 * what a template may name (`refPolicy`).
 */

import { RESPOND, respondConfigProblems } from "../triggers/respond/index";
import { compileCodeBody, lenientSource, withCodeBody } from "./code-body";
import { closest } from "./flow";
import { COMPONENT_ALIASES, legacyHttpRead, type OutputShape, unknownOutputField } from "./outputs";
import type { CompiledValue, ComponentCatalog, Step } from "./plan";
import { checkSchema } from "./schema";
import { checkLimits, checkRetry } from "./settings";
import type { Path, WorkflowSource } from "./source";
import { compileValue, type PathPolicy, TemplateErrors } from "./template";

/** The implicit trigger node and its aliases. */
export const INPUT_ALIASES = new Set(["input", "trigger", "webhook", "start"]);
/** Node names that, when present, give the workflow's output. */
export const OUTPUT_NAMES = ["output", "result", "end", "done"];
/** Config keys that configure the node rather than feed the component. */
export const RESERVED_KEYS = new Set(["component", "retry", "limits"]);
/** Workflow (and subflow) names. */
export const NAME = /^[a-z0-9_-]{1,64}$/;
/** Fields of a node result; `node.other` is shorthand for `node.data.other`. */
const RESULT_FIELDS = new Set(["success", "data", "error"]);
/** Fields of `trigger` besides the body: `{{ trigger.headers.x }}` etc. */
const TRIGGER_FIELDS = new Set(["headers", "query", "method", "body", "path"]);
/** Steps the engine runs itself (no component manifest): subflows, `trigger_workflow` and `respond`. */
const ENGINE_STEPS = new Set(["subflow", "trigger_workflow", "respond"]);
/** Scope roots that always exist at run time. */
const BUILTIN_ROOTS = new Set(["input", "trigger", "each", "workflow", "execution"]);
const PROTO_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/**
 * What a template may name, and the rewrites to the canonical scope paths: body reads become
 * `trigger.body.…`, `node.field` becomes `node.data.field`, `steps.node` becomes `node`.
 *
 * @example
 * compileValue("{{ input.total }}", refPolicy(new Set(["input"]), new Set()))
 */
export function refPolicy(
  nodeIds: ReadonlySet<string>,
  itemAliases: ReadonlySet<string>,
  upstream?: { of: string; nodes: ReadonlySet<string> },
  shapes?: ReadonlyMap<string, OutputShape>,
): PathPolicy {
  return (p) => {
    const head = p.keys[0];
    if (p.root === "steps" && typeof head === "string" && nodeIds.has(head)) {
      p.root = head;
      p.keys.shift();
    }
    if (INPUT_ALIASES.has(p.root)) {
      // The body is always read as `trigger.body`: an engine may keep the input node's own result
      // ({ success, data, error }) under `input` like any other node's, and plans must not care.
      const first = p.keys[0];
      if (p.root === "input" || typeof first !== "string" || !TRIGGER_FIELDS.has(first)) p.keys.unshift("body");
      p.root = "trigger";
      return undefined;
    }
    if (nodeIds.has(p.root)) {
      const first = p.keys[0];
      if (typeof first === "string" && !RESULT_FIELDS.has(first)) p.keys.unshift("data");
      // A node that does not always run first has no result yet (or never will) when this one runs.
      if (upstream && !upstream.nodes.has(p.root)) {
        return {
          code: "NOT_UPSTREAM",
          message: `Template refers to "${p.root}", which does not run before "${upstream.of}" (no path ${p.root} → … → ${upstream.of} in the flow)`,
        };
      }
      const shape = shapes?.get(p.root);
      const legacy = legacyHttpRead(p, shape);
      // Only the warning pass (with `upstream`) reports: the plain pass just rewrites.
      if (upstream && shape && p.keys[0] === "data") {
        const field = legacy ?? p.keys[1];
        if (typeof field === "string" && (legacy || !shape.fields.includes(field))) {
          return unknownOutputField(p.root, field, shape, legacy !== undefined);
        }
      }
      return undefined;
    }
    if (BUILTIN_ROOTS.has(p.root) || itemAliases.has(p.root)) return undefined;
    const guess = closest(p.root, [...nodeIds, ...itemAliases, "each"]);
    return {
      code: "UNKNOWN_NODE",
      message: `Template refers to "${p.root}", which is not a node of this workflow${guess ? ` (did you mean "${guess}"?)` : ""}; input fields are read as {{ input.${p.root} }}`,
    };
  };
}

/** What building a step needs to know about the whole workflow. */
export interface StepContext {
  src: WorkflowSource;
  catalog: ComponentCatalog;
  /** Config entries by node id (valid mappings only). */
  config: Record<string, Record<string, unknown>>;
  /** Where a node named only in the flow first appears. */
  firstSeen: Map<string, { entry?: number; index?: number }>;
  labels: Map<string, { component: string; entry: number; index: number }>;
  subflowTargets: ReadonlySet<string>;
  policy: PathPolicy;
  /** The same rules, plus "only nodes that always run before `id`" (for warnings). */
  upstreamFor: (id: string) => PathPolicy | undefined;
}

/**
 * Builds the Step of node `id`, reporting every problem on `ctx.src`.
 *
 * @example
 * const step = buildStep(ctx, "notify");
 */
export function buildStep(ctx: StepContext, id: string): Step {
  const { src, catalog } = ctx;
  const configured = Object.hasOwn(ctx.config, id);
  const cfg = ctx.config[id] ?? {};
  const base: Path = ["config", id];
  const componentPath: Path = [...base, "component"];
  const seen = ctx.firstSeen.get(id);
  const at = seen?.entry === undefined ? src.keyAt(base) : src.nodeAt(["flow", seen.entry]);
  const label = ctx.labels.get(id);

  let component = typeof cfg.component === "string" ? cfg.component : undefined;
  if (cfg.component !== undefined && typeof cfg.component !== "string") {
    src.report("INVALID_TYPE", "component must be a component name", componentPath, src.nodeAt(componentPath));
  }
  let subflow: string | undefined;
  if (ctx.subflowTargets.has(id)) {
    if (component) {
      src.report(
        "CONFLICTING_COMPONENT",
        `Node "${id}" is a CALLS_SUBFLOW target and cannot also name a component`,
        componentPath,
        src.nodeAt(componentPath),
      );
    }
    subflow = typeof cfg.workflow === "string" ? cfg.workflow : id;
    if (!NAME.test(subflow)) {
      const message = `Subflow name "${subflow}" must match [a-z0-9_-]{1,64}`;
      if (seen?.entry === undefined)
        src.report("INVALID_NAME", message, [...base, "workflow"], src.nodeAt([...base, "workflow"]));
      else src.report("INVALID_NAME", message, ["flow", seen.entry], at, { index: seen.index, flow: true });
    }
    component = "subflow";
  } else if (label && component && label.component !== component) {
    src.report(
      "CONFLICTING_COMPONENT",
      `Node "${id}" has component "${component}" in config but the Cypher label "${label.component}" in flow[${label.entry}]`,
      componentPath,
      src.nodeAt(componentPath),
    );
  } else if (!component && label) component = label.component;
  // `component: subflow` with `workflow:` in config, without a CALLS_SUBFLOW edge: the same subflow step.
  if (!subflow && component === "subflow") {
    const where: Path = [...base, "workflow"];
    if (typeof cfg.workflow === "string" && NAME.test(cfg.workflow)) subflow = cfg.workflow;
    else if (cfg.workflow === undefined)
      src.report(
        "MISSING_FIELD",
        `Node "${id}" (component: subflow) needs \`workflow: <name>\``,
        base,
        src.keyAt(base),
      );
    else
      src.report(
        "INVALID_NAME",
        "workflow must be a workflow name matching [a-z0-9_-]{1,64}",
        where,
        src.nodeAt(where),
      );
  }
  const alias = component ? COMPONENT_ALIASES[component] : undefined;
  if (alias) {
    const message = `"${component}" is a placeholder of the original installer: it runs "${alias}" (write \`component: ${alias}\`)`;
    if (typeof cfg.component === "string")
      src.warn("DEPRECATED_COMPONENT", message, componentPath, src.nodeAt(componentPath));
    else src.warn("DEPRECATED_COMPONENT", message, base, at);
    component = alias;
  }

  if (!component) {
    if (configured) {
      src.report(
        "MISSING_COMPONENT",
        `Node "${id}" needs \`component: <name>\` (or a Cypher label "(${id}:name)")`,
        base,
        src.keyAt(base),
      );
    }
    component = "";
  } else if (!ENGINE_STEPS.has(component) && !catalog.manifest(component) && !catalog.isRecipe?.(component)) {
    const guess = catalog.names ? closest(component, catalog.names()) : undefined;
    const message = `Unknown component "${component}"${guess ? ` (did you mean "${guess}"?)` : ""}`;
    if (typeof cfg.component === "string")
      src.report("UNKNOWN_COMPONENT", message, componentPath, src.nodeAt(componentPath));
    else {
      const where: Path = ["flow", label?.entry ?? 0];
      src.report("UNKNOWN_COMPONENT", message, where, src.nodeAt(where), { index: label?.index ?? 0, flow: true });
    }
  }

  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(cfg)) {
    // `fields.__proto__ = v` would set the prototype, not a key: such keys are reported below.
    if (RESERVED_KEYS.has(k) || (subflow && k === "workflow") || k === "__proto__") continue;
    fields[k] = v;
  }
  for (const bad of findProtoKeys(cfg, base)) {
    src.report("RESERVED_KEY", `"${bad[bad.length - 1]}" cannot be used as a key`, bad, src.keyAt(bad));
  }
  // A `code` body is JavaScript: a `{{` that is not a valid template there is text (codeBody.ts).
  const body = component === "code" && typeof fields.code === "string" ? fields.code : undefined;
  if (body !== undefined) delete fields.code;
  const rest = compileAt(src, ctx.policy, fields, base);
  const input = body === undefined || !rest ? rest : withCodeBody(rest, compileCodeBody(body, ctx.policy));
  const upstream = input ? ctx.upstreamFor(id) : undefined;
  if (upstream) {
    if (body !== undefined) fields.code = lenientSource(body, upstream);
    locateTemplateErrors(fields, base, upstream, (sub, problems) => {
      for (const pr of problems) src.warn(pr.code, pr.message, sub, src.nodeAt(sub), { index: pr.index });
    });
  }
  const step: Step = {
    id,
    component,
    role: OUTPUT_NAMES.includes(id) ? "output" : "step",
    input: input ?? { kind: "literal", value: null },
  };
  if (subflow) step.subflow = subflow;
  if (component === RESPOND) src.reportSettings(base, respondConfigProblems(fields));
  if (at?.range) step.pos = src.posAt(at.range[0]);
  if (cfg.retry !== undefined) {
    const r = checkRetry(cfg.retry);
    src.reportSettings([...base, "retry"], r.problems);
    if (r.retry && !r.problems.length) step.retry = r.retry;
  }
  if (cfg.limits !== undefined) {
    const l = checkLimits(cfg.limits);
    src.reportSettings([...base, "limits"], l.problems);
    if (l.limits && !l.problems.length) step.limits = l.limits;
  }
  const manifest = component && component !== "subflow" ? catalog.manifest(component) : undefined;
  // Inputs whose templates failed are not checked: their problems are already reported.
  if (manifest?.input_schema && input) {
    for (const p of checkSchema(input, manifest.input_schema)) {
      const path: Path = [...base, ...(p.path ? p.path.split(".") : [])];
      src.report(
        "SCHEMA_VIOLATION",
        `${p.path ? `"${p.path}" ` : "The input "}${p.message} (input_schema of "${component}")`,
        path,
        src.nodeAt(path) ?? src.keyAt(base),
      );
    }
  }
  return step;
}

/** Compiles a node's input; on template problems reports each at its exact scalar and returns undefined. */
function compileAt(src: WorkflowSource, policy: PathPolicy, value: unknown, path: Path): CompiledValue | undefined {
  try {
    return compileValue(value, policy);
  } catch (err) {
    if (!(err instanceof TemplateErrors)) throw err;
    locateTemplateErrors(value, path, policy, (sub, problems) => {
      for (const pr of problems) src.report(pr.code, pr.message, sub, src.nodeAt(sub), { index: pr.index });
    });
    return undefined;
  }
}

/** Re-compiles string by string to attribute template problems to the exact YAML scalar. */
function locateTemplateErrors(
  value: unknown,
  path: Path,
  policy: PathPolicy,
  emit: (path: Path, problems: Array<{ code: string; message: string; index: number }>) => void,
): void {
  if (typeof value === "string") {
    try {
      compileValue(value, policy);
    } catch (err) {
      if (err instanceof TemplateErrors) emit(path, err.problems);
      else throw err;
    }
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => {
      locateTemplateErrors(v, [...path, i], policy, emit);
    });
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) locateTemplateErrors(v, [...path, k], policy, emit);
  }
}

function findProtoKeys(value: unknown, path: Path, out: Path[] = []): Path[] {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      findProtoKeys(v, [...path, i], out);
    });
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (PROTO_KEYS.has(k)) out.push([...path, k]);
      findProtoKeys(v, [...path, k], out);
    }
  }
  return out;
}
