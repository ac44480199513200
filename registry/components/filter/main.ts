// filter: keeps the elements of `items` that satisfy the condition (the same grammar as if_control).
import { fail, JSON, readInput, writeOutput } from "../../sdk/assemblyscript";
import { evalCondition } from "../../sdk/assemblyscript/condition";
import { needArray, optInt, optString } from "../../sdk/assemblyscript/value";

/** `condition`, or `conditions` + `logic` ("and" | "or") written as one condition. */
function conditionOf(input: JSON.Obj): JSON.Value {
  if (input.has("condition")) return input.get("condition")!;
  if (!input.has("conditions")) {
    fail("MISSING_FIELD", "field 'condition' is required (or 'conditions' with 'logic': and | or)");
  }
  const logic = optString(input, "logic", "and");
  if (logic != "and" && logic != "or") fail("INVALID_FIELD", "field 'logic' must be and or or, got '" + logic + "'");
  const wrapped = new JSON.Obj();
  wrapped.set<JSON.Value>(logic, input.get("conditions")!);
  return JSON.Value.from<JSON.Obj>(wrapped);
}

function main(): void {
  const input = readInput<JSON.Obj>();
  const items = needArray(input, "items");
  const cond = conditionOf(input);
  const where = input.has("condition") ? "condition" : "conditions";
  const limit = optInt(input, "limit", -1, 0, 2147483647);
  const kept = new JSON.Arr();
  for (let i = 0; i < items.length; i++) {
    if (limit >= 0 && kept.length >= limit) break;
    const item = items.at(i);
    if (evalCondition(cond, item, where)) kept.push<JSON.Value>(item);
  }
  const out = new JSON.Obj();
  out.set<JSON.Arr>("items", kept);
  out.set<i32>("count", kept.length);
  out.set<i32>("total", items.length);
  writeOutput<JSON.Obj>(out);
}

main();
