#!/usr/bin/env node
// `npm run test:load`: 16 clients run a 3-node workflow on `acr serve` (plain workerd), synchronous and
// `?wait=false` runs mixed; SIGTERM reaches `acr serve` in the middle. Then the platform is started again on
// the same state and every execution that was answered 200 or 202 is looked up. Prints accepted vs recorded;
// exits 1 if any accepted execution has no record (or a 200 answer's record is not final). Under 2 minutes.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

process.env.WRANGLER_SEND_METRICS = "false";
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = join(root, "cli", "dist", "bin.js");
const CLIENTS = Number(process.env.LOAD_CLIENTS ?? 16);
const SIGTERM_AFTER_MS = Number(process.env.LOAD_SIGTERM_AFTER_MS ?? 4_000);
const WORKFLOW = readFileSync(join(root, "bench", "workflows", "three.yaml"), "utf8");

if (!existsSync(bin) || !existsSync(join(root, "cypher-executor", "dist", "index.js"))) {
  console.error("build first: npm run build");
  process.exit(2);
}

const freePort = () =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });

/** `acr serve --json` in `cwd` (its `.arcrun/` holds the key file); resolves with its first JSON line. */
function startServe(cwd, state, port) {
  const child = spawn(process.execPath, [bin, "--json", "serve", "--address", `127.0.0.1:${port}`, "--state", state], {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ARCRUN_HOME: join(cwd, "home") },
  });
  const stderr = [];
  createInterface(child.stderr).on("line", (l) => stderr.push(l));
  const ready = new Promise((resolve, reject) => {
    createInterface(child.stdout).on("line", (line) => {
      try {
        const info = JSON.parse(line);
        // A later start prints the key only by reference (it is printed in full once, when created).
        if (info.url && info.identityFile) {
          resolve({ ...info, apiKey: info.apiKey ?? JSON.parse(readFileSync(info.identityFile, "utf8")).apiKey });
        }
      } catch {
        // not the JSON line
      }
    });
    child.once("exit", (code) => reject(new Error(`acr serve exited ${code}:\n${stderr.slice(-20).join("\n")}`)));
  });
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  return { child, ready, exited, stderr };
}

const cwd = mkdtempSync(join(tmpdir(), "arcrun-load-"));
const state = join(cwd, "state");
const port = await freePort();
const t0 = Date.now();

// Phase 1: load, SIGTERM in the middle.
const first = startServe(cwd, state, port);
const info = await first.ready;
const auth = { authorization: `Bearer ${info.apiKey}` };
const put = await fetch(`${info.url}/v1/workflows/bench_three`, {
  method: "PUT",
  headers: { ...auth, "content-type": "application/yaml" },
  body: WORKFLOW,
});
if (!put.ok) throw new Error(`deploy failed: ${put.status} ${await put.text()}`);

const accepted = { sync: new Map(), async: new Map() };
const counts = { sync200: 0, async202: 0, refused503: 0, otherStatus: 0, connectionErrors: 0 };
let stopping = false;
let stoppedAt = 0;
async function client(n) {
  for (let i = 0; ; i++) {
    // Every 4th run is `?wait=false`: answered 202 once its `running` record is stored.
    const async = (n + i) % 4 === 0;
    try {
      const r = await fetch(`${info.url}/v1/workflows/bench_three/runs${async ? "?wait=false" : ""}`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ n: i, client: n }),
      });
      const body = await r.text();
      if (r.status === 200) {
        counts.sync200++;
        const b = JSON.parse(body);
        accepted.sync.set(b.execution_id, b.status);
      } else if (r.status === 202) {
        counts.async202++;
        accepted.async.set(JSON.parse(body).execution_id, "running");
      } else if (r.status === 503) counts.refused503++;
      else counts.otherStatus++;
    } catch {
      counts.connectionErrors++;
      // After the stop, the socket is gone: this client is done.
      if (stopping) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    if (stopping && Date.now() - stoppedAt > 15_000) return;
  }
}
const clients = Array.from({ length: CLIENTS }, (_, n) => client(n));
await new Promise((r) => setTimeout(r, SIGTERM_AFTER_MS));
const beforeStop = counts.sync200 + counts.async202;
stopping = true;
stoppedAt = Date.now();
first.child.kill("SIGTERM");
const exit = await first.exited;
const stopMs = Date.now() - stoppedAt;
await Promise.all(clients);

// Phase 2: the same state again; every accepted execution must have a record.
const second = startServe(cwd, state, port);
const info2 = await second.ready;
const auth2 = { authorization: `Bearer ${info2.apiKey}` };
const missing = [];
const notFinal = [];
const asyncStatus = {};
const ids = [...accepted.sync.keys(), ...accepted.async.keys()];
let next = 0;
async function checker() {
  while (next < ids.length) {
    const id = ids[next++];
    const r = await fetch(`${info2.url}/v1/executions/${id}`, { headers: auth2 });
    if (r.status === 404) {
      missing.push(id);
      await r.arrayBuffer();
      continue;
    }
    const rec = await r.json();
    if (accepted.sync.has(id)) {
      if (rec.status !== accepted.sync.get(id))
        notFinal.push(`${id}: answered ${accepted.sync.get(id)}, stored ${rec.status}`);
    } else asyncStatus[rec.status] = (asyncStatus[rec.status] ?? 0) + 1;
  }
}
await Promise.all(Array.from({ length: 8 }, checker));
second.child.kill("SIGTERM");
await second.exited;
rmSync(cwd, { recursive: true, force: true });

const acceptedTotal = ids.length;
const recorded = acceptedTotal - missing.length;
const summary = {
  clients: CLIENTS,
  sigterm_after_ms: SIGTERM_AFTER_MS,
  tried: counts.sync200 + counts.async202 + counts.refused503 + counts.otherStatus + counts.connectionErrors,
  accepted_before_sigterm: beforeStop,
  accepted: acceptedTotal,
  answered_200: counts.sync200,
  answered_202: counts.async202,
  refused_503_while_draining: counts.refused503,
  other_status: counts.otherStatus,
  connection_errors: counts.connectionErrors,
  recorded,
  lost: missing.length,
  answered_200_but_stored_differently: notFinal.length,
  async_statuses_after_restart: asyncStatus,
  stop_ms: stopMs,
  exit,
  total_s: Math.round((Date.now() - t0) / 100) / 10,
};
console.log("load test: 16-client load with a SIGTERM in the middle");
for (const [k, v] of Object.entries(summary))
  console.log(`  ${k.padEnd(38)} ${typeof v === "object" ? JSON.stringify(v) : v}`);
for (const id of missing.slice(0, 10)) console.log(`  lost: ${id}`);
for (const line of notFinal.slice(0, 10)) console.log(`  differs: ${line}`);
const ok = missing.length === 0 && notFinal.length === 0 && acceptedTotal > 0 && counts.otherStatus === 0;
console.log(ok ? "PASS: 0 lost" : "FAIL");
process.exit(ok ? 0 : 1);
