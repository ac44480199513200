// The soak: `acr serve`, the 3-node workflow with history kept (every execution recorded), 16 connections
// for `seconds` (default 600). Load runs in windows of one minute (a third of the soak when it is shorter
// than three minutes): one autocannon run per window gives exec/s per window. RSS of workerd is sampled every
// 10 s (soak/60 when shorter). Flat means: the mean RSS of the last window is within 10% above the mean of
// window 2 (window 1 is the warm-up: isolates, caches and pools fill there).
import { fileURLToPath } from "node:url";
import { load } from "./cannon.mjs";
import { deploy, WORKFLOWS } from "./http-section.mjs";
import { createKey, startServe } from "./platforms.mjs";
import { cpuMs, rssMb } from "./proc.mjs";

/** Window and sampling lengths (s) for a soak of `seconds`. */
export function soakPlan(seconds) {
  const window = Math.min(60, seconds / 3);
  return { seconds, window, sampleEvery: Math.min(10, Math.max(1, seconds / 60)) };
}

const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/**
 * Summarises a soak: RSS samples `{ t, rssMb }` (t in s from the start) and the load windows
 * `{ start, end, execPerSec, p99, errors }`. `ratio` = mean RSS in the last window / mean RSS in window 2.
 *
 * @example
 * soakSummary({ samples: [{ t: 5, rssMb: 100 }, { t: 15, rssMb: 120 }, { t: 25, rssMb: 121 }],
 *   windows: [{ start: 0, end: 10 }, { start: 10, end: 20 }, { start: 20, end: 30 }] }).ratio; // ≈ 1.008
 */
export function soakSummary({ samples, windows }) {
  const inWindow = (w) => samples.filter((s) => s.t >= w.start && s.t < w.end && s.rssMb !== null).map((s) => s.rssMb);
  const base = windows.length >= 2 ? mean(inWindow(windows[1])) : null;
  const last = windows.length >= 3 ? mean(inWindow(windows[windows.length - 1])) : null;
  const rss = samples.map((s) => s.rssMb).filter((x) => x !== null);
  const round = (x) => (x === null ? null : Math.round(x));
  // A flat RSS says little if the load did not hold: the last window's throughput against window 2's.
  const w2 = windows.length >= 3 ? windows[1].execPerSec : null;
  const wl = windows.length >= 3 ? windows[windows.length - 1].execPerSec : null;
  return {
    baselineMb: round(base),
    finalMb: round(last),
    ratio: base && last ? last / base : null,
    execRatio: w2 && wl !== null ? wl / w2 : null,
    peakMb: rss.length ? Math.round(Math.max(...rss)) : null,
    rssSeries: rss.map(Math.round),
    execPerSec: windows.map((w) => Math.round(w.execPerSec ?? 0)),
    p99: windows.map((w) => w.p99 ?? null),
    errors: windows.reduce((a, w) => a + (w.errors ?? 0), 0),
  };
}

/** Runs the soak on a fresh `acr serve`; returns the plan, the raw series and `soakSummary`. */
export async function runSoak({ seconds = 600, connections = 16, log = () => undefined } = {}) {
  const plan = soakPlan(seconds);
  const platform = await startServe();
  const samples = [];
  const windows = [];
  let timer;
  try {
    const key = await createKey(platform);
    const d = await deploy(platform, key, WORKFLOWS.three);
    if (d.unavailable) return { skipped: d.unavailable };
    const t0 = performance.now();
    const now = () => (performance.now() - t0) / 1000;
    const sample = () => samples.push({ t: now(), rssMb: rssMb(platform.pid) });
    sample();
    timer = setInterval(sample, plan.sampleEvery * 1000);
    const cpu0 = cpuMs(platform.pid);
    let ok = 0;
    while (now() < seconds - 0.5) {
      const start = now();
      const length = Math.max(1, Math.round(Math.min(plan.window, seconds - start)));
      const r = await load({ url: d.url, body: { n: 21 }, headers: d.headers, connections, seconds: length });
      ok += r.ok;
      windows.push({ start, end: now(), execPerSec: r.execPerSec, p99: r.p99, errors: r.errors });
      log(
        `    window ${windows.length}: ${Math.round(r.execPerSec)} exec/s, p99 ${r.p99} ms, RSS ${Math.round(rssMb(platform.pid) ?? 0)} MB`,
      );
    }
    sample();
    const cpu1 = cpuMs(platform.pid);
    const summary = soakSummary({ samples, windows });
    return {
      plan: { ...plan, connections, workflow: "3-node webhook workflow, history kept" },
      executions: ok,
      cpuMsPerExec: cpu0 !== null && cpu1 !== null && ok > 0 ? (cpu1 - cpu0) / ok : null,
      samples: samples.map((s) => ({ t: Math.round(s.t), rssMb: s.rssMb === null ? null : Math.round(s.rssMb) })),
      windows,
      summary,
    };
  } finally {
    clearInterval(timer);
    await platform.dispose();
  }
}

/** Prints a soak compactly: the RSS series on one line, exec/s per window on another. */
export function printSoak(log, soak) {
  if (!soak || soak.skipped || soak.error) {
    log(`  soak: ${soak?.skipped ?? soak?.error ?? "not run"}`);
    return;
  }
  const s = soak.summary;
  const p = soak.plan;
  log(
    `  ${p.seconds} s at ${p.connections} connections, ${p.workflow}: ${soak.executions} executions, ${s.errors} errors, CPU ${soak.cpuMsPerExec?.toFixed(3) ?? "–"} ms/exec`,
  );
  log(`  RSS MB every ${p.sampleEvery} s: ${s.rssSeries.join(" ")}`);
  log(`  exec/s per ${p.window} s window: ${s.execPerSec.join(" ")}`);
  log(`  p99 ms per window: ${s.p99.join(" ")}`);
  log(
    `  RSS window 2 mean ${s.baselineMb ?? "–"} MB, last window mean ${s.finalMb ?? "–"} MB, peak ${s.peakMb ?? "–"} MB`,
  );
}

// Alone: `node bench/lib/soak.mjs [seconds]` (default 600) runs only the soak.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.env.WRANGLER_SEND_METRICS = "false";
  const soak = await runSoak({ seconds: Number(process.argv[2] ?? 600), log: console.log });
  printSoak(console.log, soak);
  process.exit(0);
}
