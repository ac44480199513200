/**
 * Dynamic JSON helpers over json-as values, with JavaScript's meaning (types, truthiness, equality,
 * ordering, number text), plus typed field readers that fail the node with a clear error.
 *
 * @example
 * import { JSON, readInput } from "../../sdk/assemblyscript";
 * import { needString, getPath, truthy } from "../../sdk/assemblyscript/value";
 * const input = readInput<JSON.Obj>();
 * const op = needString(input, "op");
 */
import { JSON } from "json-as";
import { fail } from "./index";

/** JSON type name: "null" | "boolean" | "number" | "string" | "array" | "object". */
export function typeOf(v: JSON.Value | null): string {
  if (v === null) return "null";
  const t = v.type;
  if (t == JSON.Types.Null) return "null";
  if (t == JSON.Types.Bool) return "boolean";
  if (t >= JSON.Types.U8 && t <= JSON.Types.F64) return "number";
  if (t == JSON.Types.String) return "string";
  if (t == JSON.Types.Array) return "array";
  return "object";
}

/** True for any numeric tag (json-as parses numbers as f64; built values may be ints). */
export function isNumber(v: JSON.Value | null): bool {
  return v !== null && v.type >= JSON.Types.U8 && v.type <= JSON.Types.F64;
}

export function isString(v: JSON.Value | null): bool {
  return v !== null && v.type == JSON.Types.String;
}

export function isArray(v: JSON.Value | null): bool {
  return v !== null && v.type == JSON.Types.Array;
}

export function isObject(v: JSON.Value | null): bool {
  return v !== null && v.type == JSON.Types.Object;
}

export function isNull(v: JSON.Value | null): bool {
  return v === null || v.type == JSON.Types.Null;
}

/** The number held by a numeric value (any tag); NaN for non-numbers. */
export function toF64(v: JSON.Value | null): f64 {
  if (v === null) return NaN;
  switch (v.type) {
    case JSON.Types.F64:
      return v.get<f64>();
    case JSON.Types.F32:
      return <f64>v.get<f32>();
    case JSON.Types.I32:
      return <f64>v.get<i32>();
    case JSON.Types.I64:
      return <f64>v.get<i64>();
    case JSON.Types.U32:
      return <f64>v.get<u32>();
    case JSON.Types.U64:
      return <f64>v.get<u64>();
    case JSON.Types.I8:
      return <f64>v.get<i8>();
    case JSON.Types.I16:
      return <f64>v.get<i16>();
    case JSON.Types.U8:
      return <f64>v.get<u8>();
    case JSON.Types.U16:
      return <f64>v.get<u16>();
  }
  return NaN;
}

/**
 * A number as JavaScript prints it: integers without ".0".
 * @example numText(3.0) // "3"
 */
export function numText(x: f64): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  if (x == Math.trunc(x) && Math.abs(x) < 1e21) {
    if (x == 0) return "0";
    return (<i64>x).toString();
  }
  return x.toString();
}

/** A value as text: strings as-is, numbers as JavaScript prints them, other values as JSON. */
export function textOf(v: JSON.Value | null): string {
  if (v === null) return "null";
  if (v.type == JSON.Types.String) return v.get<string>();
  if (isNumber(v)) return numText(toF64(v));
  if (v.type == JSON.Types.Bool) return v.get<bool>() ? "true" : "false";
  if (v.type == JSON.Types.Null) return "null";
  return stringify(v);
}

/** Compact JSON text of any value. */
export function stringify(v: JSON.Value | null): string {
  if (v === null) return "null";
  return JSON.stringify<JSON.Value>(v);
}

/** JavaScript truthiness: false, 0, NaN, "", null are false; arrays and objects are true. */
export function truthy(v: JSON.Value | null): bool {
  if (v === null) return false;
  const t = v.type;
  if (t == JSON.Types.Null) return false;
  if (t == JSON.Types.Bool) return v.get<bool>();
  if (isNumber(v)) {
    const x = toF64(v);
    return x != 0 && !Number.isNaN(x);
  }
  if (t == JSON.Types.String) return v.get<string>().length > 0;
  return true;
}

/** Structural equality (numbers by value regardless of tag, objects regardless of key order). */
export function deepEqual(a: JSON.Value | null, b: JSON.Value | null): bool {
  const ta = typeOf(a);
  if (ta != typeOf(b)) return false;
  if (ta == "null") return true;
  const x = a!;
  const y = b!;
  if (ta == "number") return toF64(x) == toF64(y);
  if (ta == "boolean") return x.get<bool>() == y.get<bool>();
  if (ta == "string") return x.get<string>() == y.get<string>();
  if (ta == "array") {
    const p = x.get<JSON.Arr>();
    const q = y.get<JSON.Arr>();
    if (p.length != q.length) return false;
    for (let i = 0; i < p.length; i++) if (!deepEqual(p.at(i), q.at(i))) return false;
    return true;
  }
  const p = x.get<JSON.Obj>();
  const q = y.get<JSON.Obj>();
  const keys = p.keys();
  if (keys.length != q.keys().length) return false;
  for (let i = 0; i < keys.length; i++) {
    if (!q.has(keys[i])) return false;
    if (!deepEqual(p.get(keys[i]), q.get(keys[i]))) return false;
  }
  return true;
}

function typeRank(t: string): i32 {
  if (t == "null") return 0;
  if (t == "boolean") return 1;
  if (t == "number") return 2;
  if (t == "string") return 3;
  if (t == "array") return 4;
  return 5;
}

