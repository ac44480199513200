// Cron expressions with the engine's meaning (cypher-executor/src/workflow/cron.ts): five fields in UTC,
// `*`/`?`, lists, ranges, steps (`a/n` runs to the field's end), month/weekday names, 7 = Sunday, @macros,
// and day-of-month OR day-of-week when both are restricted. Times are minutes since the Unix epoch.

const MONTHS = "JANFEBMARAPRMAYJUNJULAUGSEPOCTNOVDEC";
const DAYS = "SUNMONTUEWEDTHUFRISAT";
const NAMES: StaticArray<string> = ["minute", "hour", "day-of-month", "month", "day-of-week"];
const MINS: StaticArray<i32> = [0, 0, 1, 1, 0];
const MAXS: StaticArray<i32> = [59, 23, 31, 12, 7];

export class CronSpec {
  /** fields[f][v]: value v allowed in field f. */
  fields: Array<StaticArray<bool>> = [];
  daysRestricted: bool = false;
  weekdaysRestricted: bool = false;
  /** Empty when it parsed; else what is wrong. */
  error: string = "";
}

function macro(s: string): string {
  const m = s.toLowerCase();
  if (m == "@yearly" || m == "@annually") return "0 0 1 1 *";
  if (m == "@monthly") return "0 0 1 * *";
  if (m == "@weekly") return "0 0 * * 0";
  if (m == "@daily" || m == "@midnight") return "0 0 * * *";
  if (m == "@hourly") return "0 * * * *";
  return s;
}

function isDigits(s: string): bool {
  if (s.length == 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** A field value (number or name) or -1 with `spec.error` set. */
function value(v: string, f: i32, spec: CronSpec, text: string): i32 {
  const up = v.toUpperCase();
  if (up.length == 3 && (f == 3 || f == 4)) {
    const idx = (f == 3 ? MONTHS : DAYS).indexOf(up);
    if (idx >= 0 && idx % 3 == 0) return idx / 3 + (f == 3 ? 1 : 0);
  }
  if (!isDigits(v) || v.length > 4) {
    spec.error = "bad " + NAMES[f] + ' value "' + v + '" in "' + text + '"';
    return -1;
  }
  const n = I32.parseInt(v);
  if (n < MINS[f] || n > MAXS[f]) {
    spec.error = NAMES[f] + " " + n.toString() + " is out of range " + MINS[f].toString() + "-" + MAXS[f].toString();
    return -1;
  }
  return n;
}

function parseField(text: string, f: i32, spec: CronSpec): StaticArray<bool> {
  const allowed = new StaticArray<bool>(MAXS[f] + 1);
  const items = text.split(",");
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const slash = item.indexOf("/");
    const base = slash >= 0 ? item.substring(0, slash) : item;
    let step = 1;
    if (slash >= 0) {
      const s = item.substring(slash + 1);
      if (!isDigits(s) || s.length > 4) {
        spec.error = "bad " + NAMES[f] + ' step in "' + text + '"';
        return allowed;
      }
      step = I32.parseInt(s);
      if (step < 1) {
        spec.error = "the " + NAMES[f] + " step must be at least 1";
        return allowed;
      }
    }
    if (base.length == 0) {
      spec.error = "bad " + NAMES[f] + ' field "' + text + '"';
      return allowed;
    }
    let lo: i32, hi: i32;
    if (base == "*" || base == "?") {
      lo = MINS[f];
      hi = MAXS[f];
    } else if (base.includes("-")) {
      const dash = base.indexOf("-");
      lo = value(base.substring(0, dash), f, spec, text);
      if (lo < 0) return allowed;
      hi = value(base.substring(dash + 1), f, spec, text);
      if (hi < 0) return allowed;
      if (lo > hi) {
        spec.error = "bad " + NAMES[f] + ' range "' + base + '": start after end';
        return allowed;
      }
    } else {
      lo = value(base, f, spec, text);
      if (lo < 0) return allowed;
      hi = slash >= 0 ? MAXS[f] : lo;
    }
    for (let v = lo; v <= hi; v += step) allowed[v] = true;
  }
  return allowed;
}

/**
 * Parses an expression; check `error` first.
 * @example parseCron("*\/15 9-17 * * MON-FRI")
 */
export function parseCron(source: string): CronSpec {
  const spec = new CronSpec();
  const text = macro(source.trim());
  if (text.startsWith("@")) {
    spec.error =
      'unknown cron macro "' + text + '"; use @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly';
    return spec;
  }
  const raw = text.split(" ");
  const parts: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    const p = raw[i].trim();
    if (p.length > 0) parts.push(p);
  }
  if (parts.length != 5) {
    spec.error =
      'a cron expression has 5 fields (minute hour day-of-month month day-of-week), "' +
      source +
      '" has ' +
      parts.length.toString();
    return spec;
  }
  for (let f = 0; f < 5; f++) {
    spec.fields.push(parseField(parts[f], f, spec));
    if (spec.error.length > 0) return spec;
  }
  // 7 is Sunday too.
  if (spec.fields[4][7]) spec.fields[4][0] = true;
  spec.daysRestricted = parts[2] != "*" && parts[2] != "?";
  spec.weekdaysRestricted = parts[4] != "*" && parts[4] != "?";
  return spec;
}

// ---- civil calendar (proleptic Gregorian, UTC), after Howard Hinnant's days_from_civil ----

