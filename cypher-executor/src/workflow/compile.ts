/**
 * YAML source → validated `Plan`. Every problem is collected (never just the first), each with the
 * YAML line and column, the column inside a flow string when it applies, and a document path.
 */
import { isMap, isScalar, LineCounter, type Node, parseDocument, type Scalar, type YAMLMap } from "yaml";
import { ExprError } from "./expr";
import { closest, type FlowEdge, parseFlowEntry } from "./flow";
import { buildGraph } from "./graph";
import type {
  CompiledExpr,
  CompiledValue,
  CompileResult,
  ComponentCatalog,
  Diagnostic,
  Edge,
  Plan,
  SourcePos,
  Step,
} from "./plan";
import { checkSchema } from "./schema";
import { checkLimits, checkRetry, checkTrigger, type SettingProblem } from "./settings";
import { compileExpr, compileValue, type PathPolicy, TemplateErrors } from "./template";

/** The implicit trigger node and its aliases. */
export const INPUT_ALIASES = new Set(["input", "trigger", "webhook", "start"]);
/** Node names that, when present, give the workflow's output. */
export const OUTPUT_NAMES = ["output", "result", "end", "done"];
/** Config keys that configure the node rather than feed the component. */
export const RESERVED_KEYS = new Set(["component", "retry", "limits"]);
const TOP_KEYS = ["name", "description", "trigger", "flow", "config"];
const NAME = /^[a-z0-9_-]{1,64}$/;
const NODE = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** Fields of a node result; `node.other` is shorthand for `node.data.other`. */
const RESULT_FIELDS = new Set(["success", "data", "error"]);
/** Fields of `trigger` besides the body: `{{ trigger.headers.x }}` etc. */
const TRIGGER_FIELDS = new Set(["headers", "query", "method", "body", "path"]);
/** Scope roots that always exist at run time. */
const BUILTIN_ROOTS = new Set(["input", "trigger", "each", "workflow", "execution"]);

type Path = Array<string | number>;

/**
 * Parses, validates and compiles a workflow. Nothing is stored; the caller stores only valid plans.
 *
 * @example
 * const r = compileWorkflow(yamlText, catalog);
 * if (!r.ok) return c.json({ valid: false, errors: r.errors }, 400);
 */
