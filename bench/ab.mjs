#!/usr/bin/env node
// `node bench/ab.mjs --a DIR [--b DIR] [--rounds 3] [--seconds 3] [--targets whoami,three] [--connections 1,16,64]`:
// same-run A/B of two builds on `acr serve`. A and B are folders holding cypher-executor/dist and .component-builds
// (B defaults to this checkout): copy a baseline build aside, rebuild, compare. A folder that also holds cli/dist
// (and cli/package.json, with node_modules reachable from it, e.g. a symlink) runs its own `acr serve` too, so
// changes to serve's KV service are compared as well. Rounds alternate A B / B A, each on a fresh platform, so
// drifting machine load hits both sides alike; the medians are what to compare.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { load } from "./lib/cannon.mjs";
import { deploy, WORKFLOWS } from "./lib/http-section.mjs";
import { createKey, root, startServe } from "./lib/platforms.mjs";
import { cpuMs } from "./lib/proc.mjs";

process.env.WRANGLER_SEND_METRICS = "false";
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
// Optional further variants: --c DIR, --d DIR (same measurement, more columns).
const sides = { A: arg("a"), B: arg("b", root) };
for (const extra of ["c", "d"]) if (arg(extra)) sides[extra.toUpperCase()] = arg(extra);
const names = Object.keys(sides);
if (!sides.A) throw new Error("--a DIR is required (a folder with cypher-executor/dist and .component-builds)");
const rounds = Number(arg("rounds", 3));
const seconds = Number(arg("seconds", 3));
const targets = arg("targets", "whoami,three").split(",");
const connectionCounts = String(arg("connections", 16)).split(",").map(Number);
const BODY = { n: 21 };
/** Result keys: the target, with the connection count when more than one is measured. */
const cases = targets.flatMap((t) =>
  connectionCounts.map((c) => ({ t, c, name: connectionCounts.length > 1 ? `${t}@${c}` : t })),
);

/** `acr serve` of the side's own CLI build when the folder has one, else this checkout's. */
async function startSide(dir) {
  const own = (path) => join(dir, "cli", "dist", "platform", path);
  if (dir === root || !existsSync(own("serve/index.js"))) return startServe({ root: dir });
  const { startServePlatform } = await import(pathToFileURL(own("serve/index.js")).href);
  const { loadOrCreateSecrets } = await import(pathToFileURL(own("secrets.js")).href);
  const state = mkdtempSync(join(tmpdir(), "arcrun-ab-"));
  const secrets = loadOrCreateSecrets(join(state, "secrets.json"));
  const p = await startServePlatform({ stateDir: state, secrets, address: "127.0.0.1:0", root: dir });
  const dispose = async () => {
    await p.dispose();
    rmSync(state, { recursive: true, force: true });
  };
  return { url: p.url, pid: p.pid, adminToken: secrets.adminToken, dispose };
}

/** One side on a fresh platform: CPU ms per 2xx answer and answers per second, per target and connection count. */
async function measureSide(dir) {
  const platform = await startSide(dir);
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
      for (const { c, name } of cases.filter((x) => x.t === t)) {
        const cpu0 = cpuMs(platform.pid);
        const r = await run(c, seconds);
        const cpu1 = cpuMs(platform.pid);
        if (r.errors > 0) throw new Error(`${name}: ${r.errors} errors`);
        out[name] = { cpuMs: (cpu1 - cpu0) / r.ok, perSec: r.execPerSec, p99: r.p99 };
      }
    }
  } finally {
    await platform.dispose();
  }
  return out;
}

const results = Object.fromEntries(names.map((n) => [n, []]));
const load0 = loadavg();
for (let round = 0; round < rounds; round++) {
  for (const side of round % 2 === 0 ? names : [...names].reverse()) {
    const r = await measureSide(sides[side]);
    results[side].push(r);
    const line = cases
      .map(({ name: t }) => `${t} ${r[t].cpuMs.toFixed(3)} ms ${Math.round(r[t].perSec)}/s p99 ${r[t].p99} ms`)
      .join(", ");
    console.log(`round ${round + 1} ${side}: ${line}`);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (xs) => xs.map((x) => x.toFixed(2)).join(" / ");
console.log(
  `\n${names.map((n) => `${n} = ${sides[n]}`).join("\n")}\n${rounds} rounds × ${seconds} s × ${connectionCounts.join(", ")} connections; load average ${fmt(load0)} → ${fmt(loadavg())}`,
);
const cols = (label) => names.map((n) => `${n} ${label}`);
console.log(`| target | ${[...cols("CPU ms/exec"), "B/A CPU", ...cols("exec/s"), ...cols("p99 ms")].join(" | ")} |`);
console.log(`| --- |${" ---: |".repeat(names.length * 3 + 1)}`);
for (const { name: t } of cases) {
  const m = (n, f) => median(results[n].map((r) => f(r[t])));
  const cpu = names.map((n) => m(n, (x) => x.cpuMs));
  const cells = [
    ...cpu.map((x) => x.toFixed(3)),
    (cpu[1] / cpu[0]).toFixed(2),
    ...names.map((n) => Math.round(m(n, (x) => x.perSec))),
    ...names.map((n) => m(n, (x) => x.p99)),
  ];
  console.log(`| ${t} | ${cells.join(" | ")} |`);
}
