// wait: parks the execution for a duration or until a time, via the pending/resume protocol.
// It never loops: it answers `pending` with `resume_at`, the engine parks the execution, and the
// scheduled handler resumes it when due (an earlier arcrun's wait spun until the CPU limit killed it).
import { fail, JSON, jsonString, nowMs, pending, randomHex, readInput, writeOutputRaw } from "../../sdk/assemblyscript";
import { isNull, isNumber, isString, toF64 } from "../../sdk/assemblyscript/value";

/** Waits longer than this are refused: a month is a schedule, not a wait. */
const MAX_WAIT_MS: i64 = 30 * 24 * 3600 * 1000;

/** `500ms`, `2s`, `5m`, `1h`, `1d`, combos like `1h30m`; a bare number is milliseconds. -1 when malformed. */
function parseDuration(text: string): i64 {
  const s = text.trim();
  if (s.length == 0) return -1;
  let total: f64 = 0;
  let i = 0;
  while (i < s.length) {
    const start = i;
    while (i < s.length && ((s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) || s.charCodeAt(i) == 46)) i++;
    if (i == start) return -1;
    const n = parseFloat(s.substring(start, i));
    if (isNaN(n)) return -1;
    const unitStart = i;
    while (i < s.length && s.charCodeAt(i) >= 97 && s.charCodeAt(i) <= 122) i++;
    const unit = s.substring(unitStart, i);
    let factor: f64 = 0;
    if (unit == "ms" || (unit == "" && unitStart == s.length && start == 0)) factor = 1;
    else if (unit == "s") factor = 1000;
    else if (unit == "m") factor = 60000;
    else if (unit == "h") factor = 3600000;
    else if (unit == "d") factor = 86400000;
    else return -1;
    total += n * factor;
  }
  return <i64>Math.round(total);
}

function main(): void {
  const input = readInput<JSON.Obj>();
  const now = nowMs();
  let due: i64 = now;
  const duration = input.get("duration");
  const until = input.get("until");
  if (!isNull(duration) && !isNull(until)) fail("INVALID_INPUT", "give either 'duration' or 'until', not both");
  if (!isNull(duration)) {
    let ms: i64 = -1;
    if (isNumber(duration)) ms = <i64>toF64(duration);
    else if (isString(duration)) ms = parseDuration(duration!.get<string>());
    if (ms < 0) fail("BAD_DURATION", "'duration' must be like 500ms, 30s, 5m, 2h, 1d or a number of milliseconds");
    due = now + ms;
  } else if (!isNull(until)) {
    if (!isString(until)) fail("BAD_TIME", "'until' must be an ISO-8601 time like 2026-12-01T09:00:00Z");
    const text = until!.get<string>();
    let parsed: i64 = 0;
    // Date.fromString aborts on malformed text; check the shape first so the error is ours.
    if (text.length < 10 || text.charCodeAt(4) != 45 || text.charCodeAt(7) != 45) {
      fail("BAD_TIME", "'until' must be an ISO-8601 time like 2026-12-01T09:00:00Z, got " + jsonString(text));
    }
    parsed = Date.fromString(text).getTime();
    due = parsed;
  } else {
    fail("MISSING_FIELD", "give 'duration' (like 5m) or 'until' (an ISO-8601 time)");
  }
  if (due - now > MAX_WAIT_MS) fail("WAIT_TOO_LONG", "a wait may last at most 30 days; use a cron trigger instead");
  if (due <= now) {
    // Already due: nothing to park.
    writeOutputRaw('{"waited_ms":0,"resumed_at":' + jsonString(new Date(now).toISOString()) + "}");
    return;
  }
  pending("wait_" + randomHex(12), new Date(due).toISOString());
}

main();