export function compileWorkflow(source: string, catalog: ComponentCatalog): CompileResult {
  const lc = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  const errors: Diagnostic[] = [];
  const posAt = (offset: number, flowColumn?: number): SourcePos => {
    const { line, col } = lc.linePos(offset);
    return flowColumn === undefined ? { line, column: col } : { line, column: col, flowColumn };
  };
  const report = (
    code: string,
    message: string,
    path: Path,
    node?: Node | null,
    extra?: { index?: number; flow?: boolean },
  ) => {
    const d: Diagnostic = { code, message, path: formatPath(path) };
    if (node?.range) {
      const quoted = isScalar(node) && (node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE") ? 1 : 0;
      if (extra?.flow) d.pos = posAt(node.range[0], (extra.index ?? 0) + 1);
      else d.pos = posAt(node.range[0] + (extra?.index !== undefined ? quoted + extra.index : 0));
    }
    errors.push(d);
  };

  for (const e of doc.errors) {
    const { line, col } = lc.linePos(e.pos[0]);
    errors.push({ code: "YAML_SYNTAX", message: e.message.split("\n")[0]!, pos: { line, column: col } });
  }
  if (errors.length) return { ok: false, errors };
  const root = doc.contents;
  if (!isMap(root)) {
    report("NOT_A_MAPPING", "A workflow is a YAML mapping with name, flow and config", [], root as Node | null);
    return { ok: false, errors };
  }
  const data = doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
  const nodeAt = (path: Path): Node | null => (doc.getIn(path, true) as Node | undefined) ?? null;
  const keyAt = (path: Path): Node | null => {
    const parent = path.length > 1 ? nodeAt(path.slice(0, -1)) : root;
    if (!isMap(parent)) return nodeAt(path);
    const pair = (parent as YAMLMap).items.find(
      (p) => isScalar(p.key) && (p.key as Scalar).value === path[path.length - 1],
    );
    return (pair?.key as Node | undefined) ?? nodeAt(path);
  };

  // Top level.
  for (const key of Object.keys(data)) {
    if (TOP_KEYS.includes(key)) continue;
    const guess = closest(key, TOP_KEYS);
    report(
      "UNKNOWN_KEY",
      `Unknown top-level key "${key}"${guess ? ` (did you mean "${guess}"?)` : ""}; known keys: ${TOP_KEYS.join(", ")}`,
      [key],
      keyAt([key]),
    );
  }
  const name = data.name;
  if (name === undefined) report("MISSING_FIELD", "A workflow needs a `name`", ["name"], root);
  else if (typeof name !== "string" || !NAME.test(name)) {
    report("INVALID_NAME", `Workflow name "${String(name)}" must match [a-z0-9_-]{1,64}`, ["name"], nodeAt(["name"]));
  }
  if (data.description !== undefined && typeof data.description !== "string") {
    report("INVALID_TYPE", "description must be text", ["description"], nodeAt(["description"]));
  }
  const settingProblems = (base: Path, problems: SettingProblem[]) => {
    for (const p of problems) {
      const path = [...base, ...p.path];
      report(
        p.code,
        p.message,
        path,
        p.code === "UNKNOWN_KEY" || p.message.startsWith("Unknown") ? keyAt(path) : nodeAt(path),
      );
    }
  };
  const trig = checkTrigger(data.trigger);
  settingProblems(["trigger"], trig.problems);

  // Config entries.
  const config: Record<string, Record<string, unknown>> = {};
  if (data.config !== undefined && data.config !== null) {
    if (typeof data.config !== "object" || Array.isArray(data.config)) {
      report("INVALID_TYPE", "config must be a mapping of node name → settings", ["config"], nodeAt(["config"]));
    } else {
      for (const [id, v] of Object.entries(data.config as Record<string, unknown>)) {
        if (!NODE.test(id))
          report(
            "INVALID_NODE_NAME",
            `Node name "${id}" must be letters, digits, _ and - (starting with a letter or _)`,
            ["config", id],
            keyAt(["config", id]),
          );
        else if (INPUT_ALIASES.has(id))
          report(
            "RESERVED_NODE_NAME",
            `"${id}" is the trigger node and cannot be configured`,
            ["config", id],
            keyAt(["config", id]),
          );
        else if (v === null || typeof v !== "object" || Array.isArray(v)) {
          report(
            "INVALID_TYPE",
            `config.${id} must be a mapping (component: …, and its input fields)`,
            ["config", id],
            nodeAt(["config", id]),
          );
        } else config[id] = v as Record<string, unknown>;
      }
    }
  }

  // Flow entries.
  const edgesRaw: Array<FlowEdge & { entry: number }> = [];
  const labels = new Map<string, { component: string; entry: number; index: number }>();
  const flowRaw = data.flow;
  if (flowRaw === undefined || flowRaw === null)
    report("MISSING_FIELD", "A workflow needs a `flow` list of edges", ["flow"], root);
  else if (!Array.isArray(flowRaw)) report("INVALID_TYPE", "flow must be a list of edges", ["flow"], nodeAt(["flow"]));
  else {
    flowRaw.forEach((entry, i) => {
      const at = nodeAt(["flow", i]);
      if (typeof entry !== "string") {
        report("INVALID_FLOW_ENTRY", 'A flow entry is a string such as "a >> ON_SUCCESS >> b"', ["flow", i], at);
        return;
      }
      const parsed = parseFlowEntry(entry);
      for (const p of parsed.problems) report(p.code, p.message, ["flow", i], at, { index: p.index, flow: true });
      for (const l of parsed.labels) {
        const id = INPUT_ALIASES.has(l.node) ? "input" : l.node;
        if (id === "input") {
          report("CONFLICTING_COMPONENT", `"${l.node}" is the trigger node and has no component`, ["flow", i], at, {
            index: l.index,
            flow: true,
          });
          continue;
        }
        const prev = labels.get(id);
        if (prev && prev.component !== l.component) {
          report(
            "CONFLICTING_COMPONENT",
            `Node "${id}" is labelled "${l.component}" here but "${prev.component}" in flow[${prev.entry}]`,
            ["flow", i],
            at,
            { index: l.index, flow: true },
          );
        } else if (!prev) labels.set(id, { component: l.component, entry: i, index: l.index });
      }
      for (const e of parsed.edges) {
        edgesRaw.push({
          ...e,
          from: INPUT_ALIASES.has(e.from) ? "input" : e.from,
          to: INPUT_ALIASES.has(e.to) ? "input" : e.to,
          entry: i,
        });
      }
    });
  }

  // Nodes: input, config entries, and nodes named only in the flow.
  const declared = new Map<string, { entry?: number; index?: number }>();
  for (const id of Object.keys(config)) declared.set(id, {});
  const subflowTargets = new Set(edgesRaw.filter((e) => e.kind === "CALLS_SUBFLOW").map((e) => e.to));
  for (const e of edgesRaw) {
    for (const [id, index] of [
      [e.from, e.fromIndex],
      [e.to, e.toIndex],
    ] as const) {
      if (id === "input" || declared.has(id)) continue;
      if (labels.has(id) || subflowTargets.has(id)) declared.set(id, { entry: e.entry, index });
      else {
        const guess = closest(id, [...Object.keys(config), "input"]);
        report(
          "UNKNOWN_NODE",
          `Node "${id}" has no config entry and no Cypher label${guess ? ` (did you mean "${guess}"?)` : ""}`,
          ["flow", e.entry],
          nodeAt(["flow", e.entry]),
          { index, flow: true },
        );
        declared.set(id, { entry: e.entry, index }); // report once
        config[id] = {};
      }
    }
  }
  const nodeIds = new Set(["input", ...declared.keys()]);
  const itemAliases = new Set(edgesRaw.filter((e) => e.kind === "FOREACH" && e.over).map((e) => e.over!));

  // Template references: a root must be a node, a built-in or a FOREACH item alias.
  const policy: PathPolicy = (p) => {
    // `steps.node.data.x` (the registry docs' spelling) is `node.data.x`.
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
      return undefined;
    }
    if (BUILTIN_ROOTS.has(p.root) || itemAliases.has(p.root)) return undefined;
    const guess = closest(p.root, [...nodeIds, ...itemAliases, "each"]);
    const hint = guess ? ` (did you mean "${guess}"?)` : nodeIds.size ? "" : "";
    return {
      code: "UNKNOWN_NODE",
      message: `Template refers to "${p.root}", which is not a node of this workflow${hint}; input fields are read as {{ input.${p.root} }}`,
    };
  };
  const compileAt = (value: unknown, path: Path): CompiledValue | undefined => {
    try {
      return compileValue(value, policy);
    } catch (err) {
      if (!(err instanceof TemplateErrors)) throw err;
      // Find the exact string that failed, for a precise position.
      locateTemplateErrors(value, path, policy, (sub, problems) => {
        for (const pr of problems) report(pr.code, pr.message, sub, nodeAt(sub), { index: pr.index });
      });
      return undefined;
    }
  };

  // Steps.
  const steps: Record<string, Step> = {
    input: { id: "input", component: "input", role: "trigger", input: { kind: "literal", value: {} } },
  };
  for (const id of declared.keys()) {
    const cfg = config[id] ?? {};
    const base: Path = ["config", id];
    const entryPos = declared.get(id)!.entry;
    const at = entryPos === undefined ? keyAt(base) : nodeAt(["flow", entryPos]);
    const pos = at?.range ? posAt(at.range[0]) : undefined;
    const label = labels.get(id);
    let component = typeof cfg.component === "string" ? cfg.component : undefined;
    if (cfg.component !== undefined && typeof cfg.component !== "string")
      report(
        "INVALID_TYPE",
        "component must be a component name",
        [...base, "component"],
        nodeAt([...base, "component"]),
      );
    let subflow: string | undefined;
    if (subflowTargets.has(id)) {
      if (component)
        report(
          "CONFLICTING_COMPONENT",
          `Node "${id}" is a CALLS_SUBFLOW target and cannot also name a component`,
          [...base, "component"],
          nodeAt([...base, "component"]),
        );
      subflow = typeof cfg.workflow === "string" ? cfg.workflow : id;
      if (!NAME.test(subflow))
        report(
          "INVALID_NAME",
          `Subflow name "${subflow}" must match [a-z0-9_-]{1,64}`,
          entryPos === undefined ? [...base, "workflow"] : ["flow", entryPos],
          at,
        );
      component = "subflow";
    } else if (label && component && label.component !== component) {
      report(
        "CONFLICTING_COMPONENT",
        `Node "${id}" has component "${component}" in config but the Cypher label "${label.component}" in flow[${label.entry}]`,
        [...base, "component"],
        nodeAt([...base, "component"]),
      );
    } else if (!component && label) component = label.component;
    if (!component) {
      if ((id in config && Object.keys(cfg).length > 0) || Object.hasOwn(data.config ?? {}, id)) {
        report(
          "MISSING_COMPONENT",
          `Node "${id}" needs \`component: <name>\` (or a Cypher label "(${id}:name)")`,
          base,
          keyAt(base),
        );
      }
      component = "";
    } else if (component !== "subflow" && !catalog.manifest(component) && !catalog.isRecipe?.(component)) {
      const guess = catalog.names ? closest(component, catalog.names()) : undefined;
      const where: Path = typeof cfg.component === "string" ? [...base, "component"] : ["flow", label?.entry ?? 0];
      report(
        "UNKNOWN_COMPONENT",
        `Unknown component "${component}"${guess ? ` (did you mean "${guess}"?)` : ""}`,
        where,
        typeof cfg.component === "string" ? nodeAt(where) : nodeAt(where),
        typeof cfg.component === "string" ? undefined : { index: label?.index ?? 0, flow: true },
      );
    }
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(cfg)) {
      // `fields.__proto__ = v` would set the prototype, not a key: such keys are reported below.
      if (RESERVED_KEYS.has(k) || (subflow && k === "workflow") || k === "__proto__") continue;
      fields[k] = v;
    }
    for (const bad of findProtoKeys(cfg, [...base]))
      report("RESERVED_KEY", `"${bad[bad.length - 1]}" cannot be used as a key`, bad, keyAt(bad));
    const input = compileAt(fields, base);
    const step: Step = {
      id,
      component,
      role: OUTPUT_NAMES.includes(id) ? "output" : "step",
      input: input ?? { kind: "literal", value: null },
    };
    if (subflow) step.subflow = subflow;
    if (pos) step.pos = pos;
    if (cfg.retry !== undefined) {
      const r = checkRetry(cfg.retry);
      settingProblems([...base, "retry"], r.problems);
      if (r.retry && !r.problems.length) step.retry = r.retry;
    }
    if (cfg.limits !== undefined) {
      const l = checkLimits(cfg.limits);
      settingProblems([...base, "limits"], l.problems);
      if (l.limits && !l.problems.length) step.limits = l.limits;
    }
    const manifest = component && component !== "subflow" ? catalog.manifest(component) : undefined;
    if (manifest?.input_schema && input) {
      for (const p of checkSchema(input, manifest.input_schema)) {
        const path: Path = [...base, ...(p.path ? p.path.split(".") : [])];
        const target = nodeAt(path) ?? keyAt(base);
        report(
          "SCHEMA_VIOLATION",
          `${p.path ? `"${p.path}" ` : "The input "}${p.message} (input_schema of "${component}")`,
          path,
          target,
        );
      }
    }
    steps[id] = step;
  }

  // Edges.
  const edges: Edge[] = [];
  for (const e of edgesRaw) {
    const at = nodeAt(["flow", e.entry]);
    const edge: Edge = { from: e.from, to: e.to, kind: e.kind };
    if (at?.range) edge.pos = posAt(at.range[0], e.labelIndex + 1);
    if (e.branch) edge.branch = e.branch;
    if (e.over) edge.over = e.over;
    if (e.to === "input")
      report("INVALID_EDGE", "The trigger node `input` cannot have incoming edges", ["flow", e.entry], at, {
        index: e.toIndex,
        flow: true,
      });
    if (e.condition) {
      const c = compileCondition(e.condition.source, policy);
      if ("problems" in c)
        for (const p of c.problems)
          report(p.code, p.message, ["flow", e.entry], at, { index: e.condition.index + p.index, flow: true });
      else edge.condition = c;
    }
    edges.push(edge);
  }
  for (const e of edgesRaw) {
    if (e.kind === "ELSE" && !edgesRaw.some((o) => o.from === e.from && o.kind === "IF")) {
      report(
        "ELSE_WITHOUT_IF",
        `ELSE from "${e.from}" needs an IF edge from the same node`,
        ["flow", e.entry],
        nodeAt(["flow", e.entry]),
        { index: e.labelIndex, flow: true },
      );
    }
  }

  // Graph: cycles, reachability, order, outputs.
  const graph = buildGraph(Object.keys(steps), edges);
  for (const cycle of graph.cycles) {
    const closing = edgesRaw.find((e) => e.from === cycle[cycle.length - 2] && e.to === cycle[cycle.length - 1]);
    report(
      "CYCLE",
      `The flow has a cycle: ${cycle.join(" → ")}`,
      closing ? ["flow", closing.entry] : ["flow"],
      closing ? nodeAt(["flow", closing.entry]) : nodeAt(["flow"]),
      closing ? { index: closing.fromIndex, flow: true } : undefined,
    );
  }
  for (const id of graph.unreachable) {
    const d = declared.get(id)!;
    const where: Path = d.entry === undefined ? ["config", id] : ["flow", d.entry];
    report(
      "UNREACHABLE_NODE",
      `Node "${id}" is not reachable from input (add an edge such as "input >> ON_SUCCESS >> ${id}")`,
      where,
      d.entry === undefined ? keyAt(where) : nodeAt(where),
      d.entry === undefined ? undefined : { index: d.index, flow: true },
    );
  }
  if (errors.length) return { ok: false, errors: byPosition(errors) };

  const named = OUTPUT_NAMES.filter((n) => steps[n]);
  const terminals = graph.order.filter(
    (id) => !graph.outgoing[id]?.length && (id !== "input" || graph.order.length === 1),
  );
  const plan: Plan = {
    name: name as string,
    trigger: trig.trigger,
    steps,
    edges,
    incoming: graph.incoming,
    outgoing: graph.outgoing,
    order: graph.order,
    outputs: named.length ? [named[0]!] : terminals,
  };
  if (typeof data.description === "string") plan.description = data.description.trim();
  return { ok: true, plan };
}

