/**
 * Declarative conditions shared by `if_control`, `filter` and `switch`:
 *
 *   { "field": "user.age", "op": "gte", "value": 18 }
 *   { "and": [cond, …] }   { "or": [cond, …] }   { "not": cond }
 *   [cond, …]              (a list means "all of them")
 *
 * `field` is a dotted path into the subject (absent or "" = the subject itself). Comparisons follow
 * JavaScript loosely where workflows need it: a number and a numeric string compare by value, because
 * webhook query strings and form fields arrive as text. Every malformed condition fails the node with
 * INVALID_CONDITION naming where it is (`condition.and[1].op`).
 *
 * @example
 * const ok = evalCondition(parsedCondition, subject, "condition");
 */
import { JSON } from "json-as";
import { fail } from "./index";
import {
  compareValues,
  deepEqual,
  getPathParts,
  isNull,
  isNumber,
  splitPath,
  textOf,
  toF64,
  truthy,
  typeOf,
} from "./value";

/** The operators, with their aliases, as shown in error messages. */
export const CONDITION_OPS =
  "eq (==), ne (!=), gt (>), gte (>=), lt (<), lte (<=), contains, not_contains, starts_with, ends_with, in, not_in, exists, not_exists, empty, not_empty, truthy, falsy";

function bad(where: string, msg: string): void {
  fail("INVALID_CONDITION", where + ": " + msg);
}

/** A number from a number or a numeric string; NaN otherwise. */
function numeric(v: JSON.Value | null): f64 {
  if (isNumber(v)) return toF64(v);
  if (typeOf(v) == "string") {
    const s = v!.get<string>().trim();
    if (s.length == 0) return NaN;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      // digits, sign, point, exponent
      if (!((c >= 48 && c <= 57) || c == 45 || c == 43 || c == 46 || c == 101 || c == 69)) return NaN;
    }
    return parseFloat(s);
  }
  return NaN;
}

/** Equality with number ↔ numeric-string coercion; otherwise structural. */
export function looseEqual(a: JSON.Value | null, b: JSON.Value | null): bool {
  const ta = typeOf(a);
  const tb = typeOf(b);
  if (ta != tb && (ta == "number" || tb == "number")) {
    const x = numeric(a);
    const y = numeric(b);
    return !Number.isNaN(x) && x == y;
  }
  return deepEqual(a, b);
}

