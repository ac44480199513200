// The bench's target lists, computed from the rows of one run (no timed assertions: each target is a
// same-run ratio or figure, marked met / not met). Two lists:
// - issue 18 (performance round 2): what the default path (history kept) must reach against Node-RED, p99,
//   memory, `acr dev`, the `code` step, and the soak's RSS;
// - round 1 (2026-11-25, the first bench): the targets of the first performance round that issue 18 did not
//   replace (like-for-like history: failed against Node-RED, the bare-worker ceiling, n8n's published figure,
//   KV writes). Superseded ones (serve 3-node >= 1.5x Node-RED, chain >= 1x) are gone: issue 18 sets them.

/** Labels of the HTTP rows (http-section.mjs writes these; tests build rows with the same labels). */
export const ROW = {
  serve: "acr serve",
  dev: "acr dev",
  bare: "bare worker, plain workerd",
  whoami: "GET /v1/whoami",
  three: "3-node webhook workflow",
  chain10: "10-node set chain",
  threeFailed: "3-node, history: failed",
  nodeRedThree: "3-node flow",
  nodeRedChain: "10 function chain",
};

const isNodeRed = (r) => r.system.startsWith("Node-RED");
const ok = (r) => r && !r.failed && !r.skipped;

function pick(rows, system, target, connections = 16) {
  return rows.find((r) => r.system === system && r.target === target && r.connections === connections && ok(r));
}

function pickNodeRed(rows, target, connections = 16) {
  return rows.find((r) => isNodeRed(r) && r.target === target && r.connections === connections && ok(r));
}

/** a's executions per second over b's. */
const ratio = (a, b) => (a && b && b.execPerSec > 0 ? a.execPerSec / b.execPerSec : null);
/** a's executions per CPU-second over b's (b's CPU per execution over a's). */
const cpuRatio = (a, b) => (a?.cpuMsPerExec && b?.cpuMsPerExec ? b.cpuMsPerExec / a.cpuMsPerExec : null);

/** Largest peak RSS over the rows of one system (each system runs as one process through all its rows). */
function peakRss(rows, match) {
  const xs = rows.filter((r) => ok(r) && match(r) && typeof r.rssMb === "number").map((r) => r.rssMb);
  return xs.length ? Math.max(...xs) : null;
}

/**
 * "met", "not met", or null (not measured in this run, or a figure without a target).
 *
 * @example
 * verdict({ got: 1.3, want: 1.2, op: ">=" }); // "met"
 */
export function verdict(t) {
  if (t.got === null || t.got === undefined || t.want === null || t.want === undefined) return null;
  const met = t.op === "<" ? t.got < t.want : t.op === "<=" ? t.got <= t.want : t.got >= t.want;
  return met ? "met" : "not met";
}

/** The `code` step's trivial case from bench/code-step.ts rows (the row carrying a target, else "trivial…"). */
export function trivialCodeStepUs(rows) {
  if (!Array.isArray(rows)) return null;
  const row = rows.find((r) => r.target_us !== undefined) ?? rows.find((r) => /^trivial/i.test(String(r.case)));
  return typeof row?.median_us === "number" ? row.median_us : null;
}

/**
 * Issue 18's targets, from the HTTP rows plus the figures of the other sections.
 * `extra.codeStepUs`: median µs of a trivial `code` step; `extra.devStart`: `{ healthMs }` of `acr dev`;
 * `extra.soak`: `soakSummary(...)` of the soak section.
 *
 * @example
 * const list = issue18Targets(http.rows, { codeStepUs: 42, devStart: { healthMs: 2100 }, soak });
 * list.map(verdict);
 */
