// try_catch: looks at how a guarded step ended and answers branch "try" (it succeeded) or "catch" (it failed),
// so the workflow routes around a failing sub-path. Errors outside `catch` are re-raised unchanged.
import { fail, JSON, readInput, writeOutput } from "../../sdk/assemblyscript";
import { isNull, nullValue, optString, textOf, typeOf } from "../../sdk/assemblyscript/value";

/** True when `error` (null, "", {} or an error object/message) says the step failed. */
function failed(error: JSON.Value | null, status: string): bool {
  if (status == "failed") return true;
  if (status == "succeeded") return false;
  const t = typeOf(error);
  if (t == "null") return false;
  if (t == "boolean") return error!.get<bool>();
  if (t == "string") return error!.get<string>().length > 0;
  if (t == "object") return error!.get<JSON.Obj>().keys().length > 0;
  return true;
}

/** UPPER_SNAKE, as every error code of the platform; anything else is reported as STEP_FAILED. */
function isErrorCode(s: string): bool {
  if (s.length == 0 || s.length > 64) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok = (c >= 65 && c <= 90) || c == 95 || (i > 0 && c >= 48 && c <= 57);
    if (!ok) return false;
  }
  return true;
}

/** The error as { code, message }, whatever shape it came in. */
function normalize(error: JSON.Value | null): JSON.Obj {
  const out = new JSON.Obj();
  let code = "STEP_FAILED";
  let message = "the guarded step failed";
  if (typeOf(error) == "object") {
    const e = error!.get<JSON.Obj>();
    const c = e.get("code");
    const m = e.get("message");
    if (typeOf(c) == "string" && isErrorCode(c!.get<string>())) code = c!.get<string>();
    if (!isNull(m)) message = textOf(m);
  } else if (typeOf(error) == "string") message = error!.get<string>();
  out.set<string>("code", code);
  out.set<string>("message", message);
  return out;
}

function main(): void {
  const input = readInput<JSON.Obj>();
  const status = optString(input, "status", "");
  if (status.length > 0 && status != "succeeded" && status != "failed") {
    fail("INVALID_FIELD", "field 'status' must be succeeded or failed, got '" + status + "'");
  }
  const error = input.get("error");
  const out = new JSON.Obj();
  if (!failed(error, status)) {
    out.set<string>("branch", "try");
    out.set<bool>("ok", true);
    out.set<JSON.Value>("value", input.has("value") ? input.get("value")! : nullValue());
    out.set<JSON.Value>("error", nullValue());
    writeOutput<JSON.Obj>(out);
    return;
  }
  const err = normalize(error);
  const code = err.getAs<string>("code");
  const only = input.get("catch");
  if (!isNull(only)) {
    if (typeOf(only) != "array") fail("INVALID_FIELD", "field 'catch' must be a list of error codes");
    const codes = only!.get<JSON.Arr>();
    let caught = false;
    for (let i = 0; i < codes.length && !caught; i++) caught = textOf(codes.at(i)) == code;
    // Not ours to handle: fail with the original error so ON_FAIL handlers further out see it.
    if (!caught) fail(code, err.getAs<string>("message"));
  }
  out.set<string>("branch", "catch");
  out.set<bool>("ok", false);
  out.set<JSON.Value>("value", input.has("fallback") ? input.get("fallback")! : nullValue());
  out.set<JSON.Obj>("error", err);
  writeOutput<JSON.Obj>(out);
}

main();
