#!/usr/bin/env node
// `node bench/profile.mjs [three|chain10|whoami] [seconds] [--root DIR] [--report FILE]`: where a request's time goes on
// `acr serve`. `whoami` is `GET /v1/whoami` (API-key auth and routing, no engine); `--root` runs another
// checkout's build (a folder with cypher-executor/dist and .component-builds), for A/B profiles;
// `--report` prints a saved executor profile (bench/results/profile-*.cpuprofile.json) again.
// 1. Sequential requests at 1 connection: client wall time against the engine's own `duration_ms`.
// 2. A V8 CPU profile of every isolate in workerd (through its inspector) while autocannon drives
//    16 connections, aggregated by function (self time, and total time with callees) and by area.
//    PROFILE_INTERVAL=1000 samples every 1,000 µs instead of 200: the default costs ~90% of the throughput
//    (276 against ~2,900 exec/s), which distorts what depends on load (e.g. the size of record batches).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { join } from "node:path";
import { load } from "./lib/cannon.mjs";
import { deploy, WORKFLOWS } from "./lib/http-section.mjs";
import { inspectIsolates } from "./lib/inspector.mjs";
import { createKey, freePort, root, startServe } from "./lib/platforms.mjs";

const args = process.argv.slice(2);
const rootAt = args.indexOf("--root");
const altRoot = rootAt >= 0 ? args.splice(rootAt, 2)[1] : undefined;
const reportAt = args.indexOf("--report");
const reportFile = reportAt >= 0 ? args.splice(reportAt, 2)[1] : undefined;
const which = args[0] ?? "three";
const seconds = Number(args[1] ?? 5);

// The bundle is minified: frames of index.js are named through its source map (original function and file).
const mapFile = join(altRoot ?? root, "cypher-executor", "dist", "index.js.map");
const sourceMap = existsSync(mapFile) ? new SourceMap(JSON.parse(readFileSync(mapFile, "utf8"))) : null;
const frameNames = new Map();
function frameName(f) {
  const file = f.url ? f.url.split("/").pop() : "";
  const plain = `${f.functionName || "(anonymous)"} ${file ? `${file}:${f.lineNumber + 1}` : ""}`.trim();
  if (!sourceMap || file !== "index.js") return plain;
  const k = `${f.lineNumber}:${f.columnNumber}`;
  if (!frameNames.has(k)) {
    const e = sourceMap.findEntry(f.lineNumber, f.columnNumber);
    const src = e?.originalSource?.replace(/^.*?(node_modules\/|src\/)/, "$1");
    frameNames.set(k, src ? `${e.name ?? f.functionName ?? "(anonymous)"} ${src}:${e.originalLine + 1}` : plain);
  }
  return frameNames.get(k);
}

if (reportFile) {
  report(reportFile, JSON.parse(readFileSync(reportFile, "utf8")));
  process.exit(0);
}

const inspectorPort = await freePort();
const platform = await startServe({ inspectorAddress: `127.0.0.1:${inspectorPort}`, root: altRoot });
try {
  const key = await createKey(platform);
  const d =
    which === "whoami"
      ? { url: `${platform.url}/v1/whoami`, headers: { authorization: `Bearer ${key.apiKey}` }, method: "GET" }
      : await deploy(platform, key, WORKFLOWS[which]);
  if (d.unavailable) throw new Error(d.unavailable);
  const post = () =>
    d.method === "GET"
      ? fetch(d.url, { headers: d.headers })
      : fetch(d.url, {
          method: "POST",
          headers: { ...d.headers, "content-type": "application/json" },
          body: '{"n":21}',
        });

  // 1. Wall time vs the engine's duration.
  for (let i = 0; i < 50; i++) await (await post()).arrayBuffer();
  const walls = [];
  const engines = [];
  const nodeTimes = {};
  for (let i = 0; i < 300; i++) {
    const t0 = performance.now();
    const r = await post();
    const body = await r.json();
    walls.push(performance.now() - t0);
    engines.push(body.duration_ms ?? Number.NaN);
    for (const [id, n] of Object.entries(body.nodes ?? {})) {
      const ms = n.duration_ms ?? n.ms;
      if (typeof ms !== "number") continue;
      nodeTimes[id] ??= [];
      nodeTimes[id].push(ms);
    }
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`\n## ${which}: 300 sequential executions (1 connection)`);
  console.log(`client wall time, median: ${med(walls).toFixed(3)} ms`);
  // workerd freezes performance.now()/Date.now() while JS runs (Spectre mitigation): the engine's own
  // duration_ms only counts I/O waits, so it is shown but not subtracted from the wall time.
  console.log(`engine duration_ms, median: ${med(engines).toFixed(3)} ms (clock frozen during CPU work in workerd)`);
  for (const [id, xs] of Object.entries(nodeTimes)) console.log(`  node ${id}: median ${med(xs).toFixed(3)} ms`);

  // 2. CPU profile under load.
  const sessions = await inspectIsolates(inspectorPort);
  for (const s of sessions) {
    await s.call("Profiler.enable");
    await s.call("Profiler.setSamplingInterval", { interval: Number(process.env.PROFILE_INTERVAL ?? 200) });
    await s.call("Profiler.start");
  }
  const r = await load({ url: d.url, body: { n: 21 }, method: d.method, headers: d.headers, connections: 16, seconds });
  console.log(
    `\n## CPU profile under load: 16 connections × ${seconds} s → ${Math.round(r.execPerSec)} exec/s (profiler on)`,
  );
  for (const s of sessions) {
    const { result } = await s.call("Profiler.stop");
    s.close();
    // Kept for a closer look (Chrome DevTools, or `node bench/profile.mjs --report FILE`); git-ignored.
    if (/cypher-executor/.test(s.title))
      writeFileSync(join(root, "bench", "results", `profile-${which}.cpuprofile.json`), JSON.stringify(result.profile));
    report(s.title, result.profile);
  }
} finally {
  await platform.dispose();
}

