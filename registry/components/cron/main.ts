// cron: validates a 5-field UTC cron expression and answers its next fire times (after `from`, default now).
import { fail, JSON, nowMs, readInput, writeOutput } from "../../sdk/assemblyscript";
import { isNull, needString, optInt, toF64, typeOf } from "../../sdk/assemblyscript/value";
import { isoOfMinute, nextTimes, parseCron, parseIsoUtc } from "./cronexpr";

/** `from` as epoch ms: an ISO 8601 UTC string or a number of milliseconds; now when absent. */
function fromMs(input: JSON.Obj): i64 {
  const v = input.get("from");
  if (isNull(v)) return nowMs();
  const t = typeOf(v);
  if (t == "number") {
    const x = toF64(v);
    if (!Number.isFinite(x) || x < -8.64e15 || x > 8.64e15) fail("INVALID_FIELD", "field 'from' is out of range");
    return <i64>x;
  }
  if (t == "string") {
    const ms = parseIsoUtc(v!.get<string>());
    if (ms == -1) {
      fail(
        "INVALID_FIELD",
        "field 'from' must be an ISO 8601 UTC time like 2026-01-01T09:30:00Z, got \"" + v!.get<string>() + '"',
      );
    }
    return ms;
  }
  fail("INVALID_FIELD", "field 'from' must be an ISO 8601 string or epoch milliseconds, got " + t);
  return 0;
}

function floorMinute(ms: i64): i64 {
  const q = ms / 60000;
  return ms % 60000 != 0 && ms < 0 ? q - 1 : q;
}

function main(): void {
  const input = readInput<JSON.Obj>();
  const expr = needString(input, "cron_expr");
  const count = optInt(input, "count", 5, 1, 100);
  const spec = parseCron(expr);
  if (spec.error.length > 0) fail("INVALID_CRON", "field 'cron_expr': " + spec.error);
  const from = fromMs(input);
  const times = nextTimes(spec, floorMinute(from), count);
  if (times.length == 0) fail("INVALID_CRON", "field 'cron_expr': \"" + expr + '" never fires (no such date)');
  const next = new JSON.Arr();
  for (let i = 0; i < times.length; i++) next.push<string>(isoOfMinute(times[i]));
  const out = new JSON.Obj();
  out.set<bool>("valid", true);
  out.set<string>("cron_expr", expr.trim());
  out.set<string>("next_fire", isoOfMinute(times[0]));
  out.set<JSON.Arr>("next", next);
  writeOutput<JSON.Obj>(out);
}

main();
