// validate_json: checks `data` against a JSON Schema and answers every problem with its path.
import { fail, JSON, jsonString, readInput, writeOutputRaw } from "../../sdk/assemblyscript";
import { isNull, isObject, optBool } from "../../sdk/assemblyscript/value";
import { Checker } from "./schema";

function main(): void {
  const input = readInput<JSON.Obj>();
  if (!input.has("data")) fail("MISSING_FIELD", "field 'data' is required: the value to check");
  const schema = input.get("schema");
  if (isNull(schema)) fail("MISSING_FIELD", "field 'schema' is required: a JSON Schema (draft 2020-12 subset)");
  if (!isObject(schema) && schema!.type != JSON.Types.Bool) {
    fail("INVALID_SCHEMA", "field 'schema' must be a JSON Schema object (or true/false)");
  }
  const root = isObject(schema) ? schema!.get<JSON.Obj>() : new JSON.Obj();
  const checker = new Checker(root);
  const valid = checker.check(input.get("data"), schema, "", 0);
  let errors = "[";
  for (let i = 0; i < checker.issues.length; i++) {
    const e = checker.issues[i];
    if (i > 0) errors += ",";
    errors +=
      '{"path":' +
      jsonString(e.path) +
      ',"keyword":' +
      jsonString(e.keyword) +
      ',"message":' +
      jsonString(e.message) +
      "}";
  }
  errors += "]";
  if (!valid && optBool(input, "fail_on_invalid", false)) {
    const first = checker.issues.length > 0 ? checker.issues[0] : null;
    const summary = first !== null ? first.path + " " + first.message : "invalid";
    fail("VALIDATION_FAILED", checker.issues.length.toString() + " problem(s); first: " + summary);
  }
  // `result` lets ON_TRUE / ON_FALSE edges route on validity.
  writeOutputRaw(
    '{"valid":' + (valid ? "true" : "false") + ',"result":' + (valid ? "true" : "false") + ',"errors":' + errors + "}",
  );
}

main();