function report(title, profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const counts = new Map();
  for (const sid of profile.samples) counts.set(sid, (counts.get(sid) ?? 0) + 1);
  const total = profile.samples.length;
  if (total === 0) return;
  const fn = new Map();
  const area = new Map();
  const file = new Map();
  for (const [sid, c] of counts) {
    const n = byId.get(sid);
    const f = n.callFrame;
    const name = frameName(f);
    fn.set(name, (fn.get(name) ?? 0) + c);
    // Source file (or package) of the frame: where the executor's own JS time is spent.
    const src = /^\S* ?(\S+):\d+$/.exec(name)?.[1]?.replace(/^node_modules\/((@[^/]+\/)?[^/]+).*/, "$1");
    if (src) file.set(src, (file.get(src) ?? 0) + c);
    const a =
      f.functionName === "(idle)"
        ? "idle"
        : f.functionName === "(garbage collector)"
          ? "GC"
          : f.functionName === "(program)"
            ? "runtime (C++: HTTP, I/O, bindings)"
            : (f.functionName === "instantiate" || f.functionName === "Instance") && !f.url
              ? "WebAssembly instantiate"
              : f.url.startsWith("wasm") || /wasm-function/.test(f.functionName)
                ? "WASM code"
                : f.url
                  ? `JS ${f.url.split("/").pop()}`
                  : "native builtins (KV get/put, Response, TextDecoder…)";
    area.set(a, (area.get(a) ?? 0) + c);
  }
  // Total time: a sample counts once for every distinct function on its stack (recursion counted once).
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map();
  for (const [sid, c] of counts) {
    const seen = new Set();
    for (let id = sid; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id).callFrame;
      if (f.url) seen.add(frameName(f));
    }
    for (const name of seen) inclusive.set(name, (inclusive.get(name) ?? 0) + c);
  }
  const busy = total - (area.get("idle") ?? 0);
  if (busy / total < 0.02) return;
  console.log(`\n### isolate ${title}: ${total} samples, ${((busy / total) * 100).toFixed(1)}% busy`);
  for (const [a, c] of [...area].sort((x, y) => y[1] - x[1]))
    console.log(`  ${((c / total) * 100).toFixed(1).padStart(5)}%  ${a}`);
  console.log("  top functions by self time (% of busy samples):");
  for (const [name, c] of [...fn]
    .filter(([n]) => !n.startsWith("(idle)"))
    .sort((x, y) => y[1] - x[1])
    .slice(0, Number(process.env.PROFILE_TOP ?? 20))) {
    console.log(`  ${((c / busy) * 100).toFixed(1).padStart(5)}%  ${name}`);
  }
  console.log("  JS self time by source file or package (% of busy samples):");
  for (const [name, c] of [...file].sort((x, y) => y[1] - x[1]).slice(0, 20)) {
    console.log(`  ${((c / busy) * 100).toFixed(1).padStart(5)}%  ${name}`);
  }
  console.log("  top JS functions by total time, callees included (% of busy samples):");
  for (const [name, c] of [...inclusive].sort((x, y) => y[1] - x[1]).slice(0, 30)) {
    console.log(`  ${((c / busy) * 100).toFixed(1).padStart(5)}%  ${name}`);
  }
}
