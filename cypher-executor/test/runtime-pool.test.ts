// Instance reuse (lib/instance-pool.ts), seen from inside the sandbox: the test component `residue`
// (registry/testdata/components/residue) counts calls in a global and in static memory, keeps the
// last secret on its heap, and scans its whole linear memory for a secret it is shown only XOR-ed.
// Every reuse must look exactly like a fresh instance, across calls and across tenants.

import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RuntimeHarness, startRuntimeHarness } from "./support/runtime-harness";

const A = "a".repeat(64);
const B = "b".repeat(64);
let h: RuntimeHarness;

beforeAll(async () => {
  h = await startRuntimeHarness({ encryptionKey: randomBytes(32).toString("base64") });
});
afterAll(async () => {
  await h?.dispose();
});

/** The secret's bytes XOR 0x5A, in hex: what `residue` searches for without ever holding the secret. */
function xorHex(secret: string): string {
  return [...Buffer.from(secret, "utf8")].map((b) => (b ^ 0x5a).toString(16).padStart(2, "0")).join("");
}

async function residue(input: Record<string, unknown>, opts: { keyHash?: string; jspi?: boolean } = {}) {
  const { outcome } = await h.call("residue", { input, keyHash: opts.keyHash ?? A, jspi: opts.jspi });
  expect(outcome.status, JSON.stringify(outcome)).toBe("succeeded");
  return (outcome as { data: { calls: number; cell: number; kept_length: number; found?: boolean } }).data as {
    calls: number;
    cell: number;
    kept_length: number;
    found?: boolean;
    kept_own?: boolean;
    others_seen?: number;
  };
}

describe.each([
  ["the JSPI bridge", true],
  ["the plain bridge", false],
])("a reused instance on %s", (_label, jspi) => {
  it("starts from the snapshot: globals, static memory and heap as after instantiation", async () => {
    const secret = `pool-secret-${randomBytes(6).toString("hex")}`;
    await residue({ op: "scan", needle_x: "00" }, { jspi }); // warm: one free instance of this kind
    const before = await h.stats();
    const first = await residue({ op: "remember", secret }, { jspi });
    const second = await residue({ op: "scan", needle_x: xorHex(secret) }, { jspi });
    const after = await h.stats();

    // Both calls ran on the one pooled instance (no instantiation), restored twice.
    expect(after.instantiated - before.instantiated).toBe(0);
    expect(after.reused - before.reused).toBe(2);
    expect(after.restored - before.restored).toBe(2);
    expect(first).toMatchObject({ calls: 1, cell: 1, kept_length: 0 });
    expect(second).toEqual({ calls: 1, cell: 1, kept_length: 0, found: false });
  });

  it("the scan itself finds a secret that is in memory (control)", async () => {
    const secret = `control-${randomBytes(6).toString("hex")}`;
    const data = await residue({ op: "remember_scan", secret, needle_x: xorHex(secret) }, { jspi });
    expect(data).toMatchObject({ calls: 1, kept_length: 0, found: true });
  });
});

describe("instance reuse across tenants and failures", () => {
  it("a tenant never sees what another tenant's call left in a reused instance", async () => {
    const secret = `tenant-a-${randomBytes(6).toString("hex")}`;
    await residue({ op: "remember", secret }, { keyHash: A });
    const before = await h.stats();
    const seen = await residue({ op: "scan", needle_x: xorHex(secret) }, { keyHash: B });
    const after = await h.stats();
    expect(after.reused - before.reused).toBe(1);
    expect(seen).toEqual({ calls: 1, cell: 1, kept_length: 0, found: false });
  });

  it("concurrent calls suspended in host calls never see each other, then or after reuse", async () => {
    // Two waves of 12 calls, each holding its own secret across a kv_get (JSPI suspends it, so the
    // calls interleave on different instances); the second wave runs on instances the first left.
    const wave = async (tag: string) => {
      const secrets = Array.from({ length: 12 }, (_, i) => `${tag}-${i}-${randomBytes(6).toString("hex")}`);
      return Promise.all(
        secrets.map((secret, i) =>
          residue(
            { op: "hold", secret, others_x: secrets.filter((_, j) => j !== i).map(xorHex) },
            { keyHash: i % 2 ? A : B },
          ),
        ),
      );
    };
    const first = await wave("w1");
    const before = await h.stats();
    const second = await wave("w2");
    const after = await h.stats();
    for (const r of [...first, ...second]) {
      expect(r).toMatchObject({ calls: 1, cell: 1, kept_length: 0, kept_own: true, others_seen: 0 });
    }
    expect(after.reused - before.reused).toBeGreaterThan(0);
  });

  it("an instance that trapped is dropped, and the next call still works", async () => {
    const before = await h.stats();
    const trap = await h.call("probe", { input: { op: "trap" }, keyHash: A });
    expect(trap.outcome.status).toBe("failed");
    const mid = await h.stats();
    expect(mid.discarded - before.discarded).toBe(1);
    expect(mid.restored - before.restored).toBe(0);
    const echo = await h.call("probe", { input: { op: "echo", n: 2 }, keyHash: A });
    expect(echo.outcome).toMatchObject({ status: "succeeded", data: { op: "echo", n: 2 } });
  });

  it("an instance whose memory grew is dropped (it cannot shrink back to the snapshot)", async () => {
    const before = await h.stats();
    const big = await h.call("probe", { input: { op: "work", n: 50_000 }, keyHash: A });
    expect(big.outcome).toMatchObject({ status: "succeeded", data: { count: 50_000 } });
    const after = await h.stats();
    expect(after.discarded - before.discarded).toBe(1);
    expect(after.restored - before.restored).toBe(0);
  });

  it("reuse: false instantiates every call afresh (the benchmarks' baseline)", async () => {
    const before = await h.stats();
    for (let i = 0; i < 3; i++) {
      const { outcome } = await h.call("residue", { input: { op: "scan" }, keyHash: A, reuse: false });
      expect(outcome).toMatchObject({ status: "succeeded", data: { calls: 1 } });
    }
    const after = await h.stats();
    expect(after.instantiated - before.instantiated).toBe(3);
    expect(after.reused - before.reused).toBe(0);
  });
});

// The tests run in Node, where modules compile from bytes; the Workers types (rightly) declare that abstract.
const NodeModule = WebAssembly.Module as unknown as new (bytes: Uint8Array) => WebAssembly.Module;

describe("the shipped components", () => {
  it("are all built reusable (no start function, no data.drop, __u6u_reset present)", () => {
    // A build change that silently turned pooling off would cost ~5x per step and fail no other test.
    const dir = join(__dirname, "..", "..", ".component-builds");
    const built = readdirSync(dir).filter((n) => existsSync(join(dir, n, `${n}.wasm`)));
    expect(built.length).toBeGreaterThanOrEqual(19);
    for (const name of built) {
      const exports = WebAssembly.Module.exports(new NodeModule(readFileSync(join(dir, name, `${name}.wasm`))));
      const names = exports.map((e) => e.name);
      expect(names, name).toContain("__u6u_reusable");
      expect(names, name).toContain("__u6u_reset");
    }
  });
});
