/**
 * The `flow` entries: each one is an edge (or a chain of edges), written either in the classic
 * arrow form `a >> LABEL >> b` (chains: `a >> X >> b >> Y >> c`) or as a Cypher pattern
 * `(a)-[:LABEL]->(b:component)`. Both parse to the same `FlowEdge` drafts.
 */
import type { EdgeKind } from "./plan";

/** One edge as written, before node and expression checks. Offsets are 0-based in the flow string. */
export interface FlowEdge {
  from: string;
  to: string;
  kind: EdgeKind;
  /** IF: the expression text and its offset. */
  condition?: { source: string; index: number };
  branch?: string;
  over?: string;
  /** Offsets of the from/to node names and of the label. */
  fromIndex: number;
  toIndex: number;
  labelIndex: number;
}

/** A component named by a Cypher label `(alias:component)`. */
export interface FlowLabel {
  node: string;
  component: string;
  index: number;
}

export interface FlowProblem {
  code: string;
  message: string;
  index: number;
}

export interface ParsedFlow {
  edges: FlowEdge[];
  labels: FlowLabel[];
  problems: FlowProblem[];
}

const NODE = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Every accepted edge label spelling (upper-cased for ASCII), and the kind it means. */
export const EDGE_ALIASES: Record<string, EdgeKind> = {
  ON_SUCCESS: "ON_SUCCESS",
  PIPE: "ON_SUCCESS",
  NEXT: "ON_SUCCESS",
  完成後: "ON_SUCCESS",
  ON_FAIL: "ON_FAIL",
  ON_FAILURE: "ON_FAIL",
  ON_ERROR: "ON_FAIL",
  失敗時: "ON_FAIL",
  ON_COMPLETE: "ON_COMPLETE",
  IF: "IF",
  ELSE: "ELSE",
  ON_TRUE: "ON_TRUE",
  ON_FALSE: "ON_FALSE",
  ON_BRANCH: "ON_BRANCH",
  分支: "ON_BRANCH",
  FOREACH: "FOREACH",
  EACH: "FOREACH",
  FOR_EACH: "FOREACH",
  "FOR EACH": "FOREACH",
  對每個: "FOREACH",
  CALLS_SUBFLOW: "CALLS_SUBFLOW",
};

type LabelResult =
  | { kind: EdgeKind; condition?: { source: string; index: number }; branch?: string; over?: string }
  | FlowProblem;

/**
 * Parses an arrow-form label (`ON_SUCCESS`, `IF {{ x > 1 }}`, `for each item`, `分支(a)`, …).
 * `index` is the label's offset in the flow string, for error positions.
 */
