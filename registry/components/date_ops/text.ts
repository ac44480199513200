// ISO 8601 reading and writing, offsets, and the format tokens.
import { Civil, daysFromCivil, MS_PER_DAY, toCivil } from "./civil";

function pad(n: i64, width: i32): string {
  let s = (n < 0 ? -n : n).toString();
  while (s.length < width) s = "0" + s;
  return (n < 0 ? "-" : "") + s;
}

/** `+08:00` / `-05:30` / `Z` for an offset in minutes. */
export function offsetText(offsetMin: i64, zulu: bool): string {
  if (offsetMin == 0 && zulu) return "Z";
  const sign = offsetMin < 0 ? "-" : "+";
  const a = offsetMin < 0 ? -offsetMin : offsetMin;
  return sign + pad(a / 60, 2) + ":" + pad(a % 60, 2);
}

/**
 * Parses `Z`, `UTC`, `+08:00`, `+0800`, `+08`, or a zone without daylight saving time (listed in the
 * README). Returns i64.MIN_VALUE when unknown: zones with DST need the tz database, which would not fit
 * the 64 KB budget.
 */
export function parseOffset(s: string): i64 {
  if (s == "Z" || s == "UTC" || s == "GMT" || s == "Etc/UTC") return 0;
  if (s == "Asia/Taipei" || s == "Asia/Shanghai" || s == "Asia/Hong_Kong" || s == "Asia/Singapore") return 480;
  if (s == "Asia/Manila" || s == "Australia/Perth" || s == "Asia/Kuala_Lumpur") return 480;
  if (s == "Asia/Tokyo" || s == "Asia/Seoul") return 540;
  if (s == "Asia/Kolkata" || s == "Asia/Calcutta") return 330;
  if (s == "Asia/Bangkok" || s == "Asia/Jakarta" || s == "Asia/Ho_Chi_Minh") return 420;
  if (s == "Asia/Dubai") return 240;
  if (s == "Africa/Lagos") return 60;
  if (s == "Africa/Nairobi" || s == "Europe/Moscow") return 180;
  if (s == "America/Phoenix") return -420;
  if (s == "Pacific/Honolulu") return -600;
  if (s.length < 3) return i64.MIN_VALUE;
  const sign = s.charCodeAt(0);
  if (sign != 43 && sign != 45) return i64.MIN_VALUE;
  const body = s.substring(1).replace(":", "");
  if (body.length != 2 && body.length != 4) return i64.MIN_VALUE;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c < 48 || c > 57) return i64.MIN_VALUE;
  }
  const h = I64.parseInt(body.substring(0, 2));
  const m = body.length == 4 ? I64.parseInt(body.substring(2, 4)) : 0;
  if (h > 14 || m > 59) return i64.MIN_VALUE;
  const total = h * 60 + m;
  return sign == 45 ? -total : total;
}

function digitsAt(s: string, at: i32, n: i32): i64 {
  if (at + n > s.length) return -1;
  let v: i64 = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(at + i);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  return v;
}

/** Result of parsing: ok, the instant, and the offset the text carried (for formatting it back). */
export class Parsed {
  ok: bool = false;
  unixMs: i64 = 0;
  offsetMin: i64 = 0;
}

/**
 * ISO 8601: `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM`, `…:SS`, `…:SS.sss`, with `Z` or `±HH:MM` (no offset = UTC,
 * or `defaultOffset`). A space may replace the `T`.
 */
