/**
 * Templates in config values: `"{{ expr }}"` keeps the JSON type of its value, text around templates
 * interpolates. Compiled once into a `CompiledValue`; `resolveValue` only walks that tree.
 */
import { evaluate, toText } from "./evaluate";
import { ExprError, type ExprNode, parseExpression, type Scope, visitPaths } from "./expr";
import type { CompiledExpr, CompiledValue, Plan } from "./plan";

/** Roots that name a credential; the placeholder is kept as text and resolved only by a host function. */
export const CREDENTIAL_ROOTS = new Set(["credential", "credentials", "creds"]);

/** A problem found while compiling one string; `index` is the offset inside that string. */
export interface TemplateProblem {
  code: string;
  message: string;
  index: number;
}

/**
 * Checks (and may rewrite in place) every path of a compiled expression; returns problems found.
 * The compiler uses it to reject unknown nodes and to expand shorthands such as `node.field`.
 */
export type PathPolicy = (path: Extract<ExprNode, { t: "get" }>) => { code: string; message: string } | undefined;

/** `credential.NAME`, `credential.NAME.field` (one field of a JSON credential), `credential:NAME`; `creds.`/`credentials.` too. */
const CREDENTIAL_TEMPLATE = /^\s*(credential|credentials|creds)\s*[.:]\s*([A-Za-z0-9_-]+)(?:\.([A-Za-z0-9_]+))?\s*$/;

/**
 * The canonical placeholder text the host functions substitute (`{{credential.NAME}}` or
 * `{{credential.NAME.field}}`).
 *
 * @example
 * credentialPlaceholder("slack_bot") // "{{credential.slack_bot}}"
 */
export function credentialPlaceholder(name: string, field?: string): string {
  return field ? `{{credential.${name}.${field}}}` : `{{credential.${name}}}`;
}

/**
 * Compiles one expression text with the path policy applied.
 *
 * @example
 * const expr = compileExpr("check.data.total > 100", () => undefined);
 */
export function compileExpr(source: string, policy?: PathPolicy, offset = 0): CompiledExpr {
  let ast: ExprNode;
  try {
    ast = parseExpression(source);
  } catch (err) {
    if (err instanceof ExprError) throw new ExprError(err.message, err.index + offset, err.code);
    throw err;
  }
  if (policy) {
    const problems: TemplateProblem[] = [];
    // Reference problems point at the expression's first character.
    const at = offset + source.length - source.trimStart().length;
    visitPaths(ast, (p) => {
      if (CREDENTIAL_ROOTS.has(p.root)) {
        problems.push({
          code: "CREDENTIAL_IN_EXPRESSION",
          message: `A credential can only be a whole template ("{{ credential.NAME }}"), never part of an expression`,
          index: at,
        });
        return;
      }
      const bad = policy(p);
      if (bad) problems.push({ ...bad, index: at });
    });
    if (problems.length) throw new TemplateErrors(problems);
  }
  return { source: source.trim(), ast };
}

/** Several problems in one string (all are reported, not just the first). */
export class TemplateErrors extends Error {
  constructor(readonly problems: TemplateProblem[]) {
    super(problems.map((p) => p.message).join("; "));
    this.name = "TemplateErrors";
  }
}

/** Splits a string into text and `{{ … }}` parts; `}}` inside a quoted string does not close. */
function scanTemplates(text: string): Array<{ text: string; start: number; expr: boolean }> | TemplateProblem {
  const parts: Array<{ text: string; start: number; expr: boolean }> = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf("{{", i);
    if (open < 0) {
      parts.push({ text: text.slice(i), start: i, expr: false });
      break;
    }
    if (open > i) parts.push({ text: text.slice(i, open), start: i, expr: false });
    let j = open + 2;
    let quote = "";
    let close = -1;
    for (; j < text.length; j++) {
      const ch = text[j]!;
      if (quote) {
        if (ch === "\\") j++;
        else if (ch === quote) quote = "";
      } else if (ch === '"' || ch === "'") quote = ch;
      else if (ch === "}" && text[j + 1] === "}") {
        close = j;
        break;
      }
    }
    if (close < 0) return { code: "INVALID_TEMPLATE", message: "Unclosed template: `{{` without `}}`", index: open };
    parts.push({ text: text.slice(open + 2, close), start: open + 2, expr: true });
    i = close + 2;
  }
  return parts;
}

/** True when the text contains a template at all (fast check before compiling). */
export function hasTemplate(text: string): boolean {
  return text.includes("{{");
}

/**
 * Compiles a string that may contain templates. Throws `TemplateErrors` listing every problem.
 *
 * @example
 * compileString("Order {{ check.data.id }}", policy) // { kind: "interp", parts: ["Order ", expr] }
 * compileString("{{ input.total }}", policy)          // { kind: "expr", expr }
 * compileString("{{ credential.slack }}", policy)     // { kind: "literal", value: "{{credential.slack}}" }
 */
