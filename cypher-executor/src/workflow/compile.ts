/**
 * YAML source → validated `Plan`. Every problem is collected (never just the first), each with the
 * YAML line and column, the column inside a flow string when it applies, and a document path.
 */
import { ExprError } from "./expr";
import { closest, type FlowEdge, parseFlowEntry } from "./flow";
import { checkForeachBodies } from "./foreach-checks";
import { ancestors, buildGraph } from "./graph";
import { outputShapes } from "./outputs";
import type { CompiledExpr, CompileResult, ComponentCatalog, Edge, Plan, Step } from "./plan";
import { checkTrigger } from "./settings";
import { WorkflowSource } from "./source";
import { buildStep, INPUT_ALIASES, NAME, OUTPUT_NAMES, refPolicy } from "./steps";
import { compileExpr, compileString, type PathPolicy, TemplateErrors } from "./template";

export { INPUT_ALIASES, OUTPUT_NAMES, RESERVED_KEYS } from "./steps";

const TOP_KEYS = ["name", "description", "trigger", "flow", "config", "history"];
/** Which executions keep a record: every one, or only those that did not succeed (docs/workflow-format.md). */
const HISTORY = ["all", "failed"];
const NODE = /^[A-Za-z_][A-Za-z0-9_-]*$/;

type RawEdge = FlowEdge & { entry: number };
type Labels = Map<string, { component: string; entry: number; index: number }>;

/**
 * Parses, validates and compiles a workflow. Nothing is stored; the caller stores only valid plans.
 *
 * @example
 * const r = compileWorkflow(yamlText, catalog);
 * if (!r.ok) return c.json({ valid: false, errors: r.errors }, 400);
 */
export function compileWorkflow(source: string, catalog: ComponentCatalog): CompileResult {
  const src = new WorkflowSource(source);
  if (src.errors.length) return { ok: false, errors: src.errors };
  if (!src.isMapping) {
    src.report("NOT_A_MAPPING", "A workflow is a YAML mapping with name, flow and config", [], src.root);
    return { ok: false, errors: src.errors };
  }
  const data = src.data;

  for (const key of Object.keys(data)) {
    if (TOP_KEYS.includes(key)) continue;
    const guess = closest(key, TOP_KEYS);
    const hint = guess ? ` (did you mean "${guess}"?)` : "";
    src.report(
      "UNKNOWN_KEY",
      `Unknown top-level key "${key}"${hint}; known keys: ${TOP_KEYS.join(", ")}`,
      [key],
      src.keyAt([key]),
    );
  }
  const name = data.name;
  if (name === undefined) src.report("MISSING_FIELD", "A workflow needs a `name`", ["name"], src.root);
  else if (typeof name !== "string" || !NAME.test(name)) {
    src.report(
      "INVALID_NAME",
      `Workflow name "${String(name)}" must match [a-z0-9_-]{1,64}`,
      ["name"],
      src.nodeAt(["name"]),
    );
  }
  if (data.description !== undefined && typeof data.description !== "string") {
    src.report("INVALID_TYPE", "description must be text", ["description"], src.nodeAt(["description"]));
  }
  if (data.history !== undefined && !HISTORY.includes(data.history as string)) {
    src.report(
      "INVALID_VALUE",
      `history must be ${HISTORY.join(" or ")}, got ${JSON.stringify(data.history)}`,
      ["history"],
      src.nodeAt(["history"]),
    );
  }
  const trig = checkTrigger(data.trigger);
  src.reportSettings(["trigger"], trig.problems);
  compileIdempotencyKey(src, trig.trigger);

  const config = readConfig(src, data.config);
  const { edges: raw, labels } = readFlow(src, data.flow);

  // Nodes: input, config entries, and nodes named only in the flow (by a Cypher label or as a subflow).
  const firstSeen = new Map<string, { entry?: number; index?: number }>();
  for (const id of Object.keys(config)) firstSeen.set(id, {});
  const subflowTargets = new Set(raw.filter((e) => e.kind === "CALLS_SUBFLOW").map((e) => e.to));
  for (const e of raw) {
    for (const [id, index] of [
      [e.from, e.fromIndex],
      [e.to, e.toIndex],
    ] as const) {
      if (id === "input" || firstSeen.has(id)) continue;
      firstSeen.set(id, { entry: e.entry, index });
      if (labels.has(id) || subflowTargets.has(id)) continue;
      const guess = closest(id, [...Object.keys(config), "input"]);
      src.report(
        "UNKNOWN_NODE",
        `Node "${id}" has no config entry and no Cypher label${guess ? ` (did you mean "${guess}"?)` : ""}`,
        ["flow", e.entry],
        src.nodeAt(["flow", e.entry]),
        { index, flow: true },
      );
    }
  }
  const nodeIds = new Set(["input", ...firstSeen.keys()]);
  const itemAliases = new Set(raw.flatMap((e) => (e.kind === "FOREACH" && e.over ? [e.over] : [])));
  const listNodes = new Set(raw.filter((e) => e.kind === "FOREACH").map((e) => e.to));
  const shapes = outputShapes(componentsOf(config, labels), catalog, listNodes);
  const policy = refPolicy(nodeIds, itemAliases, undefined, shapes);
  // Reading a node that does not always run first races with it (or reads nothing): a warning.
  const early = ancestors(
    buildGraph(
      [...nodeIds],
      raw.map((e) => ({ from: e.from, to: e.to, kind: e.kind })),
    ),
  );
  const upstreamFor = (id: string, self = false): PathPolicy | undefined => {
    if (!early) return undefined;
    const nodes = new Set(early.get(id));
    if (self) nodes.add(id);
    return refPolicy(nodeIds, itemAliases, { of: id, nodes }, shapes);
  };

  const steps: Record<string, Step> = {
    input: { id: "input", component: "input", role: "trigger", input: { kind: "literal", value: {} } },
  };
  const ctx = { src, catalog, config, firstSeen, labels, subflowTargets, policy, upstreamFor };
  for (const id of firstSeen.keys()) steps[id] = buildStep(ctx, id);
  checkForeachBodies(src, raw, steps);

  const edges = buildEdges(src, raw, policy, upstreamFor);
  const graph = buildGraph(Object.keys(steps), edges);
  for (const cycle of graph.cycles) {
    const closing = raw.find((e) => e.from === cycle[cycle.length - 2] && e.to === cycle[cycle.length - 1]);
    const where = closing ? ["flow", closing.entry] : ["flow"];
    src.report(
      "CYCLE",
      `The flow has a cycle: ${cycle.join(" → ")}`,
      where,
      src.nodeAt(where),
      closing ? { index: closing.fromIndex, flow: true } : undefined,
    );
  }
  for (const id of graph.unreachable) {
    const seen = firstSeen.get(id)!;
    const message = `Node "${id}" is not reachable from input (add an edge such as "input >> ON_SUCCESS >> ${id}")`;
    if (seen.entry === undefined) src.report("UNREACHABLE_NODE", message, ["config", id], src.keyAt(["config", id]));
    else {
      const where = ["flow", seen.entry];
      src.report("UNREACHABLE_NODE", message, where, src.nodeAt(where), { index: seen.index, flow: true });
    }
  }
  const warnings = src.sorted(src.warnings);
  if (src.errors.length) {
    return { ok: false, errors: src.sorted(src.errors), ...(warnings.length ? { warnings } : {}) };
  }

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
  if (data.history === "failed") plan.history = "failed";
  return { ok: true, plan, ...(warnings.length ? { warnings } : {}) };
}