/**
 * A total order for sorting: null < booleans < numbers < strings < arrays < objects;
 * numbers numerically, strings by UTF-16 code units (like JavaScript's `<`), others by JSON text.
 * @example compareValues(JSON.Value.from<f64>(2), JSON.Value.from<f64>(10)) // -1
 */
export function compareValues(a: JSON.Value | null, b: JSON.Value | null): i32 {
  const ta = typeOf(a);
  const tb = typeOf(b);
  if (ta != tb) return typeRank(ta) < typeRank(tb) ? -1 : 1;
  if (ta == "null") return 0;
  if (ta == "number") {
    const x = toF64(a);
    const y = toF64(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (ta == "boolean") {
    const x = a!.get<bool>() ? 1 : 0;
    const y = b!.get<bool>() ? 1 : 0;
    return x - y;
  }
  const x = ta == "string" ? a!.get<string>() : stringify(a);
  const y = ta == "string" ? b!.get<string>() : stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The value at a dotted path: `user.name`, `items.0.id` or `items[0].id`; null when absent.
 * An empty path is the root itself.
 * @example getPath(root, "order.items[1].sku")
 */
export function getPath(root: JSON.Value | null, path: string): JSON.Value | null {
  if (path.length == 0) return root;
  return getPathParts(root, splitPath(path));
}

/**
 * A dotted path split once into its keys (`a[0].b` → a, 0, b), for reading it many times.
 * @example getPathParts(item, splitPath("user.name"))
 */
export function splitPath(path: string): string[] {
  const parts = path.replaceAll("[", ".").replaceAll("]", "").split(".");
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) if (parts[i].length > 0) out.push(parts[i]);
  return out;
}

/** The value at the keys of a split path; null when absent. */
export function getPathParts(root: JSON.Value | null, parts: string[]): JSON.Value | null {
  let cur = root;
  for (let i = 0; i < parts.length; i++) {
    const key = parts[i];
    if (cur === null) return null;
    if (cur.type == JSON.Types.Object) {
      cur = cur.get<JSON.Obj>().get(key);
    } else if (cur.type == JSON.Types.Array) {
      const idx = parseIndex(key);
      const arr = cur.get<JSON.Arr>();
      if (idx < 0 || idx >= arr.length) return null;
      cur = arr.at(idx);
    } else return null;
  }
  return cur;
}

/** A non-negative decimal index, or -1. */
export function parseIndex(s: string): i32 {
  if (s.length == 0 || s.length > 9) return -1;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    n = n * 10 + (c - 48);
  }
  return n;
}

/** JSON null as a value. */
export function nullValue(): JSON.Value {
  return JSON.Value.empty();
}

// ---- typed field readers: missing or mistyped fields fail the node with the field's name ----

function wrongType(key: string, want: string, got: JSON.Value | null): void {
  fail("INVALID_FIELD", "field '" + key + "' must be " + want + ", got " + typeOf(got));
}

/** The field's value, or fails with MISSING_FIELD. */
export function needField(obj: JSON.Obj, key: string): JSON.Value {
  const v = obj.get(key);
  if (v === null) fail("MISSING_FIELD", "field '" + key + "' is required");
  return v!;
}

/** A required string field. */
export function needString(obj: JSON.Obj, key: string): string {
  const v = needField(obj, key);
  if (v.type != JSON.Types.String) wrongType(key, "a string", v);
  return v.get<string>();
}

/** An optional string field (`def` when absent or null). */
export function optString(obj: JSON.Obj, key: string, def: string): string {
  const v = obj.get(key);
  if (isNull(v)) return def;
  if (v!.type != JSON.Types.String) wrongType(key, "a string", v);
  return v!.get<string>();
}

/** A required number field. */
export function needNumber(obj: JSON.Obj, key: string): f64 {
  const v = needField(obj, key);
  if (!isNumber(v)) wrongType(key, "a number", v);
  return toF64(v);
}

/** An optional number field (`def` when absent or null). */
export function optNumber(obj: JSON.Obj, key: string, def: f64): f64 {
  const v = obj.get(key);
  if (isNull(v)) return def;
  if (!isNumber(v)) wrongType(key, "a number", v);
  return toF64(v);
}

/** An optional integer field within [min, max]. */
export function optInt(obj: JSON.Obj, key: string, def: i32, min: i32, max: i32): i32 {
  const v = obj.get(key);
  if (isNull(v)) return def;
  const x = toF64(v);
  if (!isNumber(v) || x != Math.trunc(x) || x < <f64>min || x > <f64>max) {
    fail("INVALID_FIELD", "field '" + key + "' must be an integer from " + min.toString() + " to " + max.toString());
  }
  return <i32>x;
}

/** An optional boolean field. */
export function optBool(obj: JSON.Obj, key: string, def: bool): bool {
  const v = obj.get(key);
  if (isNull(v)) return def;
  if (v!.type != JSON.Types.Bool) wrongType(key, "a boolean", v);
  return v!.get<bool>();
}

/** A required array field. */
export function needArray(obj: JSON.Obj, key: string): JSON.Arr {
  const v = needField(obj, key);
  if (v.type != JSON.Types.Array) wrongType(key, "an array", v);
  return v.get<JSON.Arr>();
}

/** A required object field. */
export function needObject(obj: JSON.Obj, key: string): JSON.Obj {
  const v = needField(obj, key);
  if (v.type != JSON.Types.Object) wrongType(key, "an object", v);
  return v.get<JSON.Obj>();
}
