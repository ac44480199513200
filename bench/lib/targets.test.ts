import { describe, expect, it } from "vitest";
import { markdown, printTargets } from "./report.mjs";
import { soakPlan, soakSummary } from "./soak.mjs";
import { issue18Targets, ROW, round1Targets, shown, trivialCodeStepUs, verdict } from "./targets.mjs";

// The target lists are computed from fixed rows here: one set of rows that meets every issue 18 target and
// one that misses every one, so a wrong ratio direction, a wrong row or a wrong comparison shows up.
type Row = { system: string; target: string; connections: number; [k: string]: unknown };
const row = (
  system: string,
  target: string,
  connections: number,
  execPerSec: number,
  p99: number,
  rss: number,
  cpu: number,
): Row => ({
  system,
  target,
  connections,
  execPerSec,
  p50: 1,
  p99,
  errors: 0,
  rssMb: rss,
  cpuMsPerExec: cpu,
});
const NR = "Node-RED 4.1.8";

function nodeRed(): Row[] {
  return [16, 64].flatMap((c) => [
    row(NR, ROW.nodeRedThree, c, 4000, 10, 200, 0.25),
    row(NR, ROW.nodeRedChain, c, 2500, 12, 220, 0.4),
  ]);
}

/** serve at `speed` x Node-RED's exec/s, `p99x` x its p99, `rssx` x its peak RSS; dev at `dev` of serve. */
function serve({ speed, p99x, rssx, dev }: { speed: number; p99x: number; rssx: number; dev: number }): Row[] {
  const rss = Math.round(220 * rssx);
  return [16, 64].flatMap((c) => [
    row(ROW.serve, ROW.whoami, c, 15000, Math.round(10 * p99x), rss - 10, 0.06),
    row(ROW.serve, ROW.three, c, 4000 * speed, Math.round(10 * p99x), rss, 0.25 / speed),
    row(ROW.serve, ROW.threeFailed, c, 8000, Math.round(10 * p99x), rss - 5, 0.13),
    row(ROW.serve, ROW.chain10, c, 2500 * speed, Math.round(12 * p99x), rss - 1, 0.4 / speed),
    row(ROW.dev, ROW.three, c, 4000 * speed * dev, 50, 900, 1),
  ]);
}

const byTarget = (list: { target: string }[], prefix: string) => list.filter((t) => t.target.startsWith(prefix));

