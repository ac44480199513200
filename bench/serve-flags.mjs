#!/usr/bin/env node
// `node bench/serve-flags.mjs SECONDS ROUNDS LABEL=FLAGS...` (e.g. `40 2 shipped= small=--max-semi-space-size=8`):
// same-run A/B of V8 flag sets on `acr serve`. Each variant runs on a fresh serve with `v8Flags` replaced by its
// comma-separated FLAGS (empty: serve's own config); the order is reversed every other round so drifting machine
// load hits all variants alike. Prints peak and final RSS, exec/s, CPU ms per execution and p99 per run, then medians.
// The 3-node workflow with history kept at 16 connections unless WF / CONNS say otherwise.
import { loadavg } from "node:os";
import { load } from "./lib/cannon.mjs";
import { deploy, WORKFLOWS } from "./lib/http-section.mjs";
import { createKey, startServe } from "./lib/platforms.mjs";
import { cpuMs, rssMb, sampleRss } from "./lib/proc.mjs";

process.env.WRANGLER_SEND_METRICS = "false";
const [seconds, rounds, ...specs] = process.argv.slice(2);
if (!seconds || !rounds || specs.length === 0) {
  console.error("usage: node bench/serve-flags.mjs SECONDS ROUNDS LABEL=FLAG,FLAG [LABEL=…]");
  process.exit(2);
}
const workflow = process.env.WF ?? "three";
const connections = Number(process.env.CONNS ?? 16);
const variants = specs.map((spec) => {
  const at = spec.indexOf("=");
  const flags = at < 0 ? "" : spec.slice(at + 1);
  return { label: at < 0 ? spec : spec.slice(0, at), flags: flags ? flags.split(",") : null };
});
const results = Object.fromEntries(variants.map((v) => [v.label, []]));
const width = Math.max(...variants.map((v) => v.label.length));

for (let r = 0; r < Number(rounds); r++) {
  for (const v of r % 2 ? [...variants].reverse() : variants) {
    const p = await startServe({ transformConfig: v.flags ? (c) => ({ ...c, v8Flags: v.flags }) : undefined });
    try {
      const d = await deploy(p, await createKey(p), WORKFLOWS[workflow]);
      const rss = sampleRss(p.pid);
      const cpu0 = cpuMs(p.pid);
      const res = await load({
        url: d.url,
        body: { n: 21 },
        headers: d.headers,
        connections,
        seconds: Number(seconds),
      });
      const row = {
        peak: Math.round(rss.stop()),
        end: Math.round(rssMb(p.pid)),
        eps: Math.round(res.execPerSec),
        cpu: Number(((cpuMs(p.pid) - cpu0) / res.ok).toFixed(3)),
        p99: res.p99,
      };
      results[v.label].push(row);
      console.log(
        `round ${r + 1} ${v.label.padEnd(width)} peak ${row.peak} MB, end ${row.end} MB | ${row.eps} exec/s, ${row.cpu} CPU ms/exec, p99 ${row.p99} ms, errors ${res.errors} | load ${loadavg()[0].toFixed(1)}`,
      );
    } finally {
      await p.dispose();
    }
  }
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
for (const [label, rows] of Object.entries(results)) {
  const m = (k) => Number(median(rows.map((row) => row[k])).toFixed(3));
  console.log(
    `median ${label.padEnd(width)} peak ${m("peak")} MB, ${m("eps")} exec/s, ${m("cpu")} CPU ms/exec, p99 ${m("p99")} ms`,
  );
}
process.exit(0);