export function compileString(text: string, policy?: PathPolicy): CompiledValue {
  if (!hasTemplate(text)) return { kind: "literal", value: text };
  const scanned = scanTemplates(text);
  if (!Array.isArray(scanned)) throw new TemplateErrors([scanned]);
  const problems: TemplateProblem[] = [];
  const parts: Array<string | CompiledExpr> = [];
  for (const part of scanned) {
    if (!part.expr) {
      parts.push(part.text);
      continue;
    }
    const cred = CREDENTIAL_TEMPLATE.exec(part.text);
    if (cred) {
      parts.push(credentialPlaceholder(cred[2]!, cred[3]));
      continue;
    }
    try {
      parts.push(compileExpr(part.text, policy, part.start));
    } catch (err) {
      if (err instanceof TemplateErrors) problems.push(...err.problems);
      else if (err instanceof ExprError) problems.push({ code: err.code, message: err.message, index: err.index });
      else throw err;
    }
  }
  if (problems.length) throw new TemplateErrors(problems);
  // Adjacent text parts (credential placeholders included) merge, so run time concatenates less.
  const merged: Array<string | CompiledExpr> = [];
  for (const p of parts) {
    const last = merged[merged.length - 1];
    if (typeof p === "string" && typeof last === "string") merged[merged.length - 1] = last + p;
    else if (p !== "") merged.push(p);
  }
  if (merged.length === 0) return { kind: "literal", value: "" };
  if (merged.length === 1) {
    const only = merged[0]!;
    return typeof only === "string" ? { kind: "literal", value: only } : { kind: "expr", expr: only };
  }
  return { kind: "interp", parts: merged };
}

/**
 * Compiles any JSON value (from YAML) whose strings may hold templates. Objects and arrays made only
 * of literals collapse into one literal, so resolving them costs nothing.
 *
 * @example
 * compileValue({ a: 1, b: "{{ input.x }}" }, policy).kind // "object"
 */
export function compileValue(value: unknown, policy?: PathPolicy): CompiledValue {
  if (typeof value === "string") return compileString(value, policy);
  if (Array.isArray(value)) {
    const items = value.map((v) => compileValue(v, policy));
    // The collapsed literal is built from the compiled items, not `value`: compiling rewrites
    // credential aliases (`creds.X` -> `credential.X`) and the host only knows the canonical form.
    if (items.every((i) => i.kind === "literal")) return { kind: "literal", value: items.map(literalOf) };
    return { kind: "array", items };
  }
  if (value && typeof value === "object") {
    const entries = Object.entries(value).map(([k, v]) => [k, compileValue(v, policy)] as [string, CompiledValue]);
    if (entries.every(([, v]) => v.kind === "literal"))
      return { kind: "literal", value: Object.fromEntries(entries.map(([k, v]) => [k, literalOf(v)])) };
    return { kind: "object", entries };
  }
  return { kind: "literal", value };
}

function literalOf(v: CompiledValue): unknown {
  return v.kind === "literal" ? v.value : undefined;
}

/**
 * Resolves a compiled value against a scope. Literals are returned as they are (shared: do not mutate).
 * A template that resolves to nothing (a missing field) yields `null` as a whole value and `""` inside
 * text, never `undefined`; when `missing` is given, the source of each such template is pushed onto it,
 * so the engine can record an `UNRESOLVED_TEMPLATE` warning on the node (docs/workflow-format.md).
 *
 * @example
 * const missing: string[] = [];
 * resolveValue(step.input, scope, missing) // the component's stdin JSON; missing: ["fetch.data.records"]
 */
export function resolveValue(value: CompiledValue, scope: Scope, missing?: string[]): unknown {
  switch (value.kind) {
    case "literal":
      return value.value;
    case "expr": {
      const v = evaluate(value.expr, scope);
      if (v !== undefined) return v;
      missing?.push(value.expr.source);
      return null;
    }
    case "interp": {
      let out = "";
      for (const p of value.parts) {
        if (typeof p === "string") {
          out += p;
          continue;
        }
        const v = evaluate(p, scope);
        if (v === undefined) missing?.push(p.source);
        out += toText(v);
      }
      return out;
    }
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [k, v] of value.entries) out[k] = resolveValue(v, scope, missing);
      return out;
    }
    case "array": {
      const items = value.items;
      const out = new Array<unknown>(items.length);
      for (let i = 0; i < items.length; i++) out[i] = resolveValue(items[i]!, scope, missing);
      return out;
    }
  }
}

/** True when resolving needs a scope at all (the engine can skip building one otherwise). */
export function needsResolve(value: CompiledValue): boolean {
  return value.kind !== "literal";
}

const metaReaders = new WeakMap<Plan, boolean>();

/**
 * True when a template of `plan` reads the trigger's request metadata: `trigger.headers`, `.query`,
 * `.method` or `.path` (any alias of the trigger). Every other read of the root is compiled to
 * `trigger.body…` (`{{ input.x }}`, `{{ trigger }}`, `{{ trigger[k] }}`: see `refPolicy`) and does not
 * count. Lets the engine skip copying the request for most workflows.
 * Computed once per Plan (plans are cached and never change).
 */
export function readsTriggerMeta(plan: Plan): boolean {
  let reads = metaReaders.get(plan);
  if (reads === undefined) {
    reads = false;
    const onPath = (p: { root: string; keys: unknown[] }) => {
      if (p.root === "trigger" && p.keys[0] !== "body") reads = true;
    };
    const visitExpr = (e: CompiledExpr) => visitPaths(e.ast as ExprNode, onPath);
    const visitValue = (v: CompiledValue): void => {
      switch (v.kind) {
        case "expr":
          visitExpr(v.expr);
          return;
        case "interp":
          for (const p of v.parts) if (typeof p !== "string") visitExpr(p);
          return;
        case "object":
          for (const [, x] of v.entries) visitValue(x);
          return;
        case "array":
          for (const x of v.items) visitValue(x);
          return;
      }
    };
    for (const step of Object.values(plan.steps)) visitValue(step.input);
    for (const edge of plan.edges) if (edge.condition) visitExpr(edge.condition);
    metaReaders.set(plan, reads);
  }
  return reads;
}