/** `trigger.idempotency_key`: a template of the request only (no node has run when it is read). */
function compileIdempotencyKey(src: WorkflowSource, trigger: Plan["trigger"]): void {
  if (trigger.idempotency_key === undefined) return;
  const where = ["trigger", "idempotency_key"];
  const policy = refPolicy(new Set(["input"]), new Set());
  const onlyRequest: PathPolicy = (p) =>
    INPUT_ALIASES.has(p.root)
      ? policy(p)
      : {
          code: "INVALID_TEMPLATE",
          message: `idempotency_key can read the request only (input, trigger), not "${p.root}"`,
        };
  try {
    trigger.idempotencyKey = compileString(trigger.idempotency_key, onlyRequest);
  } catch (err) {
    if (!(err instanceof TemplateErrors)) throw err;
    for (const pr of err.problems) src.report(pr.code, pr.message, where, src.nodeAt(where));
  }
}

/** The `config` section: valid entries by node id; bad names and shapes are reported. */
function readConfig(src: WorkflowSource, raw: unknown): Record<string, Record<string, unknown>> {
  const config: Record<string, Record<string, unknown>> = {};
  if (raw === undefined || raw === null) return config;
  if (typeof raw !== "object" || Array.isArray(raw)) {
    src.report("INVALID_TYPE", "config must be a mapping of node name → settings", ["config"], src.nodeAt(["config"]));
    return config;
  }
  for (const [id, v] of Object.entries(raw as Record<string, unknown>)) {
    const path = ["config", id];
    if (!NODE.test(id)) {
      const message = `Node name "${id}" must be letters, digits, _ and - (starting with a letter or _)`;
      src.report("INVALID_NODE_NAME", message, path, src.keyAt(path));
    } else if (INPUT_ALIASES.has(id)) {
      src.report("RESERVED_NODE_NAME", `"${id}" is the trigger node and cannot be configured`, path, src.keyAt(path));
    } else if (v === null || typeof v !== "object" || Array.isArray(v)) {
      const message = `config.${id} must be a mapping (component: …, and its input fields)`;
      src.report("INVALID_TYPE", message, path, src.nodeAt(path));
    } else config[id] = v as Record<string, unknown>;
  }
  return config;
}

