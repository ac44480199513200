/**
 * Template expressions (`{{ expr }}`): parsed once with jsep into a small JSON-serialisable tree
 * (`ExprNode`), then turned into a closure on first use. Nothing is parsed on the hot path and
 * nothing is ever `eval`ed; property reads are own-property only, so `__proto__`, `constructor`
 * and `prototype` are unreachable.
 */
import jsep from "jsep";

/** The values an expression can read: node results by alias, `input`, `trigger`, `each`, … */
export type Scope = Record<string, unknown>;

/** A path step: a static key, or an expression computed at run time (`a[b.c]`). */
export type PathKey = string | number | ExprNode;

/** The compiled form of an expression; JSON-serialisable so a Plan can be cached anywhere. */
export type ExprNode =
  | { t: "lit"; v: unknown }
  | { t: "get"; root: string; keys: PathKey[] }
  | { t: "at"; base: ExprNode; keys: PathKey[] }
  | { t: "bin"; op: string; a: ExprNode; b: ExprNode }
  | { t: "un"; op: string; a: ExprNode }
  | { t: "cond"; c: ExprNode; a: ExprNode; b: ExprNode }
  | { t: "arr"; items: ExprNode[] }
  | { t: "pipe"; body: ExprNode; filters: Array<{ name: string; arg?: ExprNode }> };

/** A bad expression; `index` is the 0-based offset inside the expression text. */
export class ExprError extends Error {
  constructor(
    message: string,
    readonly index: number,
    readonly code = "INVALID_EXPRESSION",
  ) {
    super(message);
    this.name = "ExprError";
  }
}

/** Keys that would reach the prototype chain; never readable, whatever the object. */
export const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);
const BINARY_OPS = new Set(["+", "-", "*", "/", "%", "==", "!=", "===", "!==", "<", ">", "<=", ">=", "&&", "||", "??"]);
const UNARY_OPS = new Set(["!", "-", "+"]);

/** Filters usable after `|`; the boolean says whether the filter takes an argument (`default: x`). */
export const FILTERS: Record<string, { arg: "none" | "required" | "optional" }> = {
  default: { arg: "required" },
  json: { arg: "none" },
  length: { arg: "none" },
  upper: { arg: "none" },
  lower: { arg: "none" },
  urlencode: { arg: "none" },
  trim: { arg: "none" },
  first: { arg: "none" },
  last: { arg: "none" },
  join: { arg: "optional" },
  number: { arg: "none" },
  string: { arg: "none" },
  keys: { arg: "none" },
};

// jsep's defaults include bitwise and shift operators we do not evaluate; removing them makes a
// stray `|` or `&` a clear parse error instead of a silent wrong answer.
for (const op of ["|", "^", "&", "<<", ">>", ">>>"]) jsep.removeBinaryOp(op);
jsep.removeUnaryOp("~");

/**
 * Parses an expression (the text between `{{` and `}}`).
 *
 * @example
 * const node = parseExpression('check.data.total > 100');
 * const node2 = parseExpression('input.name | default: "anon" | upper');
 */
export function parseExpression(source: string): ExprNode {
  const segments = splitFilters(source);
  const first = segments[0]!;
  if (first.text.trim() === "") throw new ExprError("Empty expression", first.start);
  const body = convert(parseJsep(first.text, first.start), first.start);
  if (segments.length === 1) return body;
  const filters: Array<{ name: string; arg?: ExprNode }> = [];
  for (const seg of segments.slice(1)) {
    const m = /^(\s*)([A-Za-z_][A-Za-z0-9_]*)\s*(?::([\s\S]*))?$/.exec(seg.text);
    if (!m) throw new ExprError(`Bad filter "${seg.text.trim()}": expected "| name" or "| name: argument"`, seg.start);
    const name = m[2]!;
    const spec = FILTERS[name];
    const at = seg.start + m[1]!.length;
    if (!spec) {
      throw new ExprError(
        `Unknown filter "${name}"; known filters: ${Object.keys(FILTERS).join(", ")}`,
        at,
        "UNKNOWN_FILTER",
      );
    }
    const argText = m[3];
    if (argText === undefined || argText.trim() === "") {
      if (spec.arg === "required") throw new ExprError(`Filter "${name}" needs an argument: "| ${name}: value"`, at);
      filters.push({ name });
      continue;
    }
    if (spec.arg === "none") throw new ExprError(`Filter "${name}" takes no argument`, at);
    const argStart = seg.start + seg.text.indexOf(":", m[1]!.length + name.length) + 1;
    filters.push({ name, arg: convert(parseJsep(argText, argStart), argStart) });
  }
  return { t: "pipe", body, filters };
}

function parseJsep(text: string, offset: number): jsep.Expression {
  try {
    return jsep(text);
  } catch (err) {
    if (err instanceof RangeError) throw new ExprError("The expression is nested too deeply", offset);
    const e = err as { description?: string; message?: string; index?: number };
    throw new ExprError(e.description ?? e.message ?? "Cannot parse expression", offset + (e.index ?? 0));
  }
}