/** Errors in source order (line, column, column in the flow string); unpositioned ones first. */
function byPosition(errors: Diagnostic[]): Diagnostic[] {
  const key = (d: Diagnostic) => [d.pos?.line ?? 0, d.pos?.column ?? 0, d.pos?.flowColumn ?? 0];
  return errors
    .map((d, i) => ({ d, i, k: key(d) }))
    .sort((a, b) => a.k[0]! - b.k[0]! || a.k[1]! - b.k[1]! || a.k[2]! - b.k[2]! || a.i - b.i)
    .map((x) => x.d);
}

function compileCondition(
  source: string,
  policy: PathPolicy,
): CompiledExpr | { problems: Array<{ code: string; message: string; index: number }> } {
  try {
    return compileExpr(source, policy);
  } catch (err) {
    if (err instanceof TemplateErrors) return { problems: err.problems };
    if (err instanceof ExprError) return { problems: [{ code: err.code, message: err.message, index: err.index }] };
    throw err;
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
  } else if (Array.isArray(value))
    value.forEach((v, i) => {
      locateTemplateErrors(v, [...path, i], policy, emit);
    });
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) locateTemplateErrors(v, [...path, k], policy, emit);
  }
}

function findProtoKeys(value: unknown, path: Path, out: Path[] = []): Path[] {
  if (Array.isArray(value))
    value.forEach((v, i) => {
      findProtoKeys(v, [...path, i], out);
    });
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === "__proto__" || k === "constructor" || k === "prototype") out.push([...path, k]);
      findProtoKeys(v, [...path, k], out);
    }
  }
  return out;
}

/** `["config", "notify", "retry", "delay"]` → `config.notify.retry.delay`; indexes as `[3]`. */
function formatPath(path: Path): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out ? `.${p}` : p;
  return out;
}
