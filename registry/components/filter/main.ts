// filter: keeps the elements of `items` that satisfy the condition (the same grammar as if_control).
import { fail, JSON, readInput, writeOutput } from "../../sdk/assemblyscript";
import { Condition, compileCondition, compileConditionList, testCondition } from "../../sdk/assemblyscript/condition";
import { needArray, optInt, optString } from "../../sdk/assemblyscript/value";

/** `condition`, or `conditions` + `logic` ("and" | "or"), checked once up front: a malformed clause fails
 * even when no element would reach it. */
function conditionOf(input: JSON.Obj): Condition {
  if (input.has("condition")) return compileCondition(input.get("condition"), "condition");
  if (!input.has("conditions")) {
    fail("MISSING_FIELD", "field 'condition' is required (or 'conditions' with 'logic': and | or)");
  }
  const logic = optString(input, "logic", "and");
  if (logic != "and" && logic != "or") fail("INVALID_FIELD", "field 'logic' must be and or or, got '" + logic + "'");
  return compileConditionList(needArray(input, "conditions"), "conditions", logic == "or");
}

function main(): void {
  const input = readInput<JSON.Obj>();
  const items = needArray(input, "items");
  const cond = conditionOf(input);
  const limit = optInt(input, "limit", -1, 0, 2147483647);
  const kept = new JSON.Arr();
  for (let i = 0; i < items.length; i++) {
    if (limit >= 0 && kept.length >= limit) break;
    const item = items.at(i);
    if (testCondition(cond, item)) kept.push<JSON.Value>(item);
  }
  const out = new JSON.Obj();
  out.set<JSON.Arr>("items", kept);
  out.set<i32>("count", kept.length);
  out.set<i32>("total", items.length);
  writeOutput<JSON.Obj>(out);
}

main();
