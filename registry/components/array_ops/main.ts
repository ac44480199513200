// array_ops: list operations chosen by `op`; the answer is `result` (pop also gives `removed`).
import { fail, JSON, readInput, writeOutput } from "../../sdk/assemblyscript";
import {
  compareValues,
  getPath,
  isNull,
  needArray,
  needField,
  nullValue,
  numText,
  optInt,
  optString,
  stringify,
  toF64,
  typeOf,
} from "../../sdk/assemblyscript/value";

const OPS = "push, pop, slice, concat, unique, sort, flatten, chunk, length, reverse, first, last, pluck";

/** Stable merge sort of indexes by their keys (AssemblyScript closures cannot capture, so no comparator). */
function sortedOrder(keys: Array<JSON.Value | null>, desc: bool): i32[] {
  let idx: i32[] = [];
  for (let i = 0; i < keys.length; i++) idx.push(i);
  let tmp = new Array<i32>(keys.length);
  for (let width = 1; width < idx.length; width *= 2) {
    for (let lo = 0; lo < idx.length; lo += 2 * width) {
      const mid = min(lo + width, idx.length);
      const hi = min(lo + 2 * width, idx.length);
      let i = lo,
        j = mid,
        k = lo;
      while (i < mid && j < hi) {
        let c = compareValues(keys[idx[j]], keys[idx[i]]);
        if (desc) c = -c;
        // Take from the right run only when strictly smaller: equal keys keep their order.
        if (c < 0) tmp[k++] = idx[j++];
        else tmp[k++] = idx[i++];
      }
      while (i < mid) tmp[k++] = idx[i++];
      while (j < hi) tmp[k++] = idx[j++];
    }
    const swap = idx;
    idx = tmp;
    tmp = swap;
  }
  return idx;
}

/** Index from the input, with negative values counting from the end (like Array.prototype.slice). */
function resolveIndex(input: JSON.Obj, key: string, def: i32, len: i32): i32 {
  let i = optInt(input, key, def, -2147483647, 2147483647);
  if (i < 0) i = max(0, len + i);
  return min(i, len);
}

function flattenInto(out: JSON.Arr, src: JSON.Arr, depth: i32): void {
  for (let i = 0; i < src.length; i++) {
    const v = src.at(i);
    if (depth > 0 && typeOf(v) == "array") flattenInto(out, v.get<JSON.Arr>(), depth - 1);
    else out.push<JSON.Value>(v);
  }
}

function keyOf(item: JSON.Value, key: string): JSON.Value | null {
  return key.length == 0 ? item : getPath(item, key);
}

