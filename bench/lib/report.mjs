// Tables and the target ratios, from the rows of one run.
import { shown, verdict } from "./targets.mjs";

const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);
const fmt = (v, digits = 0) => (v === null || v === undefined ? "–" : Number(v).toFixed(digits));

/** Prints the HTTP rows as a fixed-width table (also fine in markdown code blocks). */
export function printRows(log, rows) {
  log("");
  log(
    `${pad("system", 28)} ${pad("target", 24)} ${lpad("conns", 5)} ${lpad("exec/s", 8)} ${lpad("p50 ms", 7)} ${lpad("p99 ms", 7)} ${lpad("errors", 6)} ${lpad("RSS MB", 6)} ${lpad("CPU ms/exec", 11)}`,
  );
  for (const r of rows) {
    const head = `${pad(r.system, 28)} ${pad(r.target, 24)}`;
    if (r.skipped) log(`${head} ${lpad("", 5)} skipped: ${r.skipped}`);
    else if (r.failed) log(`${head} ${lpad(r.connections, 5)} failed: ${r.failed}`);
    else
      log(
        `${head} ${lpad(r.connections, 5)} ${lpad(r.execPerSec, 8)} ${lpad(r.p50, 7)} ${lpad(r.p99, 7)} ${lpad(r.errors, 6)} ${lpad(r.rssMb, 6)} ${lpad(fmt(r.cpuMsPerExec, 3), 11)}`,
      );
  }
}

export function printKv(log, kv) {
  log("\nKV operations per successful execution (acr serve, counted at the bindings):");
  for (const [id, c] of Object.entries(kv ?? {})) {
    if (id === "idle_day")
      log(
        `  an idle day (scheduler only, ${c.ticks} ticks scaled to 1,440): ${c.reads} reads, ${c.writes} writes, ${c.deletes} deletes, ${c.lists} lists`,
      );
    else if (c.skipped) log(`  ${id}: skipped: ${c.skipped}`);
    else
      log(
        `  ${id}: ${fmt(c.reads, 2)} reads, ${fmt(c.writes, 2)} writes, ${fmt(c.deletes, 2)} deletes, ${fmt(c.lists, 2)} lists over ${c.executions} executions ${JSON.stringify(c.byNamespace)}`,
      );
  }
}

/** Prints both target lists: issue 18's, then round 1's that still hold meaning (targets.mjs). */
export function printTargets(log, lists, n8n) {
  const line = (x) => {
    const v = verdict(x);
    log(`  ${pad(x.target, 78)} ${shown(x)}${v === null ? "" : v === "met" ? "  met" : "  NOT met"}`);
  };
  log("\nTargets of issue 18 (same-run ratios; measured, never asserted; n/a = not measured in this run):");
  for (const x of lists.issue18 ?? []) line(x);
  log("\nRound 1 targets still printed (2026-11-25; issue 18 replaced its serve vs Node-RED ones):");
  for (const x of lists.round1 ?? []) line(x);
  log(`  n8n figure: ${n8n.setup}; ${n8n.source} (published, not a same-run comparison)`);
}

/** The run as markdown (rows, KV counts, targets), for docs/performance.md. */
export function markdown(results) {
  const http = results.sections.http ?? {};
  const out = [];
  out.push(
    `Run ${results.date}, ${results.quick ? "quick" : "full"}, ${results.durationSec ?? "?"} s; ${results.machine.cpu}, ${results.machine.cores} cores, ${results.machine.memGb} GB, Node ${results.machine.node}, workerd ${results.machine.workerd}; load average ${results.machine.loadavgAtStart.join(" / ")} at start, ${(results.machine.loadavgAtEnd ?? []).join(" / ")} at end.`,
    "",
  );
  out.push(
    "| system | target | conns | exec/s | p50 ms | p99 ms | errors | RSS MB | CPU ms/exec |",
    "|---|---|--:|--:|--:|--:|--:|--:|--:|",
  );
  for (const r of http.rows ?? []) {
    if (r.skipped || r.failed)
      out.push(
        `| ${r.system} | ${r.target} | ${r.connections ?? ""} | ${r.skipped ? `skipped: ${r.skipped}` : `failed: ${r.failed}`} | | | | | |`,
      );
    else
      out.push(
        `| ${r.system} | ${r.target} | ${r.connections} | ${r.execPerSec} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.rssMb} | ${fmt(r.cpuMsPerExec, 3)} |`,
      );
  }
  out.push(
    "",
    "| KV per successful execution (acr serve) | reads | writes | deletes | lists | by namespace |",
    "|---|--:|--:|--:|--:|---|",
  );
  for (const [id, c] of Object.entries(http.kv ?? {})) {
    if (id === "idle_day")
      out.push(`| an idle day (scheduler, per day) | ${c.reads} | ${c.writes} | ${c.deletes} | ${c.lists} | |`);
    else if (c.skipped) out.push(`| ${id} | skipped: ${c.skipped} | | | | |`);
    else
      out.push(
        `| ${id} | ${fmt(c.reads, 2)} | ${fmt(c.writes, 2)} | ${fmt(c.deletes, 2)} | ${fmt(c.lists, 2)} | \`${JSON.stringify(c.byNamespace)}\` |`,
      );
  }
  const extras = results.sections;
  const code = extras.codeStep?.result;
  if (Array.isArray(code)) {
    out.push("", "| `code` step (inside workerd) | calls | median µs | p99 µs |", "|---|--:|--:|--:|");
    for (const r of code) out.push(`| ${r.case} | ${r.calls} | ${r.median_us} | ${r.p99_us} |`);
  }
  const dev = extras.devStart;
  if (dev?.healthMs !== undefined)
    out.push(
      "",
      `\`acr dev\` start (median of ${dev.runs.length}, fresh state each): spawn → \`/health\` 200 in **${dev.healthMs} ms**, banner (seeded, ready) in ${dev.readyMs ?? "–"} ms; runs: ${dev.runs.map((r) => `${r.healthMs}/${r.readyMs ?? "–"}`).join(", ")} ms.`,
    );
  const soak = extras.soak;
  if (soak?.summary) {
    const s = soak.summary;
    out.push(
      "",
      `Soak: ${soak.plan.seconds} s, ${soak.plan.connections} connections, ${soak.plan.workflow}: ${soak.executions} executions, ${s.errors} errors, ${fmt(soak.cpuMsPerExec, 3)} CPU ms/exec; RSS mean window 2 ${s.baselineMb} MB, last window ${s.finalMb} MB, peak ${s.peakMb} MB.`,
      "",
      `- RSS MB every ${soak.plan.sampleEvery} s: ${s.rssSeries.join(" ")}`,
      `- exec/s per ${soak.plan.window} s window: ${s.execPerSec.join(" ")}`,
      `- p99 ms per window: ${s.p99.join(" ")}`,
    );
  } else if (soak) out.push("", `Soak: ${soak.skipped ?? soak.error ?? "not run"}`);
  const table = (title, list) => {
    out.push("", `| ${title} | measured | met? |`, "|---|--:|---|");
    for (const t of list ?? []) {
      const v = verdict(t);
      out.push(
        `| ${t.target.replace(/\|/g, "\\|")} | ${shown(t)} | ${v === null ? "" : v === "met" ? "yes" : "**no**"} |`,
      );
    }
  };
  table("target (issue 18)", extras.targets?.issue18);
  table("target (round 1, still printed)", extras.targets?.round1);
  return `${out.join("\n")}\n`;
}
