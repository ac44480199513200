/**
 * Cron expressions for `trigger.cron`: five fields (minute hour day-of-month month day-of-week), in UTC
 * like Cloudflare Cron Triggers, with `*`, lists `a,b`, ranges `a-b`, steps `*\/n` and `a-b/n`, month
 * and weekday names (`JAN`, `MON-FRI`), `7` as Sunday, and the macros `@hourly` … `@yearly`.
 */

/** A parsed cron expression; each field lists the values that match, ascending. */
export interface CronSpec {
  source: string;
  minutes: number[];
  hours: number[];
  days: number[];
  months: number[];
  weekdays: number[];
  /** When both day fields are restricted a day matches either (classic cron semantics). */
  daysRestricted: boolean;
  weekdaysRestricted: boolean;
}

/** A bad cron expression; `field` names the offending field. */
export class CronError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "CronError";
  }
}

const MACROS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};
const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const FIELDS = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS, base: 1 },
  { name: "day-of-week", min: 0, max: 7, names: DAYS, base: 0 },
] as const;

/**
 * Parses a cron expression; throws `CronError` saying which field is wrong and why.
 *
 * @example
 * parseCron("*\/15 9-17 * * MON-FRI").minutes // [0, 15, 30, 45]
 */
export function parseCron(expr: string): CronSpec {
  const source = expr.trim();
  const text = MACROS[source.toLowerCase()] ?? source;
  if (text.startsWith("@"))
    throw new CronError(`Unknown cron macro "${source}"; use one of ${Object.keys(MACROS).join(", ")}`);
  const parts = text.split(/\s+/).filter(Boolean);
  if (parts.length !== 5) {
    throw new CronError(
      `A cron expression has 5 fields (minute hour day-of-month month day-of-week), "${source}" has ${parts.length}`,
    );
  }
  const sets = parts.map((p, i) => parseField(p, FIELDS[i]!));
  const weekdays = [...new Set(sets[4]!.map((d) => d % 7))].sort((a, b) => a - b);
  const spec: CronSpec = {
    source,
    minutes: sets[0]!,
    hours: sets[1]!,
    days: sets[2]!,
    months: sets[3]!,
    weekdays,
    daysRestricted: parts[2] !== "*" && parts[2] !== "?",
    weekdaysRestricted: parts[4] !== "*" && parts[4] !== "?",
  };
  if (nextCronTimes(spec, new Date(Date.UTC(2000, 0, 1)), 1).length === 0) {
    throw new CronError(`"${source}" never fires (no such date)`, "day-of-month");
  }
  return spec;
}

function parseField(text: string, f: (typeof FIELDS)[number]): number[] {
  const out = new Set<number>();
  const value = (v: string): number => {
    const names = "names" in f ? f.names : undefined;
    const idx = names ? (names as readonly string[]).indexOf(v.toUpperCase()) : -1;
    if (idx >= 0) return idx + ("base" in f ? f.base : 0);
    if (!/^\d+$/.test(v)) throw new CronError(`Bad ${f.name} value "${v}" in "${text}"`, f.name);
    const n = Number(v);
    if (n < f.min || n > f.max) throw new CronError(`${f.name} ${n} is out of range ${f.min}-${f.max}`, f.name);
    return n;
  };
  for (const item of text.split(",")) {
    const m = /^([^/]+)(?:\/(\d+))?$/.exec(item);
    if (!m) throw new CronError(`Bad ${f.name} field "${text}"`, f.name);
    const step = m[2] === undefined ? 1 : Number(m[2]);
    if (step < 1) throw new CronError(`The ${f.name} step must be at least 1`, f.name);
    let lo: number;
    let hi: number;
    if (m[1] === "*" || m[1] === "?") {
      lo = f.min;
      hi = f.max;
    } else if (m[1]!.includes("-")) {
      const [a, b] = m[1]!.split("-");
      lo = value(a ?? "");
      hi = value(b ?? "");
      if (lo > hi) throw new CronError(`Bad ${f.name} range "${m[1]}": start after end`, f.name);
    } else {
      lo = value(m[1]!);
      hi = m[2] === undefined ? lo : f.max;
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return [...out].sort((a, b) => a - b);
}

/**
 * The next `n` times (UTC, whole minutes, strictly after `from`) an expression fires.
 *
 * @example
 * nextCronTimes("0 * * * *", new Date("2026-01-01T10:30:00Z"), 2) // [11:00Z, 12:00Z]
 */
export function nextCronTimes(expr: string | CronSpec, from: Date, n: number): Date[] {
  const spec = typeof expr === "string" ? parseCron(expr) : expr;
  const minutes = new Set(spec.minutes);
  const hours = new Set(spec.hours);
  const days = new Set(spec.days);
  const months = new Set(spec.months);
  const weekdays = new Set(spec.weekdays);
  const out: Date[] = [];
  const t = new Date(Math.floor(from.getTime() / 60_000) * 60_000 + 60_000);
  // Five years covers every satisfiable expression (Feb 29 on a given weekday repeats within 28 years
  // only for dom+dow combinations, which match with OR and so much sooner).
  const limit = from.getTime() + 5 * 366 * 86_400_000;
  while (out.length < n && t.getTime() <= limit) {
    if (!months.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0, 0);
      continue;
    }
    const dom = days.has(t.getUTCDate());
    const dow = weekdays.has(t.getUTCDay());
    const dayOk = spec.daysRestricted && spec.weekdaysRestricted ? dom || dow : spec.daysRestricted ? dom : dow;
    if (!dayOk) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!hours.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
      continue;
    }
    if (!minutes.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
      continue;
    }
    out.push(new Date(t.getTime()));
    t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
  }
  return out;
}
