import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "../support/platform";
import { reportFigures } from "./support/summary";

// The attack run sent 1,500 wrong keys at ~1,000/s and met no throttling. Now a client past its burst of
// wrong keys gets 429 with Retry-After, from memory (no KV lookup, no KV write), while keys that work pass.
let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(() => p?.dispose());

const who = (key: string, ip: string) =>
  fetch(`${p.url}/v1/whoami`, { headers: { authorization: `Bearer ${key}`, "cf-connecting-ip": ip } });

async function usersKvKeys(): Promise<string[]> {
  const kv = await p.platform.mf.getKVNamespace("USERS_KV");
  return (await kv.list()).keys.map((k) => k.name).sort();
}

describe("wrong-key throttling", () => {
  it("answers 429 with Retry-After after a burst of wrong keys; working keys and other clients pass", async () => {
    // The admin key works once, so it is known to this isolate before the flood.
    expect((await who(p.apiKey, "203.0.113.5")).status).toBe(200);
    const before = await usersKvKeys();
    const statuses: number[] = [];
    const retryAfter: string[] = [];
    const started = Date.now();
    for (let batch = 0; batch < 15; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) => who(`acr_wrong_${batch}_${i}_${"0".repeat(40)}`, "203.0.113.5")),
      );
      for (const a of answers) {
        statuses.push(a.status);
        if (a.status === 429) {
          retryAfter.push(a.headers.get("retry-after") ?? "");
          const body = (await a.json()) as { error: { code: string; message: string } };
          expect(body.error.code).toBe("TOO_MANY_WRONG_KEYS");
          expect(body.error.message).toMatch(/retry in \d+ s/);
        } else {
          await a.body?.cancel();
        }
      }
    }
    const elapsed = (Date.now() - started) / 1000;
    const refused = statuses.filter((s) => s === 429).length;
    const checked = statuses.filter((s) => s === 401).length;
    console.log(
      `wrong keys: ${statuses.length} tried in ${elapsed.toFixed(1)} s, ${checked} answered 401, ${refused} refused 429`,
    );
    reportFigures("wrong API keys from one client", {
      tried: statuses.length,
      refused: refused,
      serverErrors: statuses.filter((s) => s >= 500).length,
      breaches: statuses.filter((s) => s === 200).length,
      note: `${checked} checked (401), ${refused} throttled (429) in ${elapsed.toFixed(1)} s`,
    });
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    // The burst (20) plus what refilled at 1/s during the run.
    expect(checked).toBeLessThanOrEqual(20 + Math.ceil(elapsed) + 1);
    expect(refused).toBeGreaterThan(100);
    for (const r of retryAfter) expect(Number(r)).toBeGreaterThanOrEqual(1);

    // The throttled client's working key still works; so does the operator token.
    expect((await who(p.apiKey, "203.0.113.5")).status).toBe(200);
    const admin = await fetch(`${p.url}/v1/keys`, {
      headers: { authorization: `Bearer ${p.adminToken}`, "cf-connecting-ip": "203.0.113.5" },
    });
    expect(admin.status).toBe(200);
    // Another client is not throttled.
    expect((await who("acr_wrong_other_client", "198.51.100.7")).status).toBe(401);
    // No KV write per attempt: USERS_KV holds the same keys as before the flood.
    expect(await usersKvKeys()).toEqual(before);
  });
});
