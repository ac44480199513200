import { describe, expect, it } from "vitest";
import { nextCronTimes, parseCron, parseDuration } from "../src/workflow/index";

const iso = (ds: Date[]) => ds.map((d) => d.toISOString().slice(0, 16));

describe("parseCron", () => {
  it("parses lists, ranges, steps and names", () => {
    const c = parseCron("*/15 9-17/4 1,15 JAN-MAR mon-fri");
    expect(c.minutes).toEqual([0, 15, 30, 45]);
    expect(c.hours).toEqual([9, 13, 17]);
    expect(c.days).toEqual([1, 15]);
    expect(c.months).toEqual([1, 2, 3]);
    expect(c.weekdays).toEqual([1, 2, 3, 4, 5]);
  });

  it("treats 7 as Sunday and accepts macros", () => {
    expect(parseCron("0 0 * * 7").weekdays).toEqual([0]);
    expect(parseCron("@hourly").minutes).toEqual([0]);
    expect(parseCron("@daily").hours).toEqual([0]);
  });

  const bad: Array<[string, RegExp]> = [
    ["* * * *", /5 fields/],
    ["* * * * * *", /5 fields/],
    ["61 * * * *", /minute 61 is out of range 0-59/],
    ["* 24 * * *", /hour 24/],
    ["* * 0 * *", /day-of-month 0/],
    ["* * * 13 *", /month 13/],
    ["* * * FOO *", /Bad month value "FOO"/],
    ["*/0 * * * *", /step must be at least 1/],
    ["5-1 * * * *", /start after end/],
    ["0 0 30 2 *", /never fires/],
    ["@sometimes", /Unknown cron macro/],
  ];
  for (const [expr, msg] of bad) {
    it(`rejects "${expr}"`, () => expect(() => parseCron(expr)).toThrow(msg));
  }
});

describe("nextCronTimes", () => {
  const from = new Date("2026-03-14T10:07:30Z"); // a Saturday

  it("steps within the hour", () => {
    expect(iso(nextCronTimes("*/15 * * * *", from, 3))).toEqual([
      "2026-03-14T10:15",
      "2026-03-14T10:30",
      "2026-03-14T10:45",
    ]);
  });

  it("is strictly after `from`", () => {
    expect(iso(nextCronTimes("7 10 * * *", new Date("2026-03-14T10:07:00Z"), 1))).toEqual(["2026-03-15T10:07"]);
  });

  it("skips to the next matching weekday", () => {
    expect(iso(nextCronTimes("0 9 * * MON-FRI", from, 2))).toEqual(["2026-03-16T09:00", "2026-03-17T09:00"]);
  });

  it("ORs day-of-month and day-of-week when both are restricted", () => {
    expect(iso(nextCronTimes("0 0 20 * SUN", from, 3))).toEqual([
      "2026-03-15T00:00",
      "2026-03-20T00:00",
      "2026-03-22T00:00",
    ]);
  });

  it("crosses months and years, and finds Feb 29", () => {
    expect(iso(nextCronTimes("0 0 1 * *", from, 2))).toEqual(["2026-04-01T00:00", "2026-05-01T00:00"]);
    expect(iso(nextCronTimes("30 12 29 2 *", from, 1))).toEqual(["2028-02-29T12:30"]);
  });
});

describe("parseDuration", () => {
  const ok: Array<[string | number, number]> = [
    ["500ms", 500],
    ["2s", 2000],
    ["1.5s", 1500],
    ["5m", 300_000],
    ["1h", 3_600_000],
    ["1d", 86_400_000],
    ["250", 250],
    [750, 750],
    [" 3 S ", 3000],
  ];
  for (const [text, ms] of ok) it(`${JSON.stringify(text)} → ${ms} ms`, () => expect(parseDuration(text)).toBe(ms));
  for (const text of ["", "soon", "5 parsecs", "-1s", "1w", "ms"]) {
    it(`rejects ${JSON.stringify(text)}`, () => expect(() => parseDuration(text)).toThrow(/Bad duration/));
  }
  it("rejects negative numbers", () => expect(() => parseDuration(-5)).toThrow(/non-negative/));
});