export function parseArrowLabel(text: string, index: number): LabelResult {
  const t = text.trim();
  const at = index + text.indexOf(t);
  const upper = t.toUpperCase();
  const direct = EDGE_ALIASES[upper];
  if (direct && direct !== "IF" && direct !== "ON_BRANCH" && direct !== "FOREACH") return { kind: direct };
  // IF {{ expr }}  (the braces are optional: `IF x > 1`)
  const ifm = /^IF(\s+|(?=\{\{))([\s\S]*)$/i.exec(t);
  if (ifm) {
    const rest = ifm[2]!;
    const restAt = at + 2 + ifm[1]!.length;
    const braced = /^\{\{([\s\S]*)\}\}\s*$/.exec(rest);
    const source = braced ? braced[1]! : rest;
    if (source.trim() === "") return problem("INVALID_EDGE_LABEL", "IF needs a condition: `IF {{ expr }}`", at);
    return { kind: "IF", condition: { source, index: restAt + (braced ? 2 : 0) } };
  }
  if (upper === "IF") return problem("INVALID_EDGE_LABEL", "IF needs a condition: `IF {{ expr }}`", at);
  // ON_BRANCH(x) / 分支(x)
  const br = /^(ON_BRANCH|分支)\s*[(（]\s*([^)）]*?)\s*[)）]$/i.exec(t);
  if (br) {
    if (!br[2]) return problem("INVALID_EDGE_LABEL", "ON_BRANCH needs a branch name: `ON_BRANCH(name)`", at);
    return { kind: "ON_BRANCH", branch: br[2] };
  }
  if (upper === "ON_BRANCH" || t === "分支") {
    return problem("INVALID_EDGE_LABEL", "ON_BRANCH needs a branch name: `ON_BRANCH(name)`", at);
  }
  // FOREACH X / for each X / 對每個 X / EACH X
  const fe = /^(FOREACH|FOR[\s_]+EACH|EACH|對每個)\s*([\s\S]*)$/i.exec(t);
  if (fe) {
    const over = fe[2]!.trim();
    if (!over) return problem("INVALID_EDGE_LABEL", "FOREACH needs the field to iterate: `for each item`", at);
    if (!NODE.test(over)) {
      return problem("INVALID_EDGE_LABEL", `FOREACH field "${over}" must be a plain name (letters, digits, _)`, at);
    }
    return { kind: "FOREACH", over };
  }
  return unknownLabel(t, at);
}

function unknownLabel(t: string, at: number): FlowProblem {
  const names = ["ON_SUCCESS", "ON_FAIL", "ON_COMPLETE", "IF {{ expr }}", "ELSE", "ON_TRUE", "ON_FALSE"];
  const all = [...names, "ON_BRANCH(x)", "FOREACH x", "CALLS_SUBFLOW"];
  const guess = closest(t.toUpperCase(), Object.keys(EDGE_ALIASES));
  return problem(
    "UNKNOWN_EDGE_LABEL",
    `Unknown edge label "${t}"${guess ? ` (did you mean ${guess}?)` : ""}; use one of ${all.join(", ")}`,
    at,
  );
}

function problem(code: string, message: string, index: number): FlowProblem {
  return { code, message, index };
}

/**
 * Parses one flow entry (arrow or Cypher form) into edges.
 *
 * @example
 * parseFlowEntry("check >> IF {{ check.data.total > 100 }} >> notify").edges[0]!.kind // "IF"
 * parseFlowEntry("(input)-[:ON_SUCCESS]->(lines:set)").labels // [{ node: "lines", component: "set", … }]
 */
export function parseFlowEntry(text: string): ParsedFlow {
  const trimmed = text.trimStart();
  if (trimmed.startsWith("(")) return parseCypher(text, text.length - trimmed.length);
  return parseArrow(text);
}

/** Splits on `>>` outside `{{ … }}`, keeping offsets. */
function splitArrows(text: string): Array<{ text: string; index: number }> {
  const out: Array<{ text: string; index: number }> = [];
  let start = 0;
  let i = 0;
  while (i < text.length) {
    if (text.startsWith("{{", i)) {
      const close = text.indexOf("}}", i + 2);
      i = close < 0 ? text.length : close + 2;
      continue;
    }
    if (text.startsWith(">>", i)) {
      out.push({ text: text.slice(start, i), index: start });
      i += 2;
      start = i;
      continue;
    }
    i++;
  }
  out.push({ text: text.slice(start), index: start });
  return out;
}

function parseArrow(text: string): ParsedFlow {
  const parts = splitArrows(text);
  const result: ParsedFlow = { edges: [], labels: [], problems: [] };
  if (parts.length < 3 || parts.length % 2 === 0) {
    result.problems.push(
      problem(
        "INVALID_FLOW_ENTRY",
        'A flow entry is "from >> LABEL >> to" (chains allowed: "a >> X >> b >> Y >> c") or "(a)-[:LABEL]->(b)"',
        0,
      ),
    );
    return result;
  }
  const nodes: Array<{ name: string; index: number } | null> = [];
  for (let i = 0; i < parts.length; i += 2) {
    const p = parts[i]!;
    const name = p.text.trim();
    const index = p.index + Math.max(0, p.text.indexOf(name));
    if (!NODE.test(name)) {
      result.problems.push(
        problem("INVALID_FLOW_ENTRY", `"${name}" is not a node name (letters, digits, _ and -)`, index),
      );
      nodes.push(null);
    } else nodes.push({ name, index });
  }
  for (let i = 1; i < parts.length; i += 2) {
    const label = parseArrowLabel(parts[i]!.text, parts[i]!.index);
    if ("code" in label) {
      result.problems.push(label);
      continue;
    }
    const from = nodes[(i - 1) / 2];
    const to = nodes[(i + 1) / 2];
    if (!from || !to) continue;
    result.edges.push({
      from: from.name,
      to: to.name,
      fromIndex: from.index,
      toIndex: to.index,
      labelIndex: parts[i]!.index,
      ...label,
    });
  }
  return result;
}

// Cypher: (a)-[:LABEL {k: "v"}]->(b:component) with optional chains, optional relationship variable.
const CY_NODE = /^\(\s*([A-Za-z_][A-Za-z0-9_-]*)\s*(?::\s*([A-Za-z0-9_][A-Za-z0-9_.-]*)\s*)?\)/;
const CY_REL = /^-\s*\[\s*(?:[A-Za-z_][A-Za-z0-9_]*\s*)?:\s*([^\s{\]]+(?:\([^)]*\))?)\s*(\{[^}]*\})?\s*\]\s*->/;

