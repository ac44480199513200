// The `code` step's contract as seen from a workflow: one evaluation runs the body and serializes its
// result inside the sandbox (runtime/code/sandbox.ts), with the interpreter's own JSON captured before
// any step runs, so a step that patches globals still gets its result written (or a clear error); logs
// are cut at 16 KiB with a visible marker; errors carry the user's line and column.

import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RuntimeHarness, startRuntimeHarness } from "./support/runtime-harness";

let h: RuntimeHarness;

beforeAll(async () => {
  h = await startRuntimeHarness({ encryptionKey: randomBytes(32).toString("base64") });
});
afterAll(async () => {
  await h?.dispose();
});

type Outcome = {
  status: string;
  data?: unknown;
  error?: { code: string; message: string; details?: { position?: { line: number; column: number } } };
  logs?: string;
};

async function code(body: string, input: unknown = {}, limits?: Record<string, number>) {
  const { outcome } = await h.call("code", {
    input: { code: body, input },
    keyHash: "c".repeat(64),
    ...(limits ? { limits } : {}),
  });
  return outcome as Outcome;
}

const CUT = "… (logs cut at 16384 characters)";

describe("code step: result, errors and logs", () => {
  it("a step that patches or removes JSON still gets its result serialized", async () => {
    const patched = await code("JSON.stringify = () => { throw new Error('no') }; return { a: 1, b: [input.n] }", {
      n: 2,
    });
    expect(patched).toMatchObject({ status: "succeeded", data: { a: 1, b: [2] } });
    const removed = await code("globalThis.JSON = undefined; return [1, 'x']");
    expect(removed).toMatchObject({ status: "succeeded", data: [1, "x"] });
    // Its own calls see its patch.
    const own = await code("JSON.stringify = () => 'mine'; return JSON.stringify({})");
    expect(own).toMatchObject({ status: "succeeded", data: "mine" });
  });

  it("a patched JSON cannot make describing a thrown error run the step's code unsliced", async () => {
    // Before: the error was read with the step's own JSON.stringify, and the object it returned converted
    // by the host outside the interrupt handler: its looping toString froze the isolate for good.
    const t0 = Date.now();
    const r = await code(
      "JSON.stringify = () => ({ toString() { for (;;) {} } }); throw new Error('boom')",
      {},
      {
        timeout_ms: 200,
      },
    );
    expect(r.error?.code).toBe("CODE_USER_ERROR");
    expect(r.error?.message).toBe("Error: boom");
    expect(Date.now() - t0).toBeLessThan(5_000);
  }, 20_000);

  it("errors keep the user's line and column; a result that is not JSON is a contract error", async () => {
    const thrown = await code("const a = 1;\n  null.x");
    expect(thrown.error?.code).toBe("CODE_USER_ERROR");
    expect(thrown.error?.message).toMatch(/^TypeError: /);
    expect(thrown.error?.details?.position).toEqual({ line: 2, column: 7 });
    const toJson = await code("return { toJSON() { throw new Error('tj') } }");
    expect(toJson.error).toMatchObject({ code: "CODE_CONTRACT_ERROR", message: "The result is not JSON: Error: tj" });
    const cyclic = await code("const o = {}; o.o = o; return o");
    expect(cyclic.error?.code).toBe("CODE_CONTRACT_ERROR");
    const rejected = await code("return (async () => { throw new RangeError('late') })()");
    expect(rejected.error).toMatchObject({ code: "CODE_USER_ERROR", message: "RangeError: late" });
    const settled = await code("return Promise.resolve({ a: [1, 2] })");
    expect(settled).toMatchObject({ status: "succeeded", data: { a: [1, 2] } });
  });

  it("throw undefined or null says so, with no position (it has no stack to point into the user's lines)", async () => {
    for (const v of ["undefined", "null"]) {
      const r = await code(`const a = 1;\nthrow ${v}`);
      expect(r.error).toMatchObject({ code: "CODE_USER_ERROR", message: `Error: The code threw ${v}` });
      expect(r.error?.details?.position).toBeUndefined();
    }
  });

  it("logs are cut at 16 KiB with a marker, whole lines first", async () => {
    const many = await code("for (let i = 0; i < 1000; i++) console.log('line ' + i + ' ' + 'x'.repeat(60)); return 1");
    expect(many.status).toBe("succeeded");
    const logs = many.logs ?? "";
    expect(logs.length).toBeLessThanOrEqual(16 * 1024);
    expect(logs.endsWith(`\n${CUT}`)).toBe(true);
    expect(logs.startsWith("line 0 ")).toBe(true);
    const one = await code("console.log('y'.repeat(40000)); return 1");
    expect(one.logs?.length).toBeLessThanOrEqual(16 * 1024);
    expect(one.logs).toMatch(/^y{1000,}\n… \(logs cut at 16384 characters\)$/);
    const short = await code("console.log('a', { b: 1 }, [2]); return 1");
    expect(short.logs).toBe('a {"b":1} [2]');
  });
});
