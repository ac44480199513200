// The systems under test: arcrun on `acr serve` (plain workerd) and `acr dev` (Miniflare), and the
// bare plain-JS worker on both, each started fresh on a temporary state folder.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { childrenNamed } from "./proc.mjs";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const cliDist = join(root, "cli", "dist");
const bareScript = join(root, "bench", "workers", "bare.mjs");
const require = createRequire(join(root, "cli", "package.json"));

export function builtCli() {
  return (
    existsSync(join(cliDist, "platform", "serve", "index.js")) &&
    existsSync(join(root, "cypher-executor", "dist", "index.js"))
  );
}

async function cli(path) {
  return import(pathToFileURL(join(cliDist, path)).href);
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

export async function waitUntil(check, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("timed out waiting for the server");
}

function stateDir() {
  return mkdtempSync(join(tmpdir(), "arcrun-bench-"));
}

/** Stops the platform, then removes its state folder (a loaded run leaves 50-800 MB of records behind). */
function disposer(dispose, dir) {
  return async () => {
    await dispose();
    rmSync(dir, { recursive: true, force: true });
  };
}

/** arcrun on plain workerd (`acr serve`); `transformConfig` lets the harness add KV counters, `root` runs another build. */
export async function startServe({ transformConfig, kv, inspectorAddress, root: altRoot } = {}) {
  const { startServePlatform } = await cli("platform/serve/index.js");
  const { loadOrCreateSecrets } = await cli("platform/secrets.js");
  const dir = stateDir();
  const secrets = loadOrCreateSecrets(join(dir, "secrets.json"));
  const p = await startServePlatform({
    stateDir: dir,
    secrets,
    address: "127.0.0.1:0",
    transformConfig,
    kv,
    inspectorAddress,
    ...(altRoot ? { root: altRoot } : {}),
  });
  return {
    name: "acr serve",
    url: p.url,
    pid: p.pid,
    ports: p.ports,
    adminToken: secrets.adminToken,
    dispose: disposer(p.dispose, dir),
  };
}

/** arcrun on Miniflare (`acr dev`); the workerd pid is found among this process's children. */
export async function startDev() {
  const { startLocalPlatform } = await cli("platform/local.js");
  const { loadOrCreateSecrets } = await cli("platform/secrets.js");
  const dir = stateDir();
  const secrets = loadOrCreateSecrets(join(dir, "secrets.json"));
  const before = new Set(childrenNamed(process.pid, "workerd"));
  const p = await startLocalPlatform({ stateDir: dir, secrets, port: 0 });
  const pid = childrenNamed(process.pid, "workerd").find((x) => !before.has(x));
  return { name: "acr dev", url: p.url, pid, adminToken: secrets.adminToken, dispose: disposer(p.dispose, dir) };
}

/** The bare plain-JS worker on plain `workerd serve` (the ceiling). */
export async function startBareWorkerd() {
  const { serializeConfig } = require("miniflare");
  const workerd = createRequire(require.resolve("miniflare"))("workerd").default;
  const config = {
    services: [
      {
        name: "bare",
        worker: {
          modules: [{ name: "bare.mjs", esModule: readFileSync(bareScript, "utf8") }],
          compatibilityDate: "2026-04-01",
        },
      },
    ],
    sockets: [{ name: "http", address: "127.0.0.1:0", http: {}, service: { name: "bare" } }],
  };
  const child = spawn(workerd, ["serve", "--binary", "--experimental", "--control-fd=3", "-"], {
    stdio: ["pipe", "ignore", "inherit", "pipe"],
  });
  child.stdin.end(serializeConfig(config));
  const port = await new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`workerd exited ${code}`)));
    createInterface(child.stdio[3]).on("line", (line) => {
      const msg = JSON.parse(line);
      if (msg.event === "listen") resolve(msg.port);
    });
  });
  return {
    name: "bare worker, plain workerd",
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    dispose: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** The same bare worker through Miniflare (what `acr dev`'s wrapper costs). */
export async function startBareMiniflare() {
  const { Miniflare, Log, LogLevel } = require("miniflare");
  const before = new Set(childrenNamed(process.pid, "workerd"));
  const mf = new Miniflare({
    modules: true,
    scriptPath: bareScript,
    compatibilityDate: "2026-04-01",
    host: "127.0.0.1",
    port: 0,
    cf: false,
    log: new Log(LogLevel.WARN),
  });
  const url = (await mf.ready).toString().replace(/\/$/, "");
  const pid = childrenNamed(process.pid, "workerd").find((x) => !before.has(x));
  return { name: "bare worker, Miniflare", url, pid, dispose: () => mf.dispose() };
}

/** Creates an admin API key with the platform's bootstrap token. */
export async function createKey(platform) {
  const r = await fetch(`${platform.url}/v1/keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${platform.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ role: "admin", label: "bench" }),
  });
  if (r.status !== 201) throw new Error(`POST /v1/keys answered ${r.status}: ${await r.text()}`);
  const j = await r.json();
  return { apiKey: j.api_key, ns: j.tenant.ns };
}
