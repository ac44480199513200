#!/usr/bin/env node
// The benchmark suite: `npm run bench` (full, ~6 min) or `npm run bench -- --quick` (CI, < 2 min).
// Prints tables and writes bench/results/latest.json. It never fails on slow numbers: it measures.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, freemem, loadavg, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { runHttpSection } from "./lib/http-section.mjs";
import { builtCli } from "./lib/platforms.mjs";
import { markdown, printKv, printRows, printTargets, targets } from "./lib/report.mjs";

process.env.WRANGLER_SEND_METRICS = "false";
const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes("--quick");
// `--seconds N` shortens (or lengthens) each load run, e.g. to check the full suite end to end quickly.
const secondsArg = process.argv.indexOf("--seconds");
const seconds = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : undefined;
const log = (s) => console.log(s);

/** n8n's published single-instance figure (not a same-run comparison). */
export const N8N_PUBLISHED = {
  execPerSec: 220,
  source: "https://docs.n8n.io/deploy/host-n8n/configure-n8n/scaling/measure-performance",
  setup:
    "n8n docs, 'Measure performance': up to 220 workflow executions/s on a single instance (AWS c5a.large, webhook trigger)",
};

/** Loads `bench/{name}.{mjs,js,ts}` written by another engineer, if present. */
async function optionalModule(name) {
  for (const ext of ["mjs", "js", "ts"]) {
    const file = join(here, `${name}.${ext}`);
    if (!existsSync(file)) continue;
    if (ext === "ts") {
      const { tsImport } = await import("tsx/esm/api");
      return tsImport(pathToFileURL(file).href, import.meta.url);
    }
    return import(pathToFileURL(file).href);
  }
  return null;
}

async function optionalSection(title, moduleName, fnName) {
  log(`\n## ${title}`);
  try {
    const mod = await optionalModule(moduleName);
    if (!mod || typeof mod[fnName] !== "function") {
      log(`  not available yet (bench/${moduleName}.* exporting ${fnName})`);
      return { available: false };
    }
    const result = await mod[fnName]({ quick });
    if (Array.isArray(result)) console.table(result);
    else log(JSON.stringify(result, null, 2));
    return { available: true, result };
  } catch (err) {
    log(`  failed: ${err.message}`);
    return { available: true, error: err.message };
  }
}

function machine() {
  let workerd = "unknown";
  try {
    workerd = JSON.parse(readFileSync(join(here, "..", "node_modules", "workerd", "package.json"), "utf8")).version;
  } catch {
    // Not installed where expected: reported as unknown.
  }
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memGb: Math.round(totalmem() / 2 ** 30),
    freeMemGb: Math.round(freemem() / 2 ** 30),
    loadavgAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
    node: process.version,
    workerd,
  };
}

const started = new Date();
const results = { date: started.toISOString(), quick, seconds, machine: machine(), sections: {} };
log(`arcrun benchmarks ${quick ? "(quick)" : "(full)"}: ${results.date}`);
log(
  `machine: ${results.machine.cpu}, ${results.machine.cores} cores, ${results.machine.memGb} GB, load ${results.machine.loadavgAtStart.join(" ")}`,
);
log("note: on a shared machine, numbers move with whatever else runs; compare rows of the same run.");

results.sections.component = await optionalSection("1. component call", "component-call", "runComponentBench");
results.sections.engine = await optionalSection("2. engine", "engine", "runEngineBench");

log('\n## 3-4. HTTP: arcrun, bare worker, peers (autocannon, POST {"n":21})');
if (!builtCli()) {
  log("  not built: run `npm run build` first (needs cli/dist and cypher-executor/dist)");
  results.sections.http = { available: false };
} else {
  const http = await runHttpSection({ quick, log, seconds });
  results.sections.http = http;
  printRows(log, http.rows);
  printKv(log, http.kv);
  if (http.notes.peers) log(`peers: ${http.notes.peers}`);
  const t = targets(http, N8N_PUBLISHED);
  results.sections.targets = t;
  printTargets(log, t, N8N_PUBLISHED);
}

results.durationSec = Math.round((Date.now() - started.getTime()) / 1000);
results.machine.loadavgAtEnd = loadavg().map((x) => Math.round(x * 100) / 100);
mkdirSync(join(here, "results"), { recursive: true });
writeFileSync(join(here, "results", "latest.json"), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(here, "results", "latest.md"), markdown(results));
log(`\nwrote bench/results/latest.json and latest.md (${results.durationSec} s)`);
// Child processes (workerd, Node-RED) are all disposed; exit explicitly in case a handle lingers.
process.exit(0);
