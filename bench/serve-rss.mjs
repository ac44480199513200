#!/usr/bin/env node
// `node bench/serve-rss.mjs [seconds] [--shipped] [--workflow three|three_failed|chain10]`: where `acr serve`'s resident memory goes. Starts serve three ways
// (as shipped; without the component workers; without the component workers and the console) and prints,
// for each: the isolates workerd runs (one per worker service, counted through its inspector), the sum of
// their V8 heaps, and the process RSS idle and after a 16-connection load of the 3-node workflow
// (history kept). Anonymous vs file-backed memory comes from /proc/{pid}/smaps_rollup.
import { readFileSync } from "node:fs";
import { load } from "./lib/cannon.mjs";
import { deploy, WORKFLOWS } from "./lib/http-section.mjs";
import { heapUsage } from "./lib/inspector.mjs";
import { createKey, freePort, startServe } from "./lib/platforms.mjs";
import { rssMb, sampleRss } from "./lib/proc.mjs";

const args = process.argv.slice(2);
const wfAt = args.indexOf("--workflow");
const workflow = wfAt >= 0 ? args.splice(wfAt, 2)[1] : "three";
// `--shipped`: only serve as shipped (no variants).
const only = args.includes("--shipped");
const seconds = Number(args.find((a) => /^\d+$/.test(a)) ?? 10);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mb = (b) => Math.round(b / 2 ** 20);

/** Drops the component workers (and their CMP_* bindings); `console: true` drops the console too. */
function without({ console: noConsole }) {
  return (config) => {
    const drop = (name) =>
      (name.startsWith("arcrun-") && name !== "arcrun-cypher-executor") || (noConsole && name === "serve:console");
    const services = config.services.filter((s) => !drop(s.name));
    for (const s of services) {
      if (s.worker?.bindings) s.worker.bindings = s.worker.bindings.filter((b) => !b.service || !drop(b.service.name));
    }
    return { ...config, services };
  };
}

/** V8 heap of every isolate, through workerd's inspector (one target per worker service). */
async function heaps(port) {
  const all = await heapUsage(port);
  const sum = (k) => mb(all.reduce((n, h) => n + h[k], 0));
  const byTitle = all.map((h) => ({ title: h.title, usedMb: mb(h.used), totalMb: mb(h.total) }));
  return { isolates: all.length, usedMb: sum("used"), totalMb: sum("total"), byTitle };
}

function smaps(pid) {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0);
  return { anonMb: Math.round(kb("Anonymous") / 1024), fileMb: Math.round((kb("Rss") - kb("Anonymous")) / 1024) };
}

async function variant(label, transformConfig) {
  const inspectorPort = await freePort();
  const p = await startServe({ transformConfig, inspectorAddress: `127.0.0.1:${inspectorPort}` });
  try {
    await sleep(2000);
    const idle = { rssMb: Math.round(rssMb(p.pid)), ...smaps(p.pid), ...(await heaps(inspectorPort)) };
    const key = await createKey(p);
    const d = await deploy(p, key, WORKFLOWS[workflow]);
    if (d.unavailable) throw new Error(d.unavailable);
    const rss = sampleRss(p.pid);
    const r = await load({ url: d.url, body: { n: 21 }, headers: d.headers, connections: 16, seconds });
    const peak = Math.round(rss.stop());
    await sleep(1000);
    const after = { rssMb: Math.round(rssMb(p.pid)), ...smaps(p.pid), ...(await heaps(inspectorPort)) };
    const threads = /Threads:\s+(\d+)/.exec(readFileSync(`/proc/${p.pid}/status`, "utf8"))?.[1];
    console.log(`\n## ${label} (${workflow}; workerd threads: ${threads})`);
    console.log(
      `idle:  ${idle.isolates} isolates, V8 heaps ${idle.usedMb} MB used / ${idle.totalMb} MB reserved; RSS ${idle.rssMb} MB (anonymous ${idle.anonMb}, file-backed ${idle.fileMb})`,
    );
    console.log(
      `load:  ${workflow}, 16 connections × ${seconds} s: ${Math.round(r.execPerSec)} exec/s, ${r.ok} executions; peak RSS ${peak} MB`,
    );
    console.log(
      `after: V8 heaps ${after.usedMb} MB used / ${after.totalMb} MB reserved; RSS ${after.rssMb} MB (anonymous ${after.anonMb}, file-backed ${after.fileMb})`,
    );
    const top = after.byTitle.sort((a, b) => b.totalMb - a.totalMb).slice(0, 4);
    console.log(`largest heaps after: ${top.map((h) => `${h.title} ${h.usedMb}/${h.totalMb} MB`).join("; ")}`);
    return { label, idle: { ...idle, byTitle: undefined }, peak, after: { ...after, byTitle: undefined } };
  } finally {
    await p.dispose();
  }
}

process.env.WRANGLER_SEND_METRICS = "false";
await variant("acr serve as shipped", undefined);
if (!only) {
  await variant("without the component workers", without({ console: false }));
  await variant("without the component workers and the console", without({ console: true }));
}
process.exit(0);
