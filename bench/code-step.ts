// `code` step benchmark: one call of the `code` component (QuickJS in WASM, sliced through JSPI), measured
// INSIDE workerd by the runtime test worker like bench/component-call.ts: batches of calls timed together
// (workerd's clock is coarse), median / p99 over batch means, µs per call. The target: a trivial
// step < 50 µs.
//
// Run alone: npx tsx bench/code-step.ts [--quick]   (needs `npm run build -w registry` first)
// From the harness: runCodeStepBench({ quick }) → rows.
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { startRuntimeHarness } from "../cypher-executor/test/support/runtime-harness";

export interface CodeStepRow {
  case: string;
  calls: number;
  median_us: number;
  p99_us: number;
  target_us?: number;
  meets_target?: boolean;
}

const CASES: { case: string; input: unknown; target?: number }[] = [
  { case: "trivial: return input.n * 2", input: { code: "return input.n * 2", input: { n: 21 } }, target: 50 },
  {
    case: "small object: map 20 items",
    input: {
      code: "return { items: input.items.map((x) => ({ ...x, total: x.price * x.qty })) }",
      input: { items: Array.from({ length: 20 }, (_, i) => ({ id: i, price: i + 0.5, qty: 2 })) },
    },
  },
  {
    case: "compute: loop 10,000",
    input: { code: "let s = 0; for (let i = 0; i < 10000; i++) s += i % 7; return s", input: {} },
  },
  {
    case: "same body, other input each batch",
    input: { code: "return input.n * 2", input: { n: 22 } },
  },
];

/**
 * Runs the `code` step benchmark and returns one row per case.
 *
 * @example
 * const rows = await runCodeStepBench({ quick: true });
 */
export async function runCodeStepBench(opts: { quick?: boolean } = {}): Promise<CodeStepRow[]> {
  const batch = 200;
  const batches = opts.quick ? 6 : 20;
  const h = await startRuntimeHarness({ encryptionKey: randomBytes(32).toString("base64") });
  try {
    const url = (await h.mf.ready).toString();
    const run = async (c: (typeof CASES)[number], repeat: number) => {
      const res = await fetch(`${url}call/code`, {
        method: "POST",
        body: JSON.stringify({ input: c.input, keyHash: "e".repeat(64), repeat }),
      });
      const j = (await res.json()) as { total_us: number; outcome: { status: string } };
      if (j.outcome.status !== "succeeded") throw new Error(`code: ${JSON.stringify(j.outcome)}`);
      return j.total_us / repeat;
    };
    for (const c of CASES) for (let i = 0; i < 2; i++) await run(c, batch); // warm-up
    const means: number[][] = CASES.map(() => []);
    for (let round = 0; round < batches; round++) {
      for (const [i, c] of CASES.entries()) means[i]?.push(await run(c, batch));
    }
    return CASES.map((c, i) => {
      const m = (means[i] ?? []).sort((a, b) => a - b);
      const median = Math.round((m[Math.floor(m.length / 2)] ?? 0) * 10) / 10;
      const p99 = Math.round((m[Math.min(m.length - 1, Math.floor(m.length * 0.99))] ?? 0) * 10) / 10;
      return {
        case: c.case,
        calls: batch * batches,
        median_us: median,
        p99_us: p99,
        ...(c.target ? { target_us: c.target, meets_target: median <= c.target } : {}),
      };
    });
  } finally {
    await h.dispose();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.env.WRANGLER_SEND_METRICS = "false";
  console.table(await runCodeStepBench({ quick: process.argv.includes("--quick") }));
}