describe("issue 18 targets", () => {
  const soakFlat = { ratio: 1.04, finalMb: 312, baselineMb: 300, peakMb: 320, execRatio: 0.98, errors: 0 };
  const soakGrowing = { ratio: 1.3, finalMb: 390, baselineMb: 300, peakMb: 400, execRatio: 0.1, errors: 35 };

  it("are all met by rows that meet them", () => {
    const rows = [...serve({ speed: 1.3, p99x: 1.5, rssx: 1.4, dev: 0.6 }), ...nodeRed()];
    const list = issue18Targets(rows, { codeStepUs: 42, devStart: { healthMs: 2100 }, soak: soakFlat });
    const judged = list.filter((t) => t.want !== null);
    expect(judged).toHaveLength(18); // 4 throughput + 8 p99 + 2 peak RSS + soak flat and load + dev vs serve + code step
    expect(judged.map((t) => [t.target, verdict(t)]).filter(([, v]) => v !== "met")).toEqual([]);
    const p99 = byTarget(list, "p99");
    expect(p99.map((t) => t.target)).toEqual([
      `p99 16 conns: serve ${ROW.whoami} ≤ 2x Node-RED ${ROW.nodeRedThree}`,
      `p99 16 conns: serve ${ROW.three} ≤ 2x Node-RED ${ROW.nodeRedThree}`,
      `p99 16 conns: serve ${ROW.threeFailed} ≤ 2x Node-RED ${ROW.nodeRedThree}`,
      `p99 16 conns: serve ${ROW.chain10} ≤ 2x Node-RED ${ROW.nodeRedChain}`,
      `p99 64 conns: serve ${ROW.whoami} ≤ 2x Node-RED ${ROW.nodeRedThree}`,
      `p99 64 conns: serve ${ROW.three} ≤ 2x Node-RED ${ROW.nodeRedThree}`,
      `p99 64 conns: serve ${ROW.threeFailed} ≤ 2x Node-RED ${ROW.nodeRedThree}`,
      `p99 64 conns: serve ${ROW.chain10} ≤ 2x Node-RED ${ROW.nodeRedChain}`,
    ]);
    expect(p99[3]?.detail).toBe("18 vs 12 ms");
    expect(list[0]?.got).toBeCloseTo(1.3);
    expect(list[1]?.got).toBeCloseTo(1.3); // per CPU-second: 0.25 / (0.25 / 1.3)
    const dev = list.find((t) => t.target.startsWith("acr dev start"));
    expect(dev?.got).toBe(2100);
    expect(verdict(dev as never)).toBeNull(); // a figure, no target
  });

  it("are all missed by rows that miss them, each for its own reason", () => {
    const rows = [...serve({ speed: 1.1, p99x: 2.5, rssx: 1.6, dev: 0.4 }), ...nodeRed()];
    const list = issue18Targets(rows, { codeStepUs: 50, devStart: { healthMs: 9000 }, soak: soakGrowing });
    const judged = list.filter((t) => t.want !== null);
    expect(judged.map((t) => [t.target, verdict(t)]).filter(([, v]) => v !== "not met")).toEqual([]);
    expect(list.find((t) => t.target.startsWith("peak RSS"))?.detail).toBe("352 vs 220 MB");
    expect(shown(list.find((t) => t.target.startsWith("trivial")) as never)).toBe("50.0 µs"); // < 50, not ≤
  });

  it("are n/a, not met or missed, where a row or a section is missing (a quick run)", () => {
    const rows = serve({ speed: 1.3, p99x: 1, rssx: 1, dev: 0.6 }).filter((r) => r.connections === 16);
    const list = issue18Targets(rows, {});
    // Only `acr dev` against serve is measured without Node-RED (both run in --quick).
    const measured = list.filter((t) => t.got !== null);
    expect(measured.map((t) => [t.target, verdict(t)])).toEqual([
      ["acr dev 3-node ≥ 50% of serve's (exec/s, 16 conns)", "met"],
    ]);
    const rest = list.filter((t) => t.got === null);
    expect(rest).toHaveLength(list.length - 1);
    expect(rest.every((t) => verdict(t) === null && shown(t) === "n/a")).toBe(true);
  });

  it("ignore failed and skipped rows, and count a 0 ms Node-RED p99 as 1 ms", () => {
    const rows = [
      ...serve({ speed: 1.3, p99x: 1, rssx: 1, dev: 0.6 }).map((r) =>
        r.target === ROW.three && r.system === ROW.serve && r.connections === 16 ? { ...r, failed: "boom" } : r,
      ),
      ...nodeRed().map((r) => (r.target === ROW.nodeRedThree ? { ...r, p99: 0 } : r)),
    ];
    const list = issue18Targets(rows, {});
    expect(list[0]?.got).toBeNull();
    const whoami16 = list.find(
      (t) => t.target === `p99 16 conns: serve ${ROW.whoami} ≤ 2x Node-RED ${ROW.nodeRedThree}`,
    );
    expect(whoami16?.got).toBe(10);
    expect(verdict(whoami16 as never)).toBe("not met");
  });
});

