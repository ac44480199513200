// Component-call benchmark: one call of a component (a pooled instance restored from its snapshot,
// or with the pool off a fresh instance), measured INSIDE workerd by the
// test runtime worker (cypher-executor/test/support/runtime-worker.ts), which loops the calls.
// workerd's clock is coarse (1 ms) and only advances across I/O, so calls are timed in batches:
// a row's median / p99 are over batch means (µs per call, 1,000 calls a batch), not over single calls.
//
// Run alone: npx tsx bench/component-call.ts [--quick]   (needs `npm run build -w registry` first)
// From the harness: runComponentBench({ quick }) → rows.
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { startRuntimeHarness } from "../cypher-executor/test/support/runtime-harness";

export interface ComponentBenchRow {
  case: string;
  component: string;
  calls: number;
  median_us: number;
  p99_us: number;
  target_us?: number;
  meets_target?: boolean;
}

const KEY_HASH = "c".repeat(64);

const CASES: {
  case: string;
  component: string;
  input: unknown;
  target?: number;
  jspi?: boolean;
  reuse?: boolean;
  restore?: boolean;
}[] = [
  { case: "trivial (set, no host imports: sync, no JSPI)", component: "set", input: { values: { a: 1 } }, target: 10 },
  {
    case: "same, fresh instance per call (pool off)",
    component: "set",
    input: { values: { a: 1 } },
    reuse: false,
    target: 60,
  },
  { case: "restore alone: set's memory + globals to snapshot", component: "set", input: null, restore: true },
  {
    case: "same, forced through JSPI (Suspending/promising)",
    component: "set",
    input: { values: { a: 1 } },
    jspi: true,
  },
  { case: "trivial, probe echo (imports host fns: JSPI)", component: "probe", input: { op: "echo" } },
  { case: "same, JSPI forced off", component: "probe", input: { op: "echo" }, jspi: false },
  {
    case: "one local KV read (probe kv_get)",
    component: "probe",
    input: { op: "kv_get", key: "oauth2:bench" },
    target: 400,
  },
  { case: "compute, fuel-instrumented (probe work n=2000)", component: "probe", input: { op: "work", n: 2000 } },
  {
    case: "compute, no fuel (same wasm re-emitted without checks)",
    component: "probe_nofuel",
    input: { op: "work", n: 2000 },
  },
];

/**
 * Runs the component benchmark and returns one row per case.
 *
 * @example
 * const rows = await runComponentBench({ quick: true });
 */
export async function runComponentBench(opts: { quick?: boolean } = {}): Promise<ComponentBenchRow[]> {
  const batch = 1000; // workerd's clock ticks in 1 ms: 1,000 calls per reading → 1 µs resolution
  const batches = opts.quick ? 8 : 40;
  const h = await startRuntimeHarness({ encryptionKey: randomBytes(32).toString("base64") });
  try {
    await (await h.mf.getKVNamespace("CREDENTIALS_KV")).put(`${KEY_HASH}:oauth2:bench`, "token");
    const url = (await h.mf.ready).toString();
    const run = async (c: (typeof CASES)[number], repeat: number) => {
      if (c.restore) {
        const res = await fetch(`${url}restore/${c.component}`, { method: "POST", body: String(repeat * 10) });
        if (!res.ok) throw new Error(`restore ${c.component}: ${await res.text()}`);
        return ((await res.json()) as { total_us: number }).total_us / (repeat * 10);
      }
      const res = await fetch(`${url}call/${c.component}`, {
        method: "POST",
        body: JSON.stringify({ input: c.input, keyHash: KEY_HASH, repeat, jspi: c.jspi, reuse: c.reuse }),
      });
      const j = (await res.json()) as { total_us: number; outcome: { status: string } };
      if (j.outcome.status !== "succeeded") throw new Error(`${c.component}: ${JSON.stringify(j.outcome)}`);
      return j.total_us / repeat;
    };
    for (const c of CASES) for (let i = 0; i < 3; i++) await run(c, batch); // warm-up: JIT tiers, KV cache
    // Rounds interleave the cases, so a load swing on the shared machine hits every row alike.
    const means: number[][] = CASES.map(() => []);
    for (let round = 0; round < batches; round++) {
      for (const [i, c] of CASES.entries()) means[i]?.push(await run(c, batch));
    }
    const rows: ComponentBenchRow[] = CASES.map((c, i) => {
      const m = (means[i] ?? []).sort((a, b) => a - b);
      // One decimal: pooled calls and restores are a few µs.
      const median = Math.round((m[Math.floor(m.length / 2)] ?? 0) * 10) / 10;
      const p99 = Math.round((m[Math.min(m.length - 1, Math.floor(m.length * 0.99))] ?? 0) * 10) / 10;
      return {
        case: c.case,
        component: c.component,
        calls: batch * batches,
        median_us: median,
        p99_us: p99,
        ...(c.target ? { target_us: c.target, meets_target: median <= c.target } : {}),
      };
    });
    return rows;
  } finally {
    await h.dispose();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.env.WRANGLER_SEND_METRICS = "false";
  const rows = await runComponentBench({ quick: process.argv.includes("--quick") });
  console.table(rows);
}
