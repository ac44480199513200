// `code` steps share pooled QuickJS instances whose memory is written back to a snapshot after each step
// (runtime/code/snapshot.ts). Seen from inside the sandbox, every step must find a fresh context: nothing
// a previous step (same tenant or another) set, patched, declared or queued; and the previous step's
// data must not be anywhere in the instance's linear memory.

import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RuntimeHarness, startRuntimeHarness } from "./support/runtime-harness";

const A = "a".repeat(64);
const B = "b".repeat(64);
let h: RuntimeHarness;
let url: string;

beforeAll(async () => {
  h = await startRuntimeHarness({ encryptionKey: randomBytes(32).toString("base64") });
  url = (await h.mf.ready).toString();
});
afterAll(async () => {
  await h?.dispose();
});

async function code(body: string, input: unknown, keyHash = A) {
  const { outcome } = await h.call("code", { input: { code: body, input }, keyHash });
  return outcome as { status: string; data?: unknown; error?: { code: string; message: string }; logs?: string };
}

async function stats() {
  return (await (await fetch(`${url}code-stats`)).json()) as { created: number; reused: number; restores: number };
}

async function scan(strings: string[]) {
  return (await (await fetch(`${url}code-scan`, { method: "POST", body: JSON.stringify(strings) })).json()) as {
    interpreters: number;
    found: boolean[];
  };
}

// Everything a step can leave in a context it keeps: globals, patched intrinsics, a global lexical
// binding (indirect eval), a queued promise job, a log line, a frozen prototype.
const POLLUTE = `
globalThis.leak = input.secret;
Object.prototype.polluted = input.secret;
Array.prototype.push = function () { return "hijacked"; };
JSON.parse = () => ({ hijacked: true });
(0, eval)("var evalVar = " + JSON.stringify(input.secret) + "; let lexLeak = " + JSON.stringify(input.secret));
Promise.resolve().then(() => { globalThis.late = input.secret; });
console.log("secret is", input.secret);
Object.freeze(Math);
return "polluted";`;

const OBSERVE = `
const a = [];
a.push(1);
let lex = "none";
try { lex = lexLeak; } catch (e) { lex = "none"; }
return {
  leak: typeof leak, g: globalThis.leak === undefined, late: globalThis.late === undefined,
  proto: ({}).polluted === undefined, push: a.length, json: JSON.parse('{"x":1}'), input, lex,
  evalVar: typeof evalVar, mathFrozen: Object.isFrozen(Math),
  keys: Object.keys(globalThis).filter((k) => k !== "console"),
};`;

describe("code steps on pooled, snapshotted QuickJS instances", () => {
  it("a step finds nothing of the previous one, of the same tenant or another", async () => {
    const secret = `s3cr3t-${randomBytes(12).toString("hex")}`;
    for (const keyHash of [A, B]) {
      const polluted = await code(POLLUTE, { secret }, A);
      expect(polluted.status, JSON.stringify(polluted)).toBe("succeeded");
      const seen = await code(OBSERVE, {}, keyHash);
      expect(seen.status, JSON.stringify(seen)).toBe("succeeded");
      expect(seen.data).toEqual({
        leak: "undefined",
        g: true,
        late: true,
        proto: true,
        push: 1,
        json: { x: 1 },
        input: {},
        lex: "none",
        evalVar: "undefined",
        mathFrozen: false,
        keys: [],
      });
      expect(seen.logs ?? "").not.toContain(secret);
    }
    const s = await stats();
    // The steps above ran on reused instances (restored), not on fresh ones.
    expect(s.reused).toBeGreaterThanOrEqual(3);
    expect(s.restores).toBeGreaterThanOrEqual(4);
  }, 60_000);

  it("the previous step's data is nowhere in the instance's memory (the scan finds what is there)", async () => {
    const secret = `residue-${randomBytes(12).toString("hex")}`;
    const kept = await code(
      "globalThis.keep = [input.secret, input.secret + input.secret]; return input.secret.length",
      { secret },
    );
    expect(kept.status).toBe("succeeded");
    const after = await scan([secret, "globalThis"]);
    expect(after.interpreters).toBeGreaterThan(0);
    // "globalThis" is an atom of every context: the control that the scan reads the right memory.
    expect(after.found).toEqual([false, true]);
  }, 60_000);

  it("data above a large all-zero allocation is wiped too (the heap is cleared up to the allocator's break)", async () => {
    const secret = `beyond-${randomBytes(12).toString("hex")}`;
    // 1 MiB of zeros first, then the secret above it: a page scan that stops at the first 64 KiB of zeros
    // would never reach it.
    const kept = await code(
      "const zeros = new Uint8Array(1024 * 1024); globalThis.keep = [zeros, (input.secret + ' ').repeat(4000)]; return zeros.length",
      { secret },
    );
    expect(kept.status, JSON.stringify(kept)).toBe("succeeded");
    expect((await scan([secret, "globalThis"])).found).toEqual([false, true]);
  }, 60_000);

  it("a step that fails, throws or times out leaves nothing either", async () => {
    const secret = `thrown-${randomBytes(8).toString("hex")}`;
    const failed = await code("globalThis.x = input.secret; throw new Error(input.secret)", { secret });
    expect(failed.error?.code).toBe("CODE_USER_ERROR");
    const timedOut = await code("globalThis.y = input.secret; for (;;) {}", { secret });
    expect(timedOut.error?.code).toBe("CODE_TIMEOUT");
    const seen = await code("return [typeof x, typeof y, 6 * 7]", {});
    expect(seen.data).toEqual(["undefined", "undefined", 42]);
    expect((await scan([secret])).found).toEqual([false]);
  }, 60_000);
});
