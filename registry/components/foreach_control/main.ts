// foreach_control: prepares a list for a FOREACH edge: optional skip/limit, and batches of `batch_size`.
import { fail, JSON, readInput, writeOutput } from "../../sdk/assemblyscript";
import { needField, optInt, typeOf } from "../../sdk/assemblyscript/value";

/** `items` as a list: a list as is, an object as its { key, value } entries. */
function listOf(v: JSON.Value): JSON.Arr {
  const t = typeOf(v);
  if (t == "array") return v.get<JSON.Arr>();
  if (t == "object") {
    const obj = v.get<JSON.Obj>();
    const keys = obj.keys();
    const out = new JSON.Arr();
    for (let i = 0; i < keys.length; i++) {
      const e = new JSON.Obj();
      e.set<string>("key", keys[i]);
      e.set<JSON.Value>("value", obj.get(keys[i])!);
      out.push<JSON.Obj>(e);
    }
    return out;
  }
  fail("INVALID_FIELD", "field 'items' must be a list (or an object, iterated as { key, value }), got " + t);
  return new JSON.Arr();
}

function main(): void {
  const input = readInput<JSON.Obj>();
  const all = listOf(needField(input, "items"));
  const skip = optInt(input, "skip", 0, 0, 2147483647);
  const limit = optInt(input, "limit", -1, 0, 2147483647);
  const batchSize = optInt(input, "batch_size", 0, 1, 100000);
  const end = limit >= 0 ? min(all.length, skip + limit) : all.length;
  const items = skip >= end ? new JSON.Arr() : all.slice(skip, end);
  const out = new JSON.Obj();
  out.set<JSON.Arr>("items", items);
  out.set<i32>("count", items.length);
  if (batchSize > 0) {
    const batches = new JSON.Arr();
    for (let i = 0; i < items.length; i += batchSize) {
      batches.push<JSON.Arr>(items.slice(i, min(items.length, i + batchSize)));
    }
    out.set<JSON.Arr>("batches", batches);
    out.set<i32>("batch_count", batches.length);
  }
  writeOutput<JSON.Obj>(out);
}

main();
