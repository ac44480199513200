// switch: picks the first case whose `match` equals `value` (or whose `condition` holds) and answers its branch.
import { fail, JSON, readInput, writeOutput } from "../../sdk/assemblyscript";
import { evalCondition, looseEqual } from "../../sdk/assemblyscript/condition";
import { needArray, nullValue, optString, typeOf } from "../../sdk/assemblyscript/value";

function main(): void {
  const input = readInput<JSON.Obj>();
  const value = input.has("value") ? input.get("value")! : nullValue();
  const cases = needArray(input, "cases");
  const fallback = optString(input, "default_branch", "default");
  let branch = fallback;
  let index = -1;
  for (let i = 0; i < cases.length; i++) {
    const where = "cases[" + i.toString() + "]";
    const c = cases.at(i);
    if (typeOf(c) != "object") fail("INVALID_FIELD", where + " must be an object like { match, branch }");
    const obj = c.get<JSON.Obj>();
    const b = obj.get("branch");
    if (typeOf(b) != "string" || b!.get<string>().length == 0)
      fail("INVALID_FIELD", where + ".branch must be a non-empty string");
    let hit = false;
    if (obj.has("condition")) hit = evalCondition(obj.get("condition"), value, where + ".condition");
    else if (obj.has("match")) {
      const m = obj.get("match")!;
      // A list of matches means "any of these".
      if (typeOf(m) == "array") {
        const list = m.get<JSON.Arr>();
        for (let j = 0; j < list.length && !hit; j++) hit = looseEqual(value, list.at(j));
      } else hit = looseEqual(value, m);
    } else fail("INVALID_FIELD", where + " needs 'match' (a value or a list of values) or 'condition'");
    if (hit) {
      branch = b!.get<string>();
      index = i;
      break;
    }
  }
  const out = new JSON.Obj();
  out.set<string>("branch", branch);
  out.set<bool>("matched", index >= 0);
  out.set<i32>("index", index);
  out.set<JSON.Value>("value", value);
  writeOutput<JSON.Obj>(out);
}

main();
