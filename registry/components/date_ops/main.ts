// date_ops: now, parse, format, add, diff over ISO 8601, Unix time, fixed offsets and DST-free zones.
import { fail, JSON, jsonString, nowMs, readInput, writeOutputRaw } from "../../sdk/assemblyscript";
import { isNull, isNumber, isString, needString, optString, toF64 } from "../../sdk/assemblyscript/value";
import { addMonths, toCivil } from "./civil";
import { formatTokens, isoText, offsetText, parseIso, parseOffset } from "./text";

const OPS = "now, parse, format, add, diff";
const UNITS = "ms, seconds, minutes, hours, days, weeks, months, years";

/** The zone to show results in: `timezone` (a fixed offset or a DST-free zone), UTC by default. */
function zoneOf(input: JSON.Obj): i64 {
  const tz = optString(input, "timezone", "UTC");
  const off = parseOffset(tz);
  if (off == i64.MIN_VALUE) {
    fail(
      "UNKNOWN_TIMEZONE",
      "field 'timezone': " +
        jsonString(tz) +
        " is not a fixed offset (+08:00) or a zone without daylight saving time (see README)",
    );
  }
  return off;
}

/** Reads an instant from `key`: ISO text, or a Unix number (seconds, or ms when `unix_unit` is ms). */
function instant(input: JSON.Obj, key: string, zone: i64): i64 {
  const v = input.get(key);
  if (isNull(v)) fail("MISSING_FIELD", "field '" + key + "' is required (ISO 8601 text or Unix time)");
  if (isNumber(v)) {
    const n = toF64(v);
    if (!isFinite(n)) fail("INVALID_DATE", "field '" + key + "' is not a finite number");
    return optString(input, "unix_unit", "s") == "ms" ? <i64>n : <i64>Math.round(n * 1000);
  }
  if (!isString(v)) fail("INVALID_DATE", "field '" + key + "' must be ISO 8601 text or a Unix number");
  const text = v!.get<string>().trim();
  if (text == "now") return nowMs();
  const p = parseIso(text, zone);
  if (!p.ok) {
    fail("INVALID_DATE", "field '" + key + "': " + jsonString(text) + " is not ISO 8601 (like 2026-11-25T09:30:00Z)");
  }
  return p.unixMs;
}

function describe(ms: i64, zone: i64): string {
  const c = toCivil(ms, zone);
  return (
    '{"iso":' +
    jsonString(isoText(ms, zone)) +
    ',"unix":' +
    (ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000)).toString() +
    ',"unix_ms":' +
    ms.toString() +
    ',"offset":' +
    jsonString(offsetText(zone, true)) +
    ',"year":' +
    c.year.toString() +
    ',"month":' +
    c.month.toString() +
    ',"day":' +
    c.day.toString() +
    ',"hour":' +
    c.hour.toString() +
    ',"minute":' +
    c.minute.toString() +
    ',"second":' +
    c.second.toString() +
    ',"weekday":' +
    c.weekday.toString() +
    "}"
  );
}

function unitMs(unit: string): i64 {
  if (unit == "ms" || unit == "milliseconds") return 1;
  if (unit == "s" || unit == "second" || unit == "seconds") return 1000;
  if (unit == "m" || unit == "minute" || unit == "minutes") return 60000;
  if (unit == "h" || unit == "hour" || unit == "hours") return 3600000;
  if (unit == "d" || unit == "day" || unit == "days") return 86400000;
  if (unit == "w" || unit == "week" || unit == "weeks") return 604800000;
  if (unit == "month" || unit == "months") return -1;
  if (unit == "y" || unit == "year" || unit == "years") return -12;
  fail("INVALID_UNIT", "field 'unit' must be one of " + UNITS + ", got " + jsonString(unit));
  return 0;
}

function main(): void {
  const input = readInput<JSON.Obj>();
  if (isNull(input.get("op"))) fail("MISSING_FIELD", "field 'op' is required (one of: " + OPS + ")");
  const op = needString(input, "op");
  const zone = zoneOf(input);
  if (op == "now") {
    writeOutputRaw(describe(nowMs(), zone));
  } else if (op == "parse") {
    writeOutputRaw(describe(instant(input, "date", zone), zone));
  } else if (op == "format") {
    const ms = instant(input, "date", zone);
    const pattern = optString(input, "format", "iso");
    let text: string;
    if (pattern == "iso") text = isoText(ms, zone);
    else if (pattern == "unix") text = (ms / 1000).toString();
    else if (pattern == "unix_ms") text = ms.toString();
    else text = formatTokens(ms, zone, pattern);
    writeOutputRaw('{"result":' + jsonString(text) + "}");
  } else if (op == "add") {
    const ms = instant(input, "date", zone);
    const amountV = input.get("amount");
    if (!isNumber(amountV)) fail("MISSING_FIELD", "field 'amount' must be a number (negative to subtract)");
    const amount = toF64(amountV);
    const per = unitMs(optString(input, "unit", "ms"));
    let out: i64;
    if (per < 0) {
      if (amount != Math.trunc(amount)) fail("INVALID_FIELD", "months and years are added in whole numbers");
      out = addMonths(ms, <i64>amount * -per, zone);
    } else {
      out = ms + <i64>Math.round(amount * <f64>per);
    }
    writeOutputRaw(describe(out, zone));
  } else if (op == "diff") {
    const a = instant(input, "date", zone);
    const b = instant(input, "other", zone);
    const unit = optString(input, "unit", "ms");
    const per = unitMs(unit);
    let result: f64;
    if (per < 0) {
      // Whole calendar months from date to other (negative when other is earlier).
      const ca = toCivil(a, zone);
      const cb = toCivil(b, zone);
      let months = (cb.year - ca.year) * 12 + (cb.month - ca.month);
      if (months > 0 && addMonths(a, months, zone) > b) months--;
      if (months < 0 && addMonths(a, months, zone) < b) months++;
      result = <f64>months / <f64>-per;
      result = result < 0 ? Math.ceil(result) : Math.floor(result);
    } else {
      result = <f64>(b - a) / <f64>per;
    }
    writeOutputRaw('{"result":' + JSON.stringify<f64>(result) + ',"unit":' + jsonString(unit) + "}");
  } else {
    fail("UNKNOWN_OP", "field 'op': unknown operation " + jsonString(op) + " (one of: " + OPS + ")");
  }
}

main();
