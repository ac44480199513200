// if_control: evaluates `condition` against `input` and answers the branch for ON_TRUE / ON_FALSE edges.
import { fail, JSON, readInput, writeOutput } from "../../sdk/assemblyscript";
import { evalCondition } from "../../sdk/assemblyscript/condition";
import { nullValue } from "../../sdk/assemblyscript/value";

function main(): void {
  const input = readInput<JSON.Obj>();
  if (!input.has("condition")) {
    fail(
      "MISSING_FIELD",
      "field 'condition' is required: { field, op, value }, { and: [...] }, { or: [...] }, { not: ... } or a boolean",
    );
  }
  const subject = input.has("input") ? input.get("input") : nullValue();
  const result = evalCondition(input.get("condition"), subject, "condition");
  const out = new JSON.Obj();
  out.set<string>("branch", result ? "true" : "false");
  out.set<bool>("result", result);
  // The subject travels on, so the chosen branch can use {{ NODE.data.input }}.
  out.set<JSON.Value>("input", subject!);
  writeOutput<JSON.Obj>(out);
}

main();
