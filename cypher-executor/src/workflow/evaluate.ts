/**
 * Evaluation of compiled expressions: each `ExprNode` tree becomes a closure once (cached per
 * `CompiledExpr`), so evaluating is a few function calls and own-property reads.
 */
import { type ExprNode, FORBIDDEN_KEYS, type PathKey, type Scope } from "./expr";
import type { CompiledExpr } from "./plan";

type Fn = (s: Scope) => unknown;
const hasOwn = Object.prototype.hasOwnProperty;
const closures = new WeakMap<CompiledExpr, Fn>();

/** Own-property read; anything else (missing, primitive, prototype) is `undefined`. */
function getOwn(obj: unknown, key: unknown): unknown {
  if (obj === null || obj === undefined) return undefined;
  const k = typeof key === "number" ? key : String(key);
  if (typeof k === "string" && FORBIDDEN_KEYS.has(k)) return undefined;
  const type = typeof obj;
  if (type !== "object" && type !== "string") return undefined;
  return hasOwn.call(obj, k) ? (obj as Record<string | number, unknown>)[k] : undefined;
}

function buildPath(base: Fn, keys: PathKey[]): Fn {
  if (keys.length === 0) return base;
  const steps = keys.map((k) => (typeof k === "object" ? build(k) : k));
  if (steps.every((k) => typeof k !== "function")) {
    const fixed = steps as Array<string | number>;
    if (fixed.length === 1) {
      const k0 = fixed[0]!;
      return (s) => getOwn(base(s), k0);
    }
    return (s) => {
      let v = base(s);
      for (let i = 0; i < fixed.length && v !== undefined; i++) v = getOwn(v, fixed[i]);
      return v;
    };
  }
  return (s) => {
    let v = base(s);
    for (const k of steps) {
      if (v === undefined) return undefined;
      v = getOwn(v, typeof k === "function" ? k(s) : k);
    }
    return v;
  };
}

function build(n: ExprNode): Fn {
  switch (n.t) {
    case "lit": {
      const v = n.v;
      return () => v;
    }
    case "get": {
      const root = n.root;
      return buildPath((s) => (hasOwn.call(s, root) ? s[root] : undefined), n.keys);
    }
    case "at":
      return buildPath(build(n.base), n.keys);
    case "un": {
      const a = build(n.a);
      if (n.op === "!") return (s) => !isTruthy(a(s));
      if (n.op === "-") return (s) => -Number(a(s));
      return (s) => Number(a(s));
    }
    case "cond": {
      const c = build(n.c);
      const a = build(n.a);
      const b = build(n.b);
      return (s) => (isTruthy(c(s)) ? a(s) : b(s));
    }
    case "arr": {
      const items = n.items.map(build);
      return (s) => items.map((f) => f(s));
    }
    case "bin":
      return buildBinary(n.op, build(n.a), build(n.b));
    case "pipe": {
      let f = build(n.body);
      for (const filter of n.filters) f = buildFilter(filter.name, f, filter.arg ? build(filter.arg) : undefined);
      return f;
    }
  }
}

function buildBinary(op: string, a: Fn, b: Fn): Fn {
  switch (op) {
    case "&&":
      return (s) => {
        const x = a(s);
        return isTruthy(x) ? b(s) : x;
      };
    case "||":
      return (s) => {
        const x = a(s);
        return isTruthy(x) ? x : b(s);
      };
    case "??":
      return (s) => a(s) ?? b(s);
    case "+":
      return (s) => {
        const x = a(s);
        const y = b(s);
        if (typeof x === "number" && typeof y === "number") return x + y;
        return toText(x) + toText(y);
      };
    case "-":
      return (s) => Number(a(s)) - Number(b(s));
    case "*":
      return (s) => Number(a(s)) * Number(b(s));
    case "/":
      return (s) => Number(a(s)) / Number(b(s));
    case "%":
      return (s) => Number(a(s)) % Number(b(s));
    case "==":
      return (s) => looseEquals(a(s), b(s));
    case "!=":
      return (s) => !looseEquals(a(s), b(s));
    case "===":
      return (s) => a(s) === b(s);
    case "!==":
      return (s) => a(s) !== b(s);
    case "<":
      return (s) => compare(a(s), b(s), (x, y) => x < y);
    case ">":
      return (s) => compare(a(s), b(s), (x, y) => x > y);
    case "<=":
      return (s) => compare(a(s), b(s), (x, y) => x <= y);
    default:
      return (s) => compare(a(s), b(s), (x, y) => x >= y);
  }
}