export function parseIso(s: string, defaultOffset: i64): Parsed {
  const r = new Parsed();
  const y = digitsAt(s, 0, 4);
  if (y < 0 || s.length < 10 || s.charCodeAt(4) != 45 || s.charCodeAt(7) != 45) return r;
  const mo = digitsAt(s, 5, 2);
  const d = digitsAt(s, 8, 2);
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return r;
  let h: i64 = 0;
  let mi: i64 = 0;
  let se: i64 = 0;
  let ms: i64 = 0;
  let i = 10;
  if (i < s.length && (s.charCodeAt(i) == 84 || s.charCodeAt(i) == 32)) {
    h = digitsAt(s, i + 1, 2);
    mi = digitsAt(s, i + 4, 2);
    if (h < 0 || mi < 0 || s.charCodeAt(i + 3) != 58 || h > 23 || mi > 59) return r;
    i += 6;
    if (i < s.length && s.charCodeAt(i) == 58) {
      se = digitsAt(s, i + 1, 2);
      if (se < 0 || se > 60) return r;
      i += 3;
      if (i < s.length && s.charCodeAt(i) == 46) {
        i++;
        let frac: i64 = 0;
        let n = 0;
        while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) {
          if (n < 3) frac = frac * 10 + (s.charCodeAt(i) - 48);
          n++;
          i++;
        }
        if (n == 0) return r;
        while (n < 3) {
          frac *= 10;
          n++;
        }
        ms = frac;
      }
    }
  }
  let offset = defaultOffset;
  if (i < s.length) {
    offset = parseOffset(s.substring(i));
    if (offset == i64.MIN_VALUE) return r;
  }
  const local = daysFromCivil(y, mo, d) * MS_PER_DAY + h * 3600000 + mi * 60000 + se * 1000 + ms;
  r.ok = true;
  r.unixMs = local - offset * 60000;
  r.offsetMin = offset;
  return r;
}

/** ISO 8601 with milliseconds, in the given offset (`Z` for UTC). */
export function isoText(unixMs: i64, offsetMin: i64): string {
  const c = toCivil(unixMs, offsetMin);
  return (
    pad(c.year, 4) +
    "-" +
    pad(c.month, 2) +
    "-" +
    pad(c.day, 2) +
    "T" +
    pad(c.hour, 2) +
    ":" +
    pad(c.minute, 2) +
    ":" +
    pad(c.second, 2) +
    "." +
    pad(c.ms, 3) +
    offsetText(offsetMin, true)
  );
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * Formats with tokens: YYYY YY MM M DD D HH H hh h mm ss SSS A ddd MMM Z X (unix s) x (unix ms);
 * text in [brackets] is literal.
 */
export function formatTokens(unixMs: i64, offsetMin: i64, pattern: string): string {
  const c: Civil = toCivil(unixMs, offsetMin);
  let out = "";
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern.charAt(i);
    if (ch == "[") {
      const end = pattern.indexOf("]", i);
      if (end < 0) {
        out += pattern.substring(i + 1);
        break;
      }
      out += pattern.substring(i + 1, end);
      i = end + 1;
      continue;
    }
    let run = 1;
    while (i + run < pattern.length && pattern.charAt(i + run) == ch) run++;
    const h12 = c.hour % 12 == 0 ? 12 : c.hour % 12;
    let piece: string | null = null;
    if (ch == "Y" && run == 4) piece = pad(c.year, 4);
    else if (ch == "Y" && run == 2) piece = pad(c.year % 100, 2);
    else if (ch == "M" && run == 3) piece = MONTHS[<i32>c.month - 1];
    else if (ch == "M" && run <= 2) piece = run == 2 ? pad(c.month, 2) : c.month.toString();
    else if (ch == "D" && run <= 2) piece = run == 2 ? pad(c.day, 2) : c.day.toString();
    else if (ch == "H" && run <= 2) piece = run == 2 ? pad(c.hour, 2) : c.hour.toString();
    else if (ch == "h" && run <= 2) piece = run == 2 ? pad(h12, 2) : h12.toString();
    else if (ch == "m" && run == 2) piece = pad(c.minute, 2);
    else if (ch == "s" && run == 2) piece = pad(c.second, 2);
    else if (ch == "S" && run == 3) piece = pad(c.ms, 3);
    else if (ch == "A" && run == 1) piece = c.hour < 12 ? "AM" : "PM";
    else if (ch == "d" && run == 3) piece = DAYS[<i32>c.weekday];
    else if (ch == "Z" && run == 1) piece = offsetText(offsetMin, false);
    else if (ch == "X" && run == 1) piece = (unixMs / 1000).toString();
    else if (ch == "x" && run == 1) piece = unixMs.toString();
    if (piece !== null) out += piece;
    else out += pattern.substr(i, run);
    i += run;
  }
  return out;
}