/** Days since 1970-01-01 of y-m-d. */
export function daysFromCivil(y: i64, m: i32, d: i32): i64 {
  const yy = m <= 2 ? y - 1 : y;
  const era = (yy >= 0 ? yy : yy - 399) / 400;
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = (153 * mp + 2) / 5 + d - 1;
  const doe = yoe * 365 + yoe / 4 - yoe / 100 + <i64>doy;
  return era * 146097 + doe - 719468;
}

/** [year, month, day] of a day number. */
export function civilFromDays(z0: i64): StaticArray<i64> {
  const z = z0 + 719468;
  const era = (z >= 0 ? z : z - 146096) / 146097;
  const doe = z - era * 146097;
  const yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const mp = (5 * doy + 2) / 153;
  const d = doy - (153 * mp + 2) / 5 + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return [y, m, d];
}

function floorDiv(a: i64, b: i64): i64 {
  const q = a / b;
  return a % b != 0 && a < 0 != b < 0 ? q - 1 : q;
}

/**
 * The next `count` firing minutes strictly after minute `after`, searching at most nine years ahead
 * (two leap days: every satisfiable expression fires within that); fewer when it never fires.
 */
export function nextTimes(spec: CronSpec, after: i64, count: i32): i64[] {
  const out: i64[] = [];
  const start = after + 1;
  let day = floorDiv(start, 1440);
  const lastDay = day + 9 * 366;
  let minuteOfDay = <i32>(start - day * 1440);
  for (; day <= lastDay && out.length < count; day++) {
    const ymd = civilFromDays(day);
    const month = <i32>ymd[1];
    const dom = <i32>ymd[2];
    if (!spec.fields[3][month]) {
      minuteOfDay = 0;
      continue;
    }
    // 1970-01-01 was a Thursday (4).
    const dow = <i32>(((day % 7) + 11) % 7);
    const domOk = spec.fields[2][dom];
    const dowOk = spec.fields[4][dow];
    const dayOk = spec.daysRestricted && spec.weekdaysRestricted ? domOk || dowOk : spec.daysRestricted ? domOk : dowOk;
    if (dayOk) {
      for (let h = minuteOfDay / 60; h < 24 && out.length < count; h++) {
        if (!spec.fields[1][h]) continue;
        const fromMin = h == minuteOfDay / 60 ? minuteOfDay % 60 : 0;
        for (let mi = fromMin; mi < 60 && out.length < count; mi++) {
          if (spec.fields[0][mi]) out.push(day * 1440 + <i64>(h * 60 + mi));
        }
      }
    }
    minuteOfDay = 0;
  }
  return out;
}

function pad2(n: i64): string {
  return n < 10 ? "0" + n.toString() : n.toString();
}

/** ISO 8601 in UTC, like Date.prototype.toISOString: 2026-01-01T09:00:00.000Z. */
export function isoOfMinute(minute: i64): string {
  const day = floorDiv(minute, 1440);
  const rest = minute - day * 1440;
  const ymd = civilFromDays(day);
  let y = ymd[0].toString();
  while (y.length < 4) y = "0" + y;
  return y + "-" + pad2(ymd[1]) + "-" + pad2(ymd[2]) + "T" + pad2(rest / 60) + ":" + pad2(rest % 60) + ":00.000Z";
}

function digitsAt(s: string, at: i32, n: i32): i32 {
  if (at + n > s.length) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(at + i);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  return v;
}

/**
 * Milliseconds since the epoch of `YYYY-MM-DDTHH:MM[:SS[.fff]]` followed by `Z` or `+00:00` (or nothing: UTC);
 * -1 when malformed. Other offsets are refused: cron runs in UTC.
 */
export function parseIsoUtc(s: string): i64 {
  const y = digitsAt(s, 0, 4);
  const mo = digitsAt(s, 5, 2);
  const d = digitsAt(s, 8, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || s.charCodeAt(4) != 45 || s.charCodeAt(7) != 45) return -1;
  let h = 0,
    mi = 0,
    sec = 0,
    ms = 0;
  let at = 10;
  if (s.length > 10) {
    const sep = s.charCodeAt(10);
    if (sep != 84 && sep != 116 && sep != 32) return -1;
    h = digitsAt(s, 11, 2);
    mi = digitsAt(s, 14, 2);
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || s.charCodeAt(13) != 58) return -1;
    at = 16;
    if (at < s.length && s.charCodeAt(at) == 58) {
      sec = digitsAt(s, 17, 2);
      if (sec < 0 || sec > 59) return -1;
      at = 19;
      if (at < s.length && s.charCodeAt(at) == 46) {
        at++;
        let digits = 0;
        while (at < s.length && s.charCodeAt(at) >= 48 && s.charCodeAt(at) <= 57) {
          if (digits < 3) ms = ms * 10 + (s.charCodeAt(at) - 48);
          digits++;
          at++;
        }
        if (digits == 0) return -1;
        for (let k = digits; k < 3; k++) ms *= 10;
      }
    }
  }
  const zone = s.substring(at);
  if (zone != "" && zone != "Z" && zone != "z" && zone != "+00:00" && zone != "-00:00") return -1;
  // Reject impossible dates such as 2026-02-30 by round-tripping the day.
  const days = daysFromCivil(<i64>y, mo, d);
  const back = civilFromDays(days);
  if (<i32>back[1] != mo || <i32>back[2] != d) return -1;
  return ((days * 24 + <i64>h) * 60 + <i64>mi) * 60000 + <i64>sec * 1000 + <i64>ms;
}
