// Node-RED 4, the same-run peer: installed by the harness into bench/.cache (never a workspace
// dependency), bound to 127.0.0.1, editor/admin API off, telemetry and update checks off.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, waitUntil } from "./platforms.mjs";

export const NODE_RED_VERSION = "4.1.8";
const cacheDir = join(dirname(fileURLToPath(import.meta.url)), "..", ".cache", "node-red");
const redJs = join(cacheDir, "node_modules", "node-red", "red.js");

/** Installs the pinned Node-RED into bench/.cache/node-red once; returns false when that fails (no network). */
export function ensureNodeRed(log) {
  if (existsSync(redJs)) return true;
  mkdirSync(cacheDir, { recursive: true });
  log(`installing node-red@${NODE_RED_VERSION} into ${cacheDir} …`);
  try {
    execFileSync(
      "npm",
      ["i", "--prefix", cacheDir, "--no-audit", "--no-fund", "--omit=optional", "-E", `node-red@${NODE_RED_VERSION}`],
      { stdio: ["ignore", "ignore", "inherit"], timeout: 300_000 },
    );
  } catch (err) {
    log(`node-red install failed: ${err.message}`);
    return false;
  }
  return existsSync(redJs);
}

/**
 * The flows: POST /three = http in → function ({"n":21} → n*2 plus a field) → http response;
 * POST /chain10 = http in → 10 function nodes → http response (each adds one field, like `set`).
 */
export function flows() {
  const tab = { id: "tab1", type: "tab", label: "bench" };
  const three = [
    { id: "in3", type: "http in", z: "tab1", url: "/three", method: "post", wires: [["fn3"]] },
    {
      id: "fn3",
      type: "function",
      z: "tab1",
      func: 'const n = Number(msg.payload.n);\nmsg.payload = { n, doubled: n * 2, via: "node-red" };\nreturn msg;',
      outputs: 1,
      wires: [["out3"]],
    },
    { id: "out3", type: "http response", z: "tab1", statusCode: "", headers: {}, wires: [] },
  ];
  const chain = [{ id: "in10", type: "http in", z: "tab1", url: "/chain10", method: "post", wires: [["f1"]] }];
  for (let i = 1; i <= 10; i++) {
    chain.push({
      id: `f${i}`,
      type: "function",
      z: "tab1",
      func: `msg.payload = { ...msg.payload, step${i}: Number(msg.payload.n) * ${i} };\nreturn msg;`,
      outputs: 1,
      wires: [[i === 10 ? "out10" : `f${i + 1}`]],
    });
  }
  chain.push({ id: "out10", type: "http response", z: "tab1", statusCode: "", headers: {}, wires: [] });
  return [tab, ...three, ...chain];
}

/** Starts Node-RED with generated settings and flows; resolves once POST /three answers. */
export async function startNodeRed() {
  const userDir = mkdtempSync(join(tmpdir(), "arcrun-bench-nodered-"));
  const port = await freePort();
  writeFileSync(join(userDir, "flows.json"), JSON.stringify(flows()));
  writeFileSync(
    join(userDir, "settings.js"),
    `module.exports = ${JSON.stringify({
      uiHost: "127.0.0.1",
      uiPort: port,
      flowFile: "flows.json",
      httpAdminRoot: false,
      httpNodeRoot: "/",
      disableEditor: true,
      credentialSecret: false,
      diagnostics: { enabled: false, ui: false },
      telemetry: { enabled: false, updateNotification: false },
      externalModules: { autoInstall: false, palette: { allowInstall: false }, modules: { allowInstall: false } },
      logging: { console: { level: "warn", metrics: false, audit: false } },
    })};\n`,
  );
  const child = spawn(process.execPath, [redJs, "--userDir", userDir, "--settings", join(userDir, "settings.js")], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, NODE_ENV: "production" },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(async () => {
    if (child.exitCode !== null) throw new Error(`node-red exited ${child.exitCode}`);
    const r = await fetch(`${url}/three`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"n":21}',
    }).catch(() => null);
    return r?.status === 200;
  }, 60_000);
  return {
    name: `Node-RED ${NODE_RED_VERSION}`,
    url,
    pid: child.pid,
    dispose: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