function main(): void {
  const input = readInput<JSON.Obj>();
  if (isNull(input.get("op"))) fail("MISSING_FIELD", "field 'op' is required (one of: " + OPS + ")");
  const op = optString(input, "op", "");
  if (
    op != "push" &&
    op != "pop" &&
    op != "slice" &&
    op != "concat" &&
    op != "unique" &&
    op != "sort" &&
    op != "flatten" &&
    op != "chunk" &&
    op != "length" &&
    op != "reverse" &&
    op != "first" &&
    op != "last" &&
    op != "pluck"
  ) {
    fail("UNKNOWN_OP", "field 'op': unknown operation '" + op + "' (one of: " + OPS + ")");
  }
  const items = needArray(input, "items");
  const n = items.length;
  const out = new JSON.Obj();
  if (op == "length") out.set<i32>("result", n);
  else if (op == "first") out.set<JSON.Value>("result", n > 0 ? items.at(0) : nullValue());
  else if (op == "last") out.set<JSON.Value>("result", n > 0 ? items.at(n - 1) : nullValue());
  else if (op == "push") {
    const r = items.slice(0);
    if (input.has("values")) {
      const more = needArray(input, "values");
      for (let i = 0; i < more.length; i++) r.push<JSON.Value>(more.at(i));
    } else r.push<JSON.Value>(needField(input, "value"));
    out.set<JSON.Arr>("result", r);
  } else if (op == "pop") {
    out.set<JSON.Arr>("result", items.slice(0, max(0, n - 1)));
    out.set<JSON.Value>("removed", n > 0 ? items.at(n - 1) : nullValue());
  } else if (op == "slice") {
    const start = resolveIndex(input, "start", 0, n);
    const end = resolveIndex(input, "end", n, n);
    out.set<JSON.Arr>("result", start < end ? items.slice(start, end) : new JSON.Arr());
  } else if (op == "concat") {
    const r = items.slice(0);
    const other = needField(input, "with");
    if (typeOf(other) == "array") {
      const o = other.get<JSON.Arr>();
      for (let i = 0; i < o.length; i++) r.push<JSON.Value>(o.at(i));
    } else r.push<JSON.Value>(other);
    out.set<JSON.Arr>("result", r);
  } else if (op == "reverse") {
    const r = new JSON.Arr();
    for (let i = n - 1; i >= 0; i--) r.push<JSON.Value>(items.at(i));
    out.set<JSON.Arr>("result", r);
  } else if (op == "unique") {
    // Keeps the first of each: by `key` when given, else by the whole value.
    const key = optString(input, "key", "");
    const seen = new Set<string>();
    const r = new JSON.Arr();
    for (let i = 0; i < n; i++) {
      const item = items.at(i);
      const k = keyOf(item, key);
      const sig = canonical(k);
      if (seen.has(sig)) continue;
      seen.add(sig);
      r.push<JSON.Value>(item);
    }
    out.set<JSON.Arr>("result", r);
  } else if (op == "sort") {
    const key = optString(input, "key", "");
    const order = optString(input, "order", "asc");
    if (order != "asc" && order != "desc")
      fail("INVALID_FIELD", "field 'order' must be asc or desc, got '" + order + "'");
    const keys = new Array<JSON.Value | null>(n);
    for (let i = 0; i < n; i++) keys[i] = keyOf(items.at(i), key);
    const idx = sortedOrder(keys, order == "desc");
    const r = new JSON.Arr();
    for (let i = 0; i < n; i++) r.push<JSON.Value>(items.at(idx[i]));
    out.set<JSON.Arr>("result", r);
  } else if (op == "flatten") {
    const r = new JSON.Arr();
    flattenInto(r, items, optInt(input, "depth", 1, 0, 100));
    out.set<JSON.Arr>("result", r);
  } else if (op == "chunk") {
    const size = optInt(input, "size", 0, 1, 1000000);
    if (size == 0) fail("MISSING_FIELD", "chunk needs 'size' (a positive integer)");
    const r = new JSON.Arr();
    for (let i = 0; i < n; i += size) r.push<JSON.Arr>(items.slice(i, min(n, i + size)));
    out.set<JSON.Arr>("result", r);
  } else {
    // pluck
    const key = optString(input, "key", "");
    if (key.length == 0) fail("MISSING_FIELD", "pluck needs 'key' (a dotted path)");
    const r = new JSON.Arr();
    for (let i = 0; i < n; i++) {
      const v = getPath(items.at(i), key);
      r.push<JSON.Value>(v === null ? nullValue() : v);
    }
    out.set<JSON.Arr>("result", r);
  }
  writeOutput<JSON.Obj>(out);
}

/** Canonical text: numbers by value, object keys sorted, no source whitespace; equal values, equal text. */
function canonical(v: JSON.Value | null): string {
  const t = typeOf(v);
  if (t == "number") return numText(toF64(v));
  if (t == "array") {
    const a = v!.get<JSON.Arr>();
    let s = "[";
    for (let i = 0; i < a.length; i++) s += (i > 0 ? "," : "") + canonical(a.at(i));
    return s + "]";
  }
  if (t == "object") {
    const o = v!.get<JSON.Obj>();
    const keys = o.keys().sort();
    let s = "{";
    for (let i = 0; i < keys.length; i++) {
      s += (i > 0 ? "," : "") + JSON.stringify<string>(keys[i]) + ":" + canonical(o.get(keys[i]));
    }
    return s + "}";
  }
  return stringify(v);
}

main();
