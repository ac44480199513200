// number_ops: arithmetic chosen by `op`; the answer is `result`. Numeric strings are accepted, anything
// else is a clear error, and results that JSON cannot carry (Infinity, NaN) are refused.
import { fail, JSON, readInput, writeOutput } from "../../sdk/assemblyscript";
import { isNull, needField, numText, optInt, optString, textOf, toF64, typeOf } from "../../sdk/assemblyscript/value";

const OPS = "add, sub, mul, div, mod, pow, round, floor, ceil, abs, min, max, sum, avg, parse";

/** Parses a decimal number (optional sign, fraction, exponent); NaN when it is not one. */
function parseDecimal(text: string): f64 {
  const s = text.trim();
  let i = 0;
  if (i < s.length && (s.charCodeAt(i) == 43 || s.charCodeAt(i) == 45)) i++;
  let digits = 0;
  while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) {
    i++;
    digits++;
  }
  if (i < s.length && s.charCodeAt(i) == 46) {
    i++;
    while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) {
      i++;
      digits++;
    }
  }
  if (digits == 0) return NaN;
  if (i < s.length && (s.charCodeAt(i) | 32) == 101) {
    i++;
    if (i < s.length && (s.charCodeAt(i) == 43 || s.charCodeAt(i) == 45)) i++;
    let exp = 0;
    while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) {
      i++;
      exp++;
    }
    if (exp == 0) return NaN;
  }
  if (i != s.length) return NaN;
  return parseFloat(s);
}

/** A number from a number or a numeric string; `where` names the field in the error. */
function numberAt(v: JSON.Value | null, where: string): f64 {
  const t = typeOf(v);
  if (t == "number") return toF64(v);
  if (t == "string") {
    const x = parseDecimal(v!.get<string>());
    if (!Number.isNaN(x)) return x;
    fail("INVALID_NUMBER", "field '" + where + "' is not a number: \"" + v!.get<string>() + '"');
  }
  if (t == "null") fail("MISSING_FIELD", "field '" + where + "' is required");
  fail("INVALID_NUMBER", "field '" + where + "' must be a number, got " + t);
  return 0;
}

function field(input: JSON.Obj, key: string): f64 {
  return numberAt(input.get(key), key);
}

/** The operands of min/max/sum/avg: `values`, else `a` and `b`. */
function operands(input: JSON.Obj): f64[] {
  const out: f64[] = [];
  const v = input.get("values");
  if (!isNull(v)) {
    if (typeOf(v) != "array") fail("INVALID_FIELD", "field 'values' must be a list of numbers, got " + typeOf(v));
    const arr = v!.get<JSON.Arr>();
    for (let i = 0; i < arr.length; i++) out.push(numberAt(arr.at(i), "values[" + i.toString() + "]"));
    return out;
  }
  if (!input.has("a")) fail("MISSING_FIELD", "field 'values' (a list) or 'a' and 'b' is required");
  out.push(field(input, "a"));
  if (input.has("b")) out.push(field(input, "b"));
  return out;
}

/** Rounds half away from zero at `decimals` places, nudged so 1.005 → 1.01 as written. */
function roundTo(x: f64, decimals: i32, mode: string): f64 {
  const p = 10 ** <f64>decimals;
  // One ulp-scale nudge absorbs binary representation error (1.005 is stored as 1.00499999…).
  const n = mode == "round" ? x * p * (1 + 2.220446049250313e-16) : x * p;
  let r: f64;
  if (mode == "floor") r = Math.floor(n);
  else if (mode == "ceil") r = Math.ceil(n);
  else r = x < 0 ? -Math.floor(-n + 0.5) : Math.floor(n + 0.5);
  return r / p;
}

function main(): void {
  const input = readInput<JSON.Obj>();
  if (isNull(input.get("op"))) fail("MISSING_FIELD", "field 'op' is required (one of: " + OPS + ")");
  const op = optString(input, "op", "");
  let r: f64 = 0;
  if (op == "add") r = field(input, "a") + field(input, "b");
  else if (op == "sub") r = field(input, "a") - field(input, "b");
  else if (op == "mul") r = field(input, "a") * field(input, "b");
  else if (op == "div" || op == "mod") {
    const a = field(input, "a");
    const b = field(input, "b");
    if (b == 0)
      fail("DIVISION_BY_ZERO", "field 'b' is zero: " + numText(a) + (op == "div" ? " / 0" : " % 0") + " has no value");
    r = op == "div" ? a / b : a % b;
  } else if (op == "pow") r = field(input, "a") ** field(input, "b");
  else if (op == "round" || op == "floor" || op == "ceil") {
    r = roundTo(field(input, "value"), optInt(input, "decimals", 0, 0, 15), op);
  } else if (op == "abs") r = Math.abs(field(input, "value"));
  else if (op == "min" || op == "max" || op == "sum" || op == "avg") {
    const xs = operands(input);
    if (xs.length == 0 && op != "sum")
      fail("INVALID_FIELD", "field 'values' is empty: " + op + " needs at least one number");
    r = op == "min" ? Infinity : op == "max" ? -Infinity : 0;
    for (let i = 0; i < xs.length; i++) {
      if (op == "min") r = Math.min(r, xs[i]);
      else if (op == "max") r = Math.max(r, xs[i]);
      else r += xs[i];
    }
    if (op == "avg") r = r / <f64>xs.length;
  } else if (op == "parse") {
    const v = needField(input, "value");
    const x = typeOf(v) == "number" ? toF64(v) : parseDecimal(textOf(v));
    if (Number.isNaN(x)) fail("INVALID_NUMBER", "field 'value' is not a number: \"" + textOf(v) + '"');
    r = x;
  } else fail("UNKNOWN_OP", "field 'op': unknown operation '" + op + "' (one of: " + OPS + ")");
  if (!Number.isFinite(r)) fail("NUMBER_OUT_OF_RANGE", op + " gives " + numText(r) + ", which JSON cannot carry");
  const out = new JSON.Obj();
  out.set<f64>("result", r == 0 ? 0 : r); // no "-0" in JSON
  writeOutput<JSON.Obj>(out);
}

main();