function parseCypher(text: string, start: number): ParsedFlow {
  const result: ParsedFlow = { edges: [], labels: [], problems: [] };
  let i = start;
  const node = (): { name: string; index: number } | null => {
    const m = CY_NODE.exec(text.slice(i));
    if (!m) {
      result.problems.push(problem("INVALID_FLOW_ENTRY", "Expected a node `(alias)` or `(alias:component)`", i));
      return null;
    }
    const index = i + m[0].indexOf(m[1]!);
    if (m[2]) result.labels.push({ node: m[1]!, component: m[2], index });
    i += m[0].length;
    return { name: m[1]!, index };
  };
  let from = node();
  if (!from) return result;
  let edges = 0;
  while (i < text.length && text.slice(i).trim() !== "") {
    while (text[i] === " ") i++;
    const m = CY_REL.exec(text.slice(i));
    if (!m) {
      result.problems.push(
        problem("INVALID_FLOW_ENTRY", 'Expected a relationship `-[:LABEL]->` (e.g. `-[:IF {expr: "x > 1"}]->`)', i),
      );
      return result;
    }
    const labelIndex = i + m[0].indexOf(m[1]!);
    const relIndex = i;
    i += m[0].length;
    while (text[i] === " ") i++;
    const to = node();
    if (!to) return result;
    const label = cypherLabel(m[1]!, m[2], labelIndex, relIndex + m[0].indexOf(m[2] ?? "\u0000"));
    edges++;
    if ("code" in label) result.problems.push(label);
    else
      result.edges.push({
        from: from.name,
        to: to.name,
        fromIndex: from.index,
        toIndex: to.index,
        labelIndex,
        ...label,
      });
    from = to;
  }
  if (edges === 0) {
    result.problems.push(problem("INVALID_FLOW_ENTRY", "A Cypher flow entry needs at least one `-[:LABEL]->(b)`", i));
  }
  return result;
}

function cypherLabel(type: string, propsText: string | undefined, index: number, propsIndex: number): LabelResult {
  const props = propsText ? parseProps(propsText) : {};
  if (typeof props === "string") return problem("INVALID_EDGE_LABEL", props, propsIndex);
  const upper = type.toUpperCase();
  const kind = EDGE_ALIASES[upper] ?? EDGE_ALIASES[type];
  if (kind === "IF") {
    const expr = props.expr ?? props.condition ?? props.if;
    if (!expr) return problem("INVALID_EDGE_LABEL", 'IF needs a condition: `[:IF {expr: "x > 1"}]`', index);
    const braced = /^\s*\{\{([\s\S]*)\}\}\s*$/.exec(expr.value);
    const source = braced ? braced[1]! : expr.value;
    return {
      kind: "IF",
      condition: { source, index: propsIndex + expr.index + (braced ? expr.value.indexOf("{{") + 2 : 0) },
    };
  }
  if (kind === "FOREACH") {
    const over = props.over ?? props.as ?? props.field;
    if (!over || !NODE.test(over.value)) {
      return problem("INVALID_EDGE_LABEL", 'EACH needs the field to iterate: `[:EACH {over: "items"}]`', index);
    }
    return { kind: "FOREACH", over: over.value };
  }
  if (kind === "ON_BRANCH" || /^(ON_BRANCH|分支)\s*\(/i.test(type)) {
    const inline = /\(\s*([^)]*?)\s*\)$/.exec(type)?.[1];
    const name = inline || props.branch?.value || props.name?.value;
    if (!name) return problem("INVALID_EDGE_LABEL", 'ON_BRANCH needs a name: `[:ON_BRANCH {branch: "x"}]`', index);
    return { kind: "ON_BRANCH", branch: name };
  }
  if (kind) return { kind };
  return unknownLabel(type, index);
}

/** Parses `{key: "value", other: 'v', bare: word}`; returns a message on bad syntax. */
function parseProps(text: string): Record<string, { value: string; index: number }> | string {
  const out: Record<string, { value: string; index: number }> = {};
  const body = text.slice(1, -1);
  const re = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^,\s]+))\s*(,|$)/y;
  let pos = 0;
  while (pos < body.length && body.slice(pos).trim() !== "") {
    re.lastIndex = pos;
    const m = re.exec(body);
    if (!m) return `Bad relationship properties "${text}": expected {key: "value", …}`;
    const raw = m[2] ?? m[3] ?? m[4] ?? "";
    const valueAt = m[0].indexOf(raw, m[0].indexOf(":") + 1);
    out[m[1]!] = { value: raw.replace(/\\(.)/g, "$1"), index: 1 + pos + valueAt };
    pos = re.lastIndex;
  }
  return out;
}

/** The closest candidate by edit distance (for "did you mean"), or undefined when none is close. */
export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

/** Optimal-string-alignment distance: insertions, deletions, substitutions and transpositions. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