/** `==` compares scalars loosely (`"100" == 100`, `null == undefined`) but never coerces objects. */
function looseEquals(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (x === null || x === undefined || y === null || y === undefined) return x == null && y == null;
  if (typeof x === "object" || typeof y === "object") return false;
  return String(x) === String(y) || (isNumeric(x) && isNumeric(y) && Number(x) === Number(y));
}

function isNumeric(v: unknown): boolean {
  return typeof v === "number" || (typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v)));
}

/** Numbers compare numerically (numeric strings included); strings lexically; anything else is false. */
function compare(x: unknown, y: unknown, op: (x: number | string, y: number | string) => boolean): boolean {
  if (typeof x === "string" && typeof y === "string") return op(x, y);
  if (isNumeric(x) && isNumeric(y)) return op(Number(x), Number(y));
  return false;
}

function buildFilter(name: string, f: Fn, arg?: Fn): Fn {
  switch (name) {
    case "default":
      return (s) => {
        const v = f(s);
        return v === undefined || v === null || v === "" ? arg!(s) : v;
      };
    case "json":
      return (s) => JSON.stringify(f(s) ?? null);
    case "length":
      return (s) => {
        const v = f(s);
        if (typeof v === "string" || Array.isArray(v)) return v.length;
        if (v && typeof v === "object") return Object.keys(v).length;
        return 0;
      };
    case "upper":
      return (s) => toText(f(s)).toUpperCase();
    case "lower":
      return (s) => toText(f(s)).toLowerCase();
    case "urlencode":
      return (s) => encodeURIComponent(toText(f(s)));
    case "trim":
      return (s) => toText(f(s)).trim();
    case "first":
      return (s) => {
        const v = f(s);
        return Array.isArray(v) || typeof v === "string" ? v[0] : undefined;
      };
    case "last":
      return (s) => {
        const v = f(s);
        return Array.isArray(v) || typeof v === "string" ? v[v.length - 1] : undefined;
      };
    case "join":
      return (s) => {
        const v = f(s);
        const sep = arg ? toText(arg(s)) : ",";
        return Array.isArray(v) ? v.map(toText).join(sep) : toText(v);
      };
    case "number":
      return (s) => {
        const n = Number(f(s));
        return Number.isNaN(n) ? null : n;
      };
    case "string":
      return (s) => toText(f(s));
    default:
      return (s) => {
        const v = f(s);
        return v && typeof v === "object" && !Array.isArray(v) ? Object.keys(v) : [];
      };
  }
}

/** How a value reads inside text: strings as-is, missing as empty, objects and arrays as JSON. */
export function toText(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === undefined || v === null) return "";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/**
 * The truthiness used by `IF`, `&&`, `||`, `!` and `? :`: JavaScript's, except that an empty
 * array is false (so `IF {{ search.data.hits }}` means "has hits").
 *
 * @example
 * isTruthy([]) // false
 * isTruthy("0") // true
 */
export function isTruthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  return Boolean(v);
}

/**
 * Evaluates a compiled expression against a scope. Never throws on missing data: a missing path is
 * `undefined`.
 *
 * @example
 * evaluate(edge.condition!, { check: { success: true, data: { total: 120 }, error: null } }) // true
 */
export function evaluate(expr: CompiledExpr, scope: Scope): unknown {
  let fn = closures.get(expr);
  if (!fn) {
    fn = build(expr.ast as ExprNode);
    closures.set(expr, fn);
  }
  return fn(scope);
}
