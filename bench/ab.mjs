#!/usr/bin/env node
// `node bench/ab.mjs --a DIR [--b DIR] [--rounds 3] [--seconds 3] [--targets whoami,three] [--connections 16]`: same-run A/B of
// two executor builds on `acr serve`. A and B are folders holding cypher-executor/dist and .component-builds
// (B defaults to this checkout): copy a baseline build aside, rebuild, compare. Rounds alternate A B / B A, each
// on a fresh platform, so drifting machine load hits both sides alike; the medians are what to compare.
import { loadavg } from "node:os";
import { load } from "./lib/cannon.mjs";
import { deploy, WORKFLOWS } from "./lib/http-section.mjs";
import { createKey, root, startServe } from "./lib/platforms.mjs";
import { cpuMs } from "./lib/proc.mjs";

process.env.WRANGLER_SEND_METRICS = "false";
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const sides = { A: arg("a"), B: arg("b", root) };
if (!sides.A) throw new Error("--a DIR is required (a folder with cypher-executor/dist and .component-builds)");
const rounds = Number(arg("rounds", 3));
const seconds = Number(arg("seconds", 3));
const targets = arg("targets", "whoami,three").split(",");
const connections = Number(arg("connections", 16));
const BODY = { n: 21 };

/** One side on a fresh platform: CPU ms per 2xx answer and answers per second, per target. */
async function measureSide(dir) {
  const platform = await startServe({ root: dir });
  const out = {};
  try {
    const key = await createKey(platform);
    for (const t of targets) {
      const d =
        t === "whoami"
          ? { url: `${platform.url}/v1/whoami`, headers: { authorization: `Bearer ${key.apiKey}` }, method: "GET" }
          : { ...(await deploy(platform, key, WORKFLOWS[t])), method: "POST" };
      if (d.unavailable) throw new Error(`${t}: ${d.unavailable}`);
      const run = (connections, s) =>
        load({ url: d.url, body: BODY, method: d.method, headers: d.headers, connections, seconds: s });
      await run(8, 1);
      const cpu0 = cpuMs(platform.pid);
      const r = await run(connections, seconds);
      const cpu1 = cpuMs(platform.pid);
      if (r.errors > 0) throw new Error(`${t}: ${r.errors} errors`);
      out[t] = { cpuMs: (cpu1 - cpu0) / r.ok, perSec: r.execPerSec, p99: r.p99 };
    }
  } finally {
    await platform.dispose();
  }
  return out;
}

const results = { A: [], B: [] };
const load0 = loadavg();
for (let round = 0; round < rounds; round++) {
  for (const side of round % 2 === 0 ? ["A", "B"] : ["B", "A"]) {
    const r = await measureSide(sides[side]);
    results[side].push(r);
    const line = targets
      .map((t) => `${t} ${r[t].cpuMs.toFixed(3)} ms ${Math.round(r[t].perSec)}/s p99 ${r[t].p99} ms`)
      .join(", ");
    console.log(`round ${round + 1} ${side}: ${line}`);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (xs) => xs.map((x) => x.toFixed(2)).join(" / ");
console.log(
  `\nA = ${sides.A}\nB = ${sides.B}\n${rounds} rounds × ${seconds} s × ${connections} connections; load average ${fmt(load0)} → ${fmt(loadavg())}`,
);
console.log("| target | A CPU ms/exec | B CPU ms/exec | B/A | A exec/s | B exec/s | A p99 ms | B p99 ms |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const t of targets) {
  const a = median(results.A.map((r) => r[t].cpuMs));
  const b = median(results.B.map((r) => r[t].cpuMs));
  const ra = median(results.A.map((r) => r[t].perSec));
  const rb = median(results.B.map((r) => r[t].perSec));
  const pa = median(results.A.map((r) => r[t].p99));
  const pb = median(results.B.map((r) => r[t].p99));
  console.log(
    `| ${t} | ${a.toFixed(3)} | ${b.toFixed(3)} | ${(b / a).toFixed(2)} | ${Math.round(ra)} | ${Math.round(rb)} | ${pa} | ${pb} |`,
  );
}