export function issue18Targets(rows, extra = {}) {
  const serve3 = pick(rows, ROW.serve, ROW.three);
  const serve10 = pick(rows, ROW.serve, ROW.chain10);
  const dev3 = pick(rows, ROW.dev, ROW.three);
  const nr3 = pickNodeRed(rows, ROW.nodeRedThree);
  const nr10 = pickNodeRed(rows, ROW.nodeRedChain);
  const out = [
    {
      target: "3-node, history kept, on serve ≥ 1.2x Node-RED 3-node (exec/s, 16 conns)",
      got: ratio(serve3, nr3),
      want: 1.2,
      op: ">=",
      unit: "x",
    },
    {
      target: "same, per CPU-second",
      got: cpuRatio(serve3, nr3),
      want: 1.2,
      op: ">=",
      unit: "x",
    },
    {
      target: "10-node chain on serve ≥ 1.2x Node-RED 10-function chain (exec/s, 16 conns)",
      got: ratio(serve10, nr10),
      want: 1.2,
      op: ">=",
      unit: "x",
    },
    { target: "same, per CPU-second", got: cpuRatio(serve10, nr10), want: 1.2, op: ">=", unit: "x" },
  ];
  // p99: every arcrun row on serve against Node-RED's p99 at the same connection count. The chain is held
  // to Node-RED's chain, the rest to its 3-node flow. autocannon reports whole ms: a 0 ms p99 counts as 1.
  for (const connections of [16, 64]) {
    for (const target of [ROW.whoami, ROW.three, ROW.threeFailed, ROW.chain10]) {
      const row = pick(rows, ROW.serve, target, connections);
      const peerTarget = target === ROW.chain10 ? ROW.nodeRedChain : ROW.nodeRedThree;
      const peer = pickNodeRed(rows, peerTarget, connections);
      const got = row && peer ? row.p99 / Math.max(peer.p99, 1) : null;
      out.push({
        target: `p99 ${connections} conns: serve ${target} ≤ 2x Node-RED ${peerTarget}`,
        got,
        want: 2,
        op: "<=",
        unit: "x",
        detail: row && peer ? `${row.p99} vs ${peer.p99} ms` : undefined,
      });
    }
  }
  const serveRss = peakRss(rows, (r) => r.system === ROW.serve);
  const nrRss = peakRss(rows, isNodeRed);
  out.push(
    {
      target: "peak RSS of serve ≤ 1.5x Node-RED's",
      got: serveRss !== null && nrRss ? serveRss / nrRss : null,
      want: 1.5,
      op: "<=",
      unit: "x",
      detail: serveRss !== null && nrRss ? `${serveRss} vs ${nrRss} MB` : undefined,
    },
    {
      // The soak is a separate, longer serve process: its peak is held to the same bound.
      target: "same, serve's peak over the soak",
      got: extra.soak?.peakMb && nrRss ? extra.soak.peakMb / nrRss : null,
      want: 1.5,
      op: "<=",
      unit: "x",
      detail: extra.soak?.peakMb && nrRss ? `${extra.soak.peakMb} vs ${nrRss} MB` : undefined,
    },
    {
      target: "serve's RSS flat over the soak (last window ≤ 1.1x window 2)",
      got: extra.soak?.ratio ?? null,
      want: 1.1,
      op: "<=",
      unit: "x",
      detail: extra.soak?.ratio ? `${extra.soak.finalMb} vs ${extra.soak.baselineMb} MB` : undefined,
    },
    {
      // Not an issue 18 target: the bench's check that the soak's RSS verdict was taken under load.
      target: "soak held its load: last window's exec/s ≥ 0.9x window 2's (bench's check)",
      got: extra.soak?.execRatio ?? null,
      want: 0.9,
      op: ">=",
      unit: "x",
      detail: extra.soak?.execRatio != null ? `${extra.soak.errors} errors in the soak` : undefined,
    },
    {
      target: "acr dev 3-node ≥ 50% of serve's (exec/s, 16 conns)",
      got: ratio(dev3, serve3),
      want: 0.5,
      op: ">=",
      unit: "x",
    },
    {
      target: "trivial `code` step < 50 µs (median, inside workerd)",
      got: extra.codeStepUs ?? null,
      want: 50,
      op: "<",
      unit: "µs",
    },
    {
      target: "acr dev start: spawn → /health answers (figure, no target)",
      got: extra.devStart?.healthMs ?? null,
      want: null,
      unit: "ms",
    },
  );
  return out;
}

/** Round 1's targets that still say something (see the file's head), at 16 connections. */
export function round1Targets(http, n8n) {
  const rows = http.rows ?? [];
  const serve3 = pick(rows, ROW.serve, ROW.three);
  const serve3f = pick(rows, ROW.serve, ROW.threeFailed);
  const bare = pick(rows, ROW.bare, "bare JS worker");
  const nr3 = pickNodeRed(rows, ROW.nodeRedThree);
  return [
    {
      target: "history: failed (no record, like Node-RED) ≥ 1.5x Node-RED 3-node",
      want: 1.5,
      got: ratio(serve3f, nr3),
    },
    { target: "same, per CPU-second", want: 1.5, got: cpuRatio(serve3f, nr3) },
    { target: "3-node on serve ≥ 50% of bare plain-JS workerd", want: 0.5, got: ratio(serve3, bare) },
    { target: "same, per CPU-second", want: 0.5, got: cpuRatio(serve3, bare) },
    { target: "history: failed ≥ 50% of bare plain-JS workerd", want: 0.5, got: ratio(serve3f, bare) },
    {
      target: `3-node on serve ≥ 10x n8n published (${n8n.execPerSec}/s; not same-run)`,
      want: 10,
      got: serve3 ? serve3.execPerSec / n8n.execPerSec : null,
    },
    { target: "KV writes per successful execution ≤ 2", want: 2, got: http.kv?.three?.writes ?? null, op: "<=" },
  ].map((t) => ({ op: ">=", unit: t.target.startsWith("KV") ? "" : "x", ...t }));
}

/** A target's measured value as printed: ratios with 2 decimals and "x", µs with 1, ms whole. */
export function shown(t) {
  if (t.got === null || t.got === undefined) return "n/a";
  const digits = t.unit === "ms" ? 0 : t.unit === "µs" ? 1 : 2;
  const unit = t.unit === "x" ? "x" : t.unit ? ` ${t.unit}` : "";
  return `${Number(t.got).toFixed(digits)}${unit}${t.detail ? ` (${t.detail})` : ""}`;
}