describe("round 1 targets and the code step figure", () => {
  it("judge like-for-like, ceiling, n8n and KV writes, in both directions", () => {
    const rows = [
      ...serve({ speed: 1, p99x: 1, rssx: 1, dev: 1 }),
      ...nodeRed(),
      row("bare worker, plain workerd", "bare JS worker", 16, 14000, 2, 330, 0.07),
    ];
    const good = round1Targets({ rows, kv: { three: { writes: 1 } } }, { execPerSec: 220 });
    expect(good.map((t) => verdict(t))).toEqual(["met", "met", "not met", "not met", "met", "met", "met"]);
    const bad = round1Targets({ rows, kv: { three: { writes: 3 } } }, { execPerSec: 1000 });
    expect(bad.slice(5).map((t) => verdict(t))).toEqual(["not met", "not met"]);
  });

  it("read the trivial case's median from code-step rows", () => {
    const rows = [
      { case: "trivial: return input.n * 2", calls: 1200, median_us: 41.5, p99_us: 60, target_us: 50 },
      { case: "compute: loop 10,000", calls: 1200, median_us: 590, p99_us: 735 },
    ];
    expect(trivialCodeStepUs(rows)).toBe(41.5);
    expect(trivialCodeStepUs([{ case: "Trivial step", median_us: 7 }])).toBe(7);
    expect(trivialCodeStepUs(undefined)).toBeNull();
  });

  it("print every target with its verdict, in the console and in markdown", () => {
    const rows = [...serve({ speed: 1.3, p99x: 1.5, rssx: 1.4, dev: 0.6 }), ...nodeRed()];
    const targets = {
      issue18: issue18Targets(rows, { codeStepUs: 60 }),
      round1: round1Targets({ rows, kv: {} }, { execPerSec: 220 }),
    };
    const lines: string[] = [];
    printTargets((s: string) => lines.push(s), targets, { execPerSec: 220, setup: "s", source: "u" });
    const text = lines.join("\n");
    expect(text).toMatch(/3-node, history kept.*1\.30x {2}met/);
    expect(text).toMatch(/trivial `code` step.*60\.0 µs {2}NOT met/);
    expect(text).toMatch(/soak.*n\/a$/m);
    const md = markdown({
      date: "d",
      quick: false,
      machine: { cpu: "c", cores: 2, memGb: 1, node: "v", workerd: "w", loadavgAtStart: [1] },
      sections: { http: { rows, kv: {} }, targets },
    });
    expect(md).toContain("| target (issue 18) | measured | met? |");
    expect(md).toMatch(/\| trivial `code` step < 50 µs \(median, inside workerd\) \| 60\.0 µs \| \*\*no\*\* \|/);
  });
});

describe("soak summary", () => {
  const windows = [0, 1, 2, 3].map((i) => ({
    start: i * 60,
    end: (i + 1) * 60,
    execPerSec: 3000 - i,
    p99: 40,
    errors: i,
  }));
  const samples = (f: (t: number) => number) => Array.from({ length: 25 }, (_, i) => ({ t: i * 10, rssMb: f(i * 10) }));

  it("compares the last window's mean RSS with window 2's (window 1 is the warm-up)", () => {
    // Warm-up climbs to 300 MB, then flat at 300-310: within 10%.
    const flat = soakSummary({ samples: samples((t) => (t < 60 ? 100 + t * 3 : 300 + (t % 20) / 2)), windows });
    expect(flat.baselineMb).toBe(303); // (300 + 305) / 2, rounded
    expect(flat.ratio).toBeGreaterThan(0.99);
    expect(flat.ratio).toBeLessThan(1.1);
    expect(flat.execPerSec).toEqual([3000, 2999, 2998, 2997]);
    expect(flat.errors).toBe(6);
    expect(flat.execRatio).toBeCloseTo(2997 / 2999);
    expect(flat.rssSeries).toHaveLength(25);
    // Grows by 5 MB every 10 s: last window 402.5 MB against 342.5 in window 2 (+17.5%).
    const growing = soakSummary({ samples: samples((t) => 300 + t / 2), windows });
    expect(growing.ratio).toBeGreaterThan(1.1);
    expect(growing.ratio).toBeCloseTo(402.5 / 342.5);
    expect(growing.peakMb).toBe(420);
  });

  it("has no ratio with fewer than three windows", () => {
    expect(soakSummary({ samples: samples(() => 1), windows: windows.slice(0, 2) }).ratio).toBeNull();
  });

  it("plans minute windows for the full soak, thirds for a short one", () => {
    expect(soakPlan(600)).toEqual({ seconds: 600, window: 60, sampleEvery: 10 });
    expect(soakPlan(30)).toEqual({ seconds: 30, window: 10, sampleEvery: 1 });
  });
});
