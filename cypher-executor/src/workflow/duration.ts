/**
 * Durations in workflow files: `500ms`, `2s`, `5m`, `1h`, `1d`, or a bare number of milliseconds.
 */
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses a duration into milliseconds; throws a `RangeError` naming the accepted forms.
 *
 * @example
 * parseDuration("500ms") // 500
 * parseDuration("2s")    // 2000
 * parseDuration(250)     // 250
 */
export function parseDuration(text: string | number): number {
  if (typeof text === "number") {
    if (Number.isFinite(text) && text >= 0) return Math.round(text);
    throw new RangeError(`Bad duration ${text}: must be a non-negative number of milliseconds`);
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(text);
  if (!m) throw new RangeError(`Bad duration "${text}": use e.g. 500ms, 2s, 5m, 1h, 1d or a number of milliseconds`);
  return Math.round(Number(m[1]) * UNITS[(m[2] ?? "ms").toLowerCase()]!);
}
