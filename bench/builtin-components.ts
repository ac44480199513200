// Built-in component benchmark: one representative call of each library component (string_ops,
// number_ops, …), instantiate + run, measured INSIDE workerd by the runtime harness like
// bench/component-call.ts (batches of calls, median/p99 over batch means, µs per call), plus the
// wasm size. Feeds the table in docs/components.md.
//
// Run: npx tsx bench/builtin-components.ts [--quick]   (needs `npm run build -w registry` first)
import { randomBytes } from "node:crypto";
import { statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startRuntimeHarness } from "../cypher-executor/test/support/runtime-harness";

const KEY_HASH = "d".repeat(64);
const root = join(fileURLToPath(import.meta.url), "..", "..");

/** Inputs that do real work for each component (not the error paths). */
const CASES: { component: string; input: unknown }[] = [
  // The trivial component, as the baseline of instantiate + run.
  { component: "set", input: { values: { a: 1 } } },
  {
    component: "string_ops",
    input: {
      op: "replace",
      value: "2024-01-05 and 2025-12-31",
      pattern: "(\\d+)-(\\d+)-(\\d+)",
      flags: "g",
      replacement: "$3/$2/$1",
    },
  },
  { component: "number_ops", input: { op: "round", value: 1234.5678, decimals: 2 } },
  {
    component: "array_ops",
    input: { op: "sort", key: "n", items: Array.from({ length: 50 }, (_, i) => ({ n: (i * 37) % 50 })) },
  },
  {
    component: "filter",
    input: {
      items: Array.from({ length: 50 }, (_, i) => ({ id: i, total: i * 10, status: i % 2 ? "paid" : "open" })),
      condition: {
        and: [
          { field: "status", op: "eq", value: "paid" },
          { field: "total", op: ">=", value: 100 },
        ],
      },
    },
  },
  {
    component: "merge",
    input: {
      inputs: [
        { a: 1, o: { x: 1 } },
        { b: 2, o: { y: 2 } },
      ],
      deep: true,
    },
  },
  { component: "if_control", input: { input: { total: 150 }, condition: { field: "total", op: ">", value: 100 } } },
  {
    component: "switch",
    input: {
      value: "DE",
      cases: [
        { match: ["US", "CA"], branch: "america" },
        { match: ["FR", "DE"], branch: "europe" },
      ],
    },
  },
  { component: "try_catch", input: { error: { code: "HTTP_ERROR", message: "503" }, fallback: [] } },
  { component: "foreach_control", input: { items: Array.from({ length: 100 }, (_, i) => i), batch_size: 10 } },
  { component: "cron", input: { cron_expr: "*/15 9-17 * * MON-FRI", from: "2026-11-27T17:40:00Z", count: 5 } },
  {
    component: "platform_crypto",
    input: { op: "hmac", key: "Jefe", value: "what do ya want for nothing?".repeat(10) },
  },
];

export interface BuiltinBenchRow {
  component: string;
  wasm_kb: number;
  median_us: number;
  p99_us: number;
  calls: number;
}

/**
 * @example
 * const rows = await runBuiltinBench({ quick: true });
 */
export async function runBuiltinBench(opts: { quick?: boolean } = {}): Promise<BuiltinBenchRow[]> {
  // 100 calls per batch: workerd's 1 ms clock then resolves 10 µs per call.
  const batch = 100;
  const batches = opts.quick ? 5 : 20;
  const h = await startRuntimeHarness({ encryptionKey: randomBytes(32).toString("base64") });
  try {
    const url = (await h.mf.ready).toString();
    const rows: BuiltinBenchRow[] = [];
    for (const c of CASES) {
      const run = async (repeat: number) => {
        const res = await fetch(`${url}call/${c.component}`, {
          method: "POST",
          body: JSON.stringify({ input: c.input, keyHash: KEY_HASH, repeat, batch: true }),
        });
        const j = (await res.json()) as { total_us: number; outcome: { status: string } };
        if (j.outcome.status !== "succeeded") throw new Error(`${c.component}: ${JSON.stringify(j.outcome)}`);
        return j.total_us / repeat;
      };
      for (let i = 0; i < 3; i++) await run(batch);
      const means: number[] = [];
      for (let i = 0; i < batches; i++) means.push(await run(batch));
      means.sort((a, b) => a - b);
      const wasm = join(root, ".component-builds", c.component, `${c.component}.wasm`);
      rows.push({
        component: c.component,
        wasm_kb: Math.round(statSync(wasm).size / 102.4) / 10,
        median_us: Math.round(means[Math.floor(means.length / 2)] ?? 0),
        p99_us: Math.round(means[Math.min(means.length - 1, Math.floor(means.length * 0.99))] ?? 0),
        calls: batch * batches,
      });
    }
    return rows;
  } finally {
    await h.dispose();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.env.WRANGLER_SEND_METRICS = "false";
  console.table(await runBuiltinBench({ quick: process.argv.includes("--quick") }));
}
