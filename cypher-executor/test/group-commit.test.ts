// The group commit's rules, on its own (executions/group-commit/): what happens when a batch's sender is
// gone. In workerd a request whose client hung up stops running, so its flight may never land; later
// records must neither wait for it for long nor be lost. Runs the module in Node with a sender that
// records what it was given (the store itself is covered by cli/test/serve-group-commit.test.ts).
import { describe, expect, it } from "vitest";
import {
  type BulkPut,
  type BulkResult,
  FALLBACK_MS,
  groupCommitStats,
  groupPut,
} from "../src/executions/group-commit/index";

const put = (key: string): BulkPut => ({ key, value: `v-${key}` });

/** A sender whose calls answer when `land()` is called, or never; stores what it answers for. */
function store() {
  const stored = new Map<string, string>();
  const calls: { puts: BulkPut[]; land: () => void }[] = [];
  const send = (puts: BulkPut[]) =>
    new Promise<BulkResult[]>((resolve) => {
      calls.push({
        puts,
        land: () => {
          for (const p of puts) stored.set(p.key, p.value);
          resolve(puts.map(() => null));
        },
      });
    });
  return { stored, calls, send };
}

describe("group commit", () => {
  it("records written while a batch is in the air leave together when it lands, each answered after its own store", async () => {
    const s = store();
    const first = groupPut(s.send, put("a"));
    const later = [groupPut(s.send, put("b")), groupPut(s.send, put("c"))];
    await Promise.resolve();
    expect(s.calls.map((c) => c.puts.map((p) => p.key))).toEqual([["a"]]);
    let answered = 0;
    for (const p of later) void p.then(() => answered++);
    s.calls[0]!.land();
    await first;
    await new Promise((r) => setTimeout(r, 0));
    expect(s.calls.map((c) => c.puts.map((p) => p.key))).toEqual([["a"], ["b", "c"]]);
    expect(answered).toBe(0); // their batch has not landed yet
    s.calls[1]!.land();
    await Promise.all(later);
    expect([...s.stored.keys()]).toEqual(["a", "b", "c"]);
  });

  it("a flight that never lands (its sender's request is gone) holds later records for FALLBACK_MS at most; they store themselves", async () => {
    const s = store();
    void groupPut(s.send, put("lost")).catch(() => undefined); // never lands
    const started = Date.now();
    const before = groupCommitStats.fallbacks;
    const later = [groupPut(s.send, put("x")), groupPut(s.send, put("y"))];
    // Each falls back to its own call; answer those as they come.
    const lander = setInterval(() => {
      for (const c of s.calls.slice(1)) c.land();
    }, 20);
    try {
      await Promise.all(later);
    } finally {
      clearInterval(lander);
    }
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(FALLBACK_MS - 50);
    expect(waited).toBeLessThan(FALLBACK_MS + 1_500);
    expect(s.stored.get("x")).toBe("v-x");
    expect(s.stored.get("y")).toBe("v-y");
    expect(groupCommitStats.fallbacks - before).toBe(2);
    // Later records no longer queue behind the lost flight: the next one leaves at once.
    const next = groupPut(s.send, put("z"));
    await Promise.resolve();
    expect(s.calls.at(-1)!.puts.map((p) => p.key)).toEqual(["z"]);
    s.calls.at(-1)!.land();
    await next;
  }, 10_000);

  it("a failed batch: each member stores its record alone instead of failing", async () => {
    let failNext = true;
    const stored = new Set<string>();
    const send = async (puts: BulkPut[]): Promise<BulkResult[]> => {
      if (failNext) {
        failNext = false;
        throw new Error("store unreachable");
      }
      for (const p of puts) stored.add(p.key);
      return puts.map(() => null);
    };
    await groupPut(send, put("f1"));
    expect(stored.has("f1")).toBe(true);
  });

  it("a record the store refuses is refused to its caller, with the store's reason", async () => {
    const send = async (puts: BulkPut[]): Promise<BulkResult[]> =>
      puts.map(() => ({ status: 414, message: "key too long" }));
    await expect(groupPut(send, put("k"))).rejects.toThrow(/refused the record \(414\): key too long/);
  });
});
