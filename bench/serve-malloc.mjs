#!/usr/bin/env node
// `node bench/serve-malloc.mjs [chunks=6] [seconds=15] [--bare] [--workflow three|three_failed|chain10]`: who holds
// `acr serve`'s resident memory while it grows under a 16-connection load. After each chunk of load it prints the
// process RSS split three ways: V8 heaps (sum over isolates, workerd's inspector), workerd's malloc (tcmalloc, linked
// into the binary: its own stats, read by calling `malloc_stats()` in the process through gdb when gdb is installed)
// and the largest anonymous regions (/proc/{pid}/smaps, grouped by 1 GiB-aligned address). `--bare` runs the bench's
// bare JS worker on plain workerd instead, to tell workerd's own behaviour from arcrun's.
// Findings: docs/performance.md, "Where serve's RSS goes" → "What holds the growth".
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { load } from "./lib/cannon.mjs";
import { deploy, WORKFLOWS } from "./lib/http-section.mjs";
import { heapUsage } from "./lib/inspector.mjs";
import { createKey, freePort, root, startServe } from "./lib/platforms.mjs";
import { cpuMs } from "./lib/proc.mjs";

const req = createRequire(join(root, "cli", "package.json"));

process.env.WRANGLER_SEND_METRICS = "false";
const args = process.argv.slice(2);
const wfAt = args.indexOf("--workflow");
const workflow = wfAt >= 0 ? args.splice(wfAt, 2)[1] : "three";
const bare = args.includes("--bare");
const [chunks, seconds] = [
  Number(args.filter((a) => /^\d+$/.test(a))[0] ?? 6),
  Number(args.filter((a) => /^\d+$/.test(a))[1] ?? 15),
];
const mb = (b) => Math.round(b / 2 ** 20);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Sum of the V8 heaps of every isolate, and the largest one. */
async function heaps(port) {
  const all = (await heapUsage(port)).map((h) => ({ ...h, title: h.title.replace("workerd: worker ", "") }));
  all.sort((a, b) => b.total - a.total);
  const sum = (k) => mb(all.reduce((a, x) => a + x[k], 0));
  return `V8 heaps ${sum("used")}/${sum("total")} MB (largest ${all[0].title} ${mb(all[0].used)}/${mb(all[0].total)})`;
}

/** RSS, file-backed part and the three largest anonymous regions (1 GiB-aligned groups) from smaps. */
function regions(pid) {
  let cur = null;
  const maps = [];
  for (const line of readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const m = /^([0-9a-f]+)-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m) {
      cur = { start: BigInt(`0x${m[1]}`), path: m[2], rss: 0 };
      maps.push(cur);
      continue;
    }
    const k = /^Rss:\s+(\d+) kB/.exec(line);
    if (k && cur) cur.rss = Number(k[1]);
  }
  const groups = new Map();
  let file = 0;
  for (const m of maps) {
    if (m.path.startsWith("/")) file += m.rss;
    else groups.set(m.start >> 30n, (groups.get(m.start >> 30n) ?? 0) + m.rss);
  }
  const top = [...groups.values()]
    .sort((a, b) => b - a)
    .slice(0, 3)
    .map((kb) => Math.round(kb / 1024));
  const total = maps.reduce((a, m) => a + m.rss, 0);
  return `RSS ${Math.round(total / 1024)} MB (file ${Math.round(file / 1024)}; largest anonymous regions ${top.join(", ")})`;
}

// tcmalloc prints its stats on workerd's stderr, which startServe forwards with a "[workerd] " prefix.
const mallocLines = [];
const write = process.stderr.write.bind(process.stderr);
process.stderr.write = (s, ...rest) => {
  const text = String(s);
  if (text.startsWith("[workerd] MALLOC")) mallocLines.push(text);
  else if (!text.startsWith("[workerd]")) return write(s, ...rest);
  return true;
};

/** tcmalloc's own account, through gdb (absent: skipped). Pauses the process for ~2 s. */
async function tcmalloc(pid) {
  const from = mallocLines.length;
  try {
    execFileSync("gdb", ["-p", String(pid), "-batch", "-ex", "call (void)malloc_stats()", "-ex", "detach"], {
      stdio: "ignore",
      timeout: 120_000,
    });
  } catch {
    return "tcmalloc: (gdb unavailable)";
  }
  await sleep(500);
  const text = mallocLines.slice(from).join("\n");
  const get = (label) => mb(Number(new RegExp(`MALLOC:\\s+[=+]?\\s*(\\d+) .*${label}`).exec(text)?.[1] ?? 0));
  return `tcmalloc in use ${get("Bytes in use by application")} MB, holds ${get("Actual memory used \\(")} MB (free: page heap ${get("page heap freelist")}, central ${get("central cache freelist")}, thread ${get("thread cache freelists")}; released to the OS ${get("Bytes released to OS")})`;
}

async function startBare(inspectorPort) {
  const { serializeConfig } = req("miniflare");
  const workerd = createRequire(req.resolve("miniflare"))("workerd").default;
  const config = {
    services: [
      {
        name: "bare",
        worker: {
          modules: [{ name: "bare.mjs", esModule: readFileSync(join(root, "bench/workers/bare.mjs"), "utf8") }],
          compatibilityDate: "2026-04-01",
        },
      },
    ],
    sockets: [{ name: "http", address: "127.0.0.1:0", http: {}, service: { name: "bare" } }],
  };
  const args = [
    "serve",
    "--binary",
    "--experimental",
    "--control-fd=3",
    `--inspector-addr=127.0.0.1:${inspectorPort}`,
    "-",
  ];
  const child = spawn(workerd, args, { stdio: ["pipe", "ignore", "pipe", "pipe"] });
  createInterface(child.stderr).on("line", (l) => process.stderr.write(`[workerd] ${l}\n`));
  child.stdin.end(serializeConfig(config));
  const port = await new Promise((resolve) =>
    createInterface(child.stdio[3]).on("line", (line) => {
      const msg = JSON.parse(line);
      if (msg.event === "listen") resolve(msg.port);
    }),
  );
  return { url: `http://127.0.0.1:${port}`, pid: child.pid, dispose: async () => child.kill("SIGTERM") };
}

const inspectorPort = await freePort();
const p = bare ? await startBare(inspectorPort) : await startServe({ inspectorAddress: `127.0.0.1:${inspectorPort}` });
const report = async (label) =>
  console.log(`${label}: ${regions(p.pid)}\n  ${await heaps(inspectorPort)}\n  ${await tcmalloc(p.pid)}`);
try {
  await sleep(2000);
  await report("idle");
  const target = bare ? { url: p.url, headers: {} } : await deploy(p, await createKey(p), WORKFLOWS[workflow]);
  let total = 0;
  for (let i = 0; i < chunks; i++) {
    const cpu0 = cpuMs(p.pid);
    const r = await load({ url: target.url, body: { n: 21 }, headers: target.headers, connections: 16, seconds });
    total += r.ok;
    const cpu = ((cpuMs(p.pid) - cpu0) / r.ok).toFixed(3);
    await report(`after ${total} executions (${Math.round(r.execPerSec)} exec/s, ${cpu} CPU ms/exec)`);
  }
} finally {
  await p.dispose();
}
process.exit(0);