/** The `flow` section: raw edges (input aliases folded into `input`) and Cypher labels. */
function readFlow(src: WorkflowSource, raw: unknown): { edges: RawEdge[]; labels: Labels } {
  const edges: RawEdge[] = [];
  const labels: Labels = new Map();
  if (raw === undefined || raw === null) {
    src.report("MISSING_FIELD", "A workflow needs a `flow` list of edges", ["flow"], src.root);
    return { edges, labels };
  }
  if (!Array.isArray(raw)) {
    src.report("INVALID_TYPE", "flow must be a list of edges", ["flow"], src.nodeAt(["flow"]));
    return { edges, labels };
  }
  const canonical = (id: string) => (INPUT_ALIASES.has(id) ? "input" : id);
  raw.forEach((entry, i) => {
    const path = ["flow", i];
    const at = src.nodeAt(path);
    if (typeof entry !== "string") {
      const hint =
        entry !== null && typeof entry === "object"
          ? ' (YAML read this entry as a mapping: quote it when it contains ": ")'
          : "";
      src.report("INVALID_FLOW_ENTRY", `A flow entry is a string such as "a >> ON_SUCCESS >> b"${hint}`, path, at);
      return;
    }
    const parsed = parseFlowEntry(entry);
    for (const p of parsed.problems) src.report(p.code, p.message, path, at, { index: p.index, flow: true });
    for (const l of parsed.labels) {
      const id = canonical(l.node);
      const prev = labels.get(id);
      if (id === "input") {
        const message = `"${l.node}" is the trigger node and has no component`;
        src.report("CONFLICTING_COMPONENT", message, path, at, { index: l.index, flow: true });
      } else if (prev && prev.component !== l.component) {
        const message = `Node "${id}" is labelled "${l.component}" here but "${prev.component}" in flow[${prev.entry}]`;
        src.report("CONFLICTING_COMPONENT", message, path, at, { index: l.index, flow: true });
      } else if (!prev) labels.set(id, { component: l.component, entry: i, index: l.index });
    }
    for (const e of parsed.edges) edges.push({ ...e, from: canonical(e.from), to: canonical(e.to), entry: i });
  });
  return { edges, labels };
}

/** Plan edges with compiled IF conditions; edges into `input` and ELSE without IF are reported. */
function buildEdges(
  src: WorkflowSource,
  raw: RawEdge[],
  policy: PathPolicy,
  upstreamFor: (id: string, self: boolean) => PathPolicy | undefined,
): Edge[] {
  const edges: Edge[] = [];
  for (const e of raw) {
    const path = ["flow", e.entry];
    const at = src.nodeAt(path);
    const edge: Edge = { from: e.from, to: e.to, kind: e.kind };
    if (at?.range) edge.pos = src.posAt(at.range[0], e.labelIndex + 1);
    if (e.branch) edge.branch = e.branch;
    if (e.over) edge.over = e.over;
    if (e.to === "input") {
      const message = "The trigger node `input` cannot have incoming edges";
      src.report("INVALID_EDGE", message, path, at, { index: e.toIndex, flow: true });
    }
    if (e.kind === "ELSE" && !raw.some((o) => o.from === e.from && o.kind === "IF")) {
      const message = `ELSE from "${e.from}" needs an IF edge from the same node`;
      src.report("ELSE_WITHOUT_IF", message, path, at, { index: e.labelIndex, flow: true });
    }
    if (e.condition) {
      const c = compileCondition(e.condition.source, policy);
      if ("problems" in c) {
        for (const p of c.problems) {
          src.report(p.code, p.message, path, at, { index: e.condition.index + p.index, flow: true });
        }
      } else {
        edge.condition = c;
        const upstream = upstreamFor(e.from, true);
        const late = upstream ? compileCondition(e.condition.source, upstream) : undefined;
        if (late && "problems" in late) {
          for (const p of late.problems) {
            src.warn(p.code, p.message, path, at, { index: e.condition.index + p.index, flow: true });
          }
        }
      }
    }
    edges.push(edge);
  }
  return edges;
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

/** Each node's component name as written (config first, then its Cypher label). */
function componentsOf(config: Record<string, Record<string, unknown>>, labels: Labels): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [id, l] of labels) out[id] = l.component;
  for (const [id, cfg] of Object.entries(config)) if (typeof cfg.component === "string") out[id] = cfg.component;
  return out;
}