/** -2 when the two cannot be ordered (then every ordering operator is false). */
function order(a: JSON.Value | null, b: JSON.Value | null): i32 {
  const ta = typeOf(a);
  const tb = typeOf(b);
  if (ta == "number" || tb == "number") {
    const x = numeric(a);
    const y = numeric(b);
    if (Number.isNaN(x) || Number.isNaN(y)) return -2;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (ta == "string" && tb == "string") return compareValues(a, b);
  return -2;
}

function isEmpty(v: JSON.Value | null): bool {
  const t = typeOf(v);
  if (t == "null") return true;
  if (t == "string") return v!.get<string>().length == 0;
  if (t == "array") return v!.get<JSON.Arr>().length == 0;
  if (t == "object") return v!.get<JSON.Obj>().keys().length == 0;
  return false;
}

function contains(hay: JSON.Value | null, needle: JSON.Value | null): bool {
  const t = typeOf(hay);
  if (t == "string") return hay!.get<string>().includes(textOf(needle));
  if (t == "array") {
    const arr = hay!.get<JSON.Arr>();
    for (let i = 0; i < arr.length; i++) if (looseEqual(arr.at(i), needle)) return true;
    return false;
  }
  if (t == "object") return hay!.get<JSON.Obj>().has(textOf(needle));
  return false;
}

/** The canonical operator name, or "" when unknown. */
function canonical(op: string): string {
  if (op == "eq" || op == "==" || op == "===" || op == "equals" || op == "is") return "eq";
  if (op == "ne" || op == "!=" || op == "!==" || op == "not_equals" || op == "is_not") return "ne";
  if (op == "gt" || op == ">") return "gt";
  if (op == "gte" || op == ">=") return "gte";
  if (op == "lt" || op == "<") return "lt";
  if (op == "lte" || op == "<=") return "lte";
  if (
    op == "contains" ||
    op == "not_contains" ||
    op == "starts_with" ||
    op == "ends_with" ||
    op == "in" ||
    op == "not_in" ||
    op == "exists" ||
    op == "not_exists" ||
    op == "empty" ||
    op == "not_empty" ||
    op == "truthy" ||
    op == "falsy"
  )
    return op;
  return "";
}

function needsValue(op: string): bool {
  return !(
    op == "exists" ||
    op == "not_exists" ||
    op == "empty" ||
    op == "not_empty" ||
    op == "truthy" ||
    op == "falsy"
  );
}

const K_LEAF = 0;
const K_AND = 1;
const K_OR = 2;
const K_NOT = 3;
const K_CONST = 4;

/** A condition checked and prepared once (operator resolved, path split), then evaluated per subject. */
export class Condition {
  kind: i32 = K_LEAF;
  op: string = "";
  path: string[] = [];
  value: JSON.Value | null = null;
  constant: bool = false;
  kids: Condition[] = [];
}

/**
 * Checks `cond` and prepares it; fails the node with INVALID_CONDITION naming the place (`where`).
 * @example const c = compileCondition(input.get("condition"), "condition"); testCondition(c, item)
 */
export function compileCondition(cond: JSON.Value | null, where: string): Condition {
  const c = new Condition();
  const t = typeOf(cond);
  if (t == "boolean") {
    c.kind = K_CONST;
    c.constant = cond!.get<bool>();
    return c;
  }
  if (t == "array") {
    c.kind = K_AND;
    const all = cond!.get<JSON.Arr>();
    for (let i = 0; i < all.length; i++) c.kids.push(compileCondition(all.at(i), where + "[" + i.toString() + "]"));
    return c;
  }
  if (t != "object") {
    bad(where, "must be an object like { field, op, value }, a list of them, or a boolean; got " + t);
    return c;
  }
  const obj = cond!.get<JSON.Obj>();
  if (obj.has("and") || obj.has("or")) {
    const isAnd = obj.has("and");
    const key = isAnd ? "and" : "or";
    const list = obj.get(key);
    if (typeOf(list) != "array") bad(where + "." + key, "must be a list of conditions");
    c.kind = isAnd ? K_AND : K_OR;
    const arr = list!.get<JSON.Arr>();
    for (let i = 0; i < arr.length; i++) {
      c.kids.push(compileCondition(arr.at(i), where + "." + key + "[" + i.toString() + "]"));
    }
    return c;
  }
  if (obj.has("not")) {
    c.kind = K_NOT;
    c.kids.push(compileCondition(obj.get("not"), where + ".not"));
    return c;
  }
  const opVal = obj.get("op");
  if (typeOf(opVal) != "string") {
    bad(where + ".op", "is required: one of " + CONDITION_OPS);
    return c;
  }
  c.op = canonical(opVal!.get<string>());
  if (c.op.length == 0)
    bad(where + ".op", "unknown operator '" + opVal!.get<string>() + "' (one of " + CONDITION_OPS + ")");
  const fieldVal = obj.get("field");
  if (!isNull(fieldVal)) {
    if (typeOf(fieldVal) != "string") bad(where + ".field", "must be a dotted path string");
    c.path = splitPath(fieldVal!.get<string>());
  }
  if (needsValue(c.op) && !obj.has("value")) bad(where + ".value", "is required for op '" + c.op + "'");
  c.value = obj.get("value");
  if ((c.op == "in" || c.op == "not_in") && typeOf(c.value) != "array") {
    bad(where + ".value", "must be a list for op '" + c.op + "'");
  }
  return c;
}

/**
 * A list of conditions combined with `and` (all must hold) or `or` (any), e.g. filter's `conditions` + `logic`.
 * @example compileConditionList(input.getAs<JSON.Arr>("conditions"), "conditions", true)
 */
export function compileConditionList(list: JSON.Arr, where: string, any: bool): Condition {
  const c = new Condition();
  c.kind = any ? K_OR : K_AND;
  for (let i = 0; i < list.length; i++) c.kids.push(compileCondition(list.at(i), where + "[" + i.toString() + "]"));
  return c;
}

/**
 * Evaluates a prepared condition against `subject`.
 * @example for (let i = 0; i < items.length; i++) if (testCondition(c, items.at(i))) kept.push<JSON.Value>(items.at(i));
 */
export function testCondition(c: Condition, subject: JSON.Value | null): bool {
  if (c.kind == K_CONST) return c.constant;
  if (c.kind == K_AND) {
    for (let i = 0; i < c.kids.length; i++) if (!testCondition(c.kids[i], subject)) return false;
    return true;
  }
  if (c.kind == K_OR) {
    for (let i = 0; i < c.kids.length; i++) if (testCondition(c.kids[i], subject)) return true;
    return false;
  }
  if (c.kind == K_NOT) return !testCondition(c.kids[0], subject);
  const op = c.op;
  const left = getPathParts(subject, c.path);
  const right = c.value;
  if (op == "exists") return !isNull(left);
  if (op == "not_exists") return isNull(left);
  if (op == "empty") return isEmpty(left);
  if (op == "not_empty") return !isEmpty(left);
  if (op == "truthy") return truthy(left);
  if (op == "falsy") return !truthy(left);
  if (op == "eq") return looseEqual(left, right);
  if (op == "ne") return !looseEqual(left, right);
  if (op == "gt" || op == "gte" || op == "lt" || op == "lte") {
    const o = order(left, right);
    if (o == -2) return false;
    if (op == "gt") return o > 0;
    if (op == "gte") return o >= 0;
    if (op == "lt") return o < 0;
    return o <= 0;
  }
  if (op == "contains") return contains(left, right);
  if (op == "not_contains") return !contains(left, right);
  if (op == "starts_with" || op == "ends_with") {
    if (typeOf(left) != "string") return false;
    const s = left!.get<string>();
    const p = textOf(right);
    return op == "starts_with" ? s.startsWith(p) : s.endsWith(p);
  }
  // in / not_in
  const found = contains(right, left);
  return op == "in" ? found : !found;
}

/**
 * Checks and evaluates `cond` against `subject` in one go; `where` names the condition in error messages.
 * @example evalCondition(JSON.parse<JSON.Value>('{"field":"n","op":">","value":1}'), item, "condition")
 */
export function evalCondition(cond: JSON.Value | null, subject: JSON.Value | null, where: string): bool {
  return testCondition(compileCondition(cond, where), subject);
}