/** Splits on top-level `|` (not `||`, not inside quotes or brackets), keeping offsets. */
function splitFilters(source: string): Array<{ text: string; start: number }> {
  const out: Array<{ text: string; start: number }> = [];
  let depth = 0;
  let quote = "";
  let start = 0;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = "";
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "(" || ch === "[") depth++;
    else if (ch === ")" || ch === "]") depth--;
    else if (ch === "|" && depth === 0) {
      if (source[i + 1] === "|") {
        i++;
        continue;
      }
      out.push({ text: source.slice(start, i), start });
      start = i + 1;
    }
  }
  out.push({ text: source.slice(start), start });
  return out;
}

/** `fromJsep` with stack exhaustion (absurd nesting) reported as a bad expression. */
function convert(n: jsep.Expression, offset: number): ExprNode {
  try {
    return fromJsep(n, offset);
  } catch (err) {
    if (err instanceof RangeError) throw new ExprError("The expression is nested too deeply", offset);
    throw err;
  }
}

function fromJsep(n: jsep.Expression, offset: number): ExprNode {
  switch (n.type) {
    case "Literal": {
      const v = (n as jsep.Literal).value;
      if (v instanceof RegExp) throw new ExprError("Regular expressions are not supported", offset);
      return { t: "lit", v };
    }
    case "Identifier": {
      const name = (n as jsep.Identifier).name;
      if (name === "undefined") return { t: "lit", v: undefined };
      if (FORBIDDEN_KEYS.has(name)) throw new ExprError(`"${name}" is not readable`, offset);
      return { t: "get", root: name, keys: [] };
    }
    case "MemberExpression": {
      const m = n as jsep.MemberExpression;
      const base = fromJsep(m.object, offset);
      let key: PathKey;
      if (!m.computed) key = (m.property as jsep.Identifier).name;
      else {
        const p = fromJsep(m.property, offset);
        key = p.t === "lit" && (typeof p.v === "string" || typeof p.v === "number") ? p.v : p;
      }
      if (typeof key === "string" && FORBIDDEN_KEYS.has(key)) {
        throw new ExprError(`"${key}" is not readable (only a value's own fields are)`, offset);
      }
      if (base.t === "get" || base.t === "at") return { ...base, keys: [...base.keys, key] };
      return { t: "at", base, keys: [key] };
    }
    case "BinaryExpression": {
      const b = n as jsep.BinaryExpression;
      if (!BINARY_OPS.has(b.operator)) throw new ExprError(`Operator "${b.operator}" is not supported`, offset);
      return { t: "bin", op: b.operator, a: fromJsep(b.left, offset), b: fromJsep(b.right, offset) };
    }
    case "UnaryExpression": {
      const u = n as jsep.UnaryExpression;
      if (!UNARY_OPS.has(u.operator)) throw new ExprError(`Operator "${u.operator}" is not supported`, offset);
      return { t: "un", op: u.operator, a: fromJsep(u.argument, offset) };
    }
    case "ConditionalExpression": {
      const c = n as jsep.ConditionalExpression;
      return {
        t: "cond",
        c: fromJsep(c.test, offset),
        a: fromJsep(c.consequent, offset),
        b: fromJsep(c.alternate, offset),
      };
    }
    case "ArrayExpression":
      return {
        t: "arr",
        items: (n as jsep.ArrayExpression).elements.map((e) => (e ? fromJsep(e, offset) : { t: "lit", v: null })),
      };
    case "CallExpression":
      throw new ExprError("Function calls are not supported; use a filter such as `| upper`", offset);
    case "Compound":
      throw new ExprError("Unexpected text after the expression (one expression per template)", offset);
    default:
      throw new ExprError(`Unsupported syntax (${n.type})`, offset);
  }
}

/** Visits every path of an expression (for reference checks and rewrites at compile time). */
export function visitPaths(node: ExprNode, fn: (p: Extract<ExprNode, { t: "get" }>) => void): void {
  switch (node.t) {
    case "get":
      fn(node);
      for (const k of node.keys) if (typeof k === "object") visitPaths(k, fn);
      return;
    case "at":
      visitPaths(node.base, fn);
      for (const k of node.keys) if (typeof k === "object") visitPaths(k, fn);
      return;
    case "bin":
      visitPaths(node.a, fn);
      visitPaths(node.b, fn);
      return;
    case "un":
      visitPaths(node.a, fn);
      return;
    case "cond":
      visitPaths(node.c, fn);
      visitPaths(node.a, fn);
      visitPaths(node.b, fn);
      return;
    case "arr":
      for (const i of node.items) visitPaths(i, fn);
      return;
    case "pipe":
      visitPaths(node.body, fn);
      for (const f of node.filters) if (f.arg) visitPaths(f.arg, fn);
      return;
    case "lit":
      return;
  }
}
