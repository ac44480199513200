#!/usr/bin/env node
// The benchmark suite: `npm run bench` (full, ~17 min with the 10-minute soak) or `npm run bench -- --quick`
// (CI, < 2 min, no peers, no soak). Prints tables and both target lists, and writes bench/results/latest.json
// and latest.md. It never fails on slow numbers: it measures.
//   --seconds N       length of each HTTP load run (default 10; quick 2)
//   --no-soak         skip the soak (full run)
//   --soak-seconds N  soak length (default 600); given, it runs the soak in --quick too
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, freemem, loadavg, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { measureDevStart } from "./lib/dev-start.mjs";
import { runHttpSection } from "./lib/http-section.mjs";
import { builtCli } from "./lib/platforms.mjs";
import { markdown, printKv, printRows, printTargets } from "./lib/report.mjs";
import { printSoak, runSoak } from "./lib/soak.mjs";
import { issue18Targets, round1Targets, trivialCodeStepUs } from "./lib/targets.mjs";

process.env.WRANGLER_SEND_METRICS = "false";
const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes("--quick");
// `--seconds N` shortens (or lengthens) each load run, e.g. to check the full suite end to end quickly.
const numArg = (name) => {
  const at = process.argv.indexOf(name);
  if (at < 0) return undefined;
  const v = Number(process.argv[at + 1]);
  if (!(v > 0)) {
    console.error(`${name} needs a number of seconds above 0, e.g. ${name} 30`);
    process.exit(2);
  }
  return v;
};
const seconds = numArg("--seconds");
const soakSeconds = numArg("--soak-seconds");
const soak = soakSeconds !== undefined || (!quick && !process.argv.includes("--no-soak"));
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
const results = {
  date: started.toISOString(),
  quick,
  seconds,
  soakSeconds: soak ? (soakSeconds ?? 600) : null,
  machine: machine(),
  sections: {},
};
log(`arcrun benchmarks ${quick ? "(quick)" : "(full)"}: ${results.date}`);
log(
  `machine: ${results.machine.cpu}, ${results.machine.cores} cores, ${results.machine.memGb} GB, load ${results.machine.loadavgAtStart.join(" ")}`,
);
log("note: on a shared machine, numbers move with whatever else runs; compare rows of the same run.");

results.sections.component = await optionalSection("1. component call", "component-call", "runComponentBench");
results.sections.engine = await optionalSection("2. engine", "engine", "runEngineBench");
// Quick mode of the `code` step is ~5 s, so it runs in --quick too.
results.sections.codeStep = await optionalSection("2b. `code` step (inside workerd)", "code-step", "runCodeStepBench");

let http = { rows: [], kv: {}, notes: {} };
log('\n## 3-4. HTTP: arcrun, bare worker, peers (autocannon, POST {"n":21})');
if (!builtCli()) {
  log("  not built: run `npm run build` first (needs cli/dist and cypher-executor/dist)");
  results.sections.http = { available: false };
} else {
  http = await runHttpSection({ quick, log, seconds });
  results.sections.http = http;
  printRows(log, http.rows);
  printKv(log, http.kv);
  if (http.notes.peers) log(`peers: ${http.notes.peers}`);

  log("\n## 5. acr dev start time (spawn → GET /health 200; banner = seeded and ready)");
  try {
    const dev = await measureDevStart({ runs: quick ? 1 : 3 });
    results.sections.devStart = dev;
    log(`  median of ${dev.runs.length}: /health ${dev.healthMs} ms, banner ${dev.readyMs ?? "–"} ms`);
  } catch (err) {
    results.sections.devStart = { error: err.message };
    log(`  failed: ${err.message}`);
  }

  log("\n## 6. soak (acr serve, 3-node workflow, history kept, 16 connections)");
  if (!soak) {
    log(`  skipped (${quick ? "--quick" : "--no-soak"}; --soak-seconds N runs it)`);
  } else {
    try {
      results.sections.soak = await runSoak({ seconds: soakSeconds ?? 600, log });
    } catch (err) {
      results.sections.soak = { error: err.message };
    }
    printSoak(log, results.sections.soak);
  }
}

results.sections.targets = {
  issue18: issue18Targets(http.rows, {
    codeStepUs: trivialCodeStepUs(results.sections.codeStep?.result),
    devStart: results.sections.devStart,
    soak: results.sections.soak?.summary,
  }),
  round1: round1Targets(http, N8N_PUBLISHED),
};
printTargets(log, results.sections.targets, N8N_PUBLISHED);

results.durationSec = Math.round((Date.now() - started.getTime()) / 1000);
results.machine.loadavgAtEnd = loadavg().map((x) => Math.round(x * 100) / 100);
mkdirSync(join(here, "results"), { recursive: true });
writeFileSync(join(here, "results", "latest.json"), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(here, "results", "latest.md"), markdown(results));
log(`\nwrote bench/results/latest.json and latest.md (${results.durationSec} s)`);
// Child processes (workerd, Node-RED) are all disposed; exit explicitly in case a handle lingers.
process.exit(0);
