// Calendar arithmetic on Unix milliseconds (proleptic Gregorian, UTC), after Howard Hinnant's
// days_from_civil / civil_from_days: exact for any year, no tables, no host Date.

export const MS_PER_DAY: i64 = 86400000;

/** Days since 1970-01-01 of a civil date (month 1-12). */
export function daysFromCivil(y: i64, m: i64, d: i64): i64 {
  const yy = m <= 2 ? y - 1 : y;
  const era = (yy >= 0 ? yy : yy - 399) / 400;
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = (153 * mp + 2) / 5 + d - 1;
  const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/** The civil fields of a Unix-ms instant shifted by `offsetMin` minutes. */
export class Civil {
  year: i64 = 1970;
  month: i64 = 1;
  day: i64 = 1;
  hour: i64 = 0;
  minute: i64 = 0;
  second: i64 = 0;
  ms: i64 = 0;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: i64 = 4;
}

function floorDiv(a: i64, b: i64): i64 {
  const q = a / b;
  return a % b != 0 && a < 0 != b < 0 ? q - 1 : q;
}

export function toCivil(unixMs: i64, offsetMin: i64): Civil {
  const t = unixMs + offsetMin * 60000;
  const days = floorDiv(t, MS_PER_DAY);
  let rem = t - days * MS_PER_DAY;
  const c = new Civil();
  const z = days + 719468;
  const era = (z >= 0 ? z : z - 146096) / 146097;
  const doe = z - era * 146097;
  const yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const mp = (5 * doy + 2) / 153;
  c.day = doy - (153 * mp + 2) / 5 + 1;
  c.month = mp < 10 ? mp + 3 : mp - 9;
  c.year = yoe + era * 400 + (c.month <= 2 ? 1 : 0);
  c.hour = rem / 3600000;
  rem -= c.hour * 3600000;
  c.minute = rem / 60000;
  rem -= c.minute * 60000;
  c.second = rem / 1000;
  c.ms = rem - c.second * 1000;
  c.weekday = ((days % 7) + 11) % 7;
  return c;
}

export function daysInMonth(y: i64, m: i64): i64 {
  if (m == 2) return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) ? 29 : 28;
  return m == 4 || m == 6 || m == 9 || m == 11 ? 30 : 31;
}

/** Adds calendar months, clamping the day (Jan 31 + 1 month = Feb 28/29), keeping the time of day. */
export function addMonths(unixMs: i64, months: i64, offsetMin: i64): i64 {
  const c = toCivil(unixMs, offsetMin);
  const total = c.year * 12 + (c.month - 1) + months;
  const y = floorDiv(total, 12);
  const m = total - y * 12 + 1;
  const d = c.day > daysInMonth(y, m) ? daysInMonth(y, m) : c.day;
  const local = daysFromCivil(y, m, d) * MS_PER_DAY + c.hour * 3600000 + c.minute * 60000 + c.second * 1000 + c.ms;
  return local - offsetMin * 60000;
}
