#!/usr/bin/env node
// `node bench/long-mix.mjs [--root DIR] [--slow 64] [--fast 128] [--seconds 8] [--delay 1100]`: long executions
// (a step calling a local API that answers after --delay ms, so heartbeats and leases run) mixed with short 3-node
// executions on one `acr serve`, then counts workerd's errors. Reproduces (intermittently, ~1 run in 2 on the
// 2-core box) execution-record batches failing with "Cannot perform I/O on behalf of a different request" and
// requests ending in "Promise will never complete" or still running when serve stops (issue 18 report, 2026-12-06).
// DIR as in bench/ab.mjs.
import { mkdtempSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { load } from "./lib/cannon.mjs";
import { deploy, WORKFLOWS } from "./lib/http-section.mjs";
import { createKey, root } from "./lib/platforms.mjs";

process.env.WRANGLER_SEND_METRICS = "false";
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const dir = arg("root", root);
const [slow, fast, seconds, delay] = ["slow", "fast", "seconds", "delay"].map((n, i) =>
  Number(arg(n, [64, 128, 8, 1100][i])),
);

const api = createServer((_req, res) => setTimeout(() => res.end('{"ok":true}'), delay));
await new Promise((r) => api.listen(0, "127.0.0.1", r));
const own = (p) => pathToFileURL(join(dir, "cli", "dist", "platform", p)).href;
const { startServePlatform } = await import(own("serve/index.js"));
const { loadOrCreateSecrets } = await import(own("secrets.js"));
const state = mkdtempSync(join(tmpdir(), "arcrun-long-mix-"));
const secrets = loadOrCreateSecrets(join(state, "secrets.json"));
const counts = {};
const stderrWrite = process.stderr.write.bind(process.stderr);
// workerd's log lines pass through our stderr: count the errors by kind instead of printing thousands.
const KINDS = [
  "different request",
  "Promise will never complete",
  "checkpoint_write_failed",
  "still running at the timeout",
];
process.stderr.write = (chunk, ...rest) => {
  const text = String(chunk);
  let seen = false;
  for (const kind of KINDS) {
    const n = text.split(kind).length - 1;
    if (n > 0) counts[kind] = (counts[kind] ?? 0) + n;
    seen ||= n > 0;
  }
  return seen || text.includes("stack: ") ? true : stderrWrite(chunk, ...rest);
};
const p = await startServePlatform({
  stateDir: state,
  secrets,
  address: "127.0.0.1:0",
  root: dir,
  allowHosts: ["127.0.0.1"],
});
try {
  const key = await createKey({ url: p.url, adminToken: secrets.adminToken });
  const wf = [
    "name: bench_long",
    "trigger:\n  webhook:\n    auth: api_key",
    'flow:\n  - "input >> ON_SUCCESS >> call"\n  - "call >> ON_SUCCESS >> respond"',
    `config:\n  call:\n    component: http_request\n    url: "http://127.0.0.1:${api.address().port}/"`,
    '  respond:\n    component: set\n    values:\n      ok: "{{call.data.json.ok}}"\n',
  ].join("\n");
  const consent = { confirmed_by_human: true, understood: true, confirmed_at: new Date().toISOString(), via: "flag" };
  const put = await fetch(`${p.url}/v1/workflows/bench_long`, {
    method: "PUT",
    headers: {
      authorization: `Bearer ${key.apiKey}`,
      "content-type": "application/yaml",
      "x-arcrun-exposure-consent": JSON.stringify(consent),
    },
    body: wf,
  });
  if (!put.ok) throw new Error(`deploy: ${put.status} ${await put.text()}`);
  const short = await deploy({ url: p.url }, key, WORKFLOWS.three);
  const headers = { authorization: `Bearer ${key.apiKey}` };
  const [l, s] = await Promise.all([
    load({
      url: `${p.url}/webhooks/named/${key.ns}/bench_long/trigger`,
      body: {},
      headers,
      connections: slow,
      seconds,
    }),
    load({ url: short.url, body: { n: 21 }, headers: short.headers, connections: fast, seconds }),
  ]);
  await new Promise((r) => setTimeout(r, 2000));
  console.log(`long:  ${Math.round(l.execPerSec)}/s p99 ${l.p99} ms, ${l.errors} errors`);
  console.log(`short: ${Math.round(s.execPerSec)}/s p99 ${s.p99} ms, ${s.errors} errors`);
} finally {
  await p.dispose();
  api.close();
  console.log(`workerd errors: ${JSON.stringify(counts)}`);
}
