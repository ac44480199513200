// The cron component must agree with the engine's own cron (trigger.cron): same expressions, same next times.
// Runs the real wasm in workerd and compares with cypher-executor/src/workflow/cron.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nextCronTimes } from "../../../cypher-executor/src/workflow/cron";
import { startTestPlatform, type TestPlatform } from "../../../cypher-executor/test/support/platform";

const EXPRESSIONS = [
  "*/15 9-17 * * MON-FRI",
  "0 0 1 * *",
  "5 4 * * sun",
  "23 0-20/2 * * *",
  "0 0,12 1 */2 *",
  "0 9 1-7 * 1",
  "30 8 * JAN-MAR SAT,SUN",
  "@weekly",
  "15 14 1 * *",
  "0 0 * * 7",
  "*/7 */5 10-20/3 * 2-4",
  "0 0 29 2 *",
];
const FROMS = ["2026-01-01T00:00:00Z", "2026-02-28T23:59:30Z", "2027-12-31T23:59:00Z", "2024-02-28T12:00:00Z"];

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(() => p?.dispose());

describe("cron agrees with the engine's trigger.cron", () => {
  const rows = EXPRESSIONS.flatMap((e) => FROMS.map((f) => [e, f] as const));
  it.each(rows)("%s after %s", async (expr, from) => {
    const res = await p.call("POST", "/v1/components/cron/call", { input: { cron_expr: expr, from, count: 6 } });
    const body = (await res.json()) as { status: string; data: { next: string[] } };
    expect(body.status).toBe("succeeded");
    const engine = nextCronTimes(expr, new Date(from), 6).map((d) => d.toISOString());
    // The component looks nine years ahead, the engine five: the engine's list is a prefix of the component's.
    expect(body.data.next.slice(0, engine.length)).toEqual(engine);
    expect(body.data.next.length).toBeGreaterThanOrEqual(engine.length);
  });
});
