// The systems under test: arcrun on `acr serve` and `acr dev` (both plain workerd since 2026-12-06), and the
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

/** `dispose` that also deletes the platform's temporary state: a full bench writes gigabytes of records. */
export function removingState(dispose, dir) {
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
    dispose: removingState(p.dispose, dir),
  };
}

/**
 * arcrun as `npm start` runs it: `acr dev` in a child process (the built CLI), in a temporary working folder with
 * its own HOME, state and key folder, so nothing of the user's own platform is read or written. The measured pid
 * is its workerd.
 */
export async function startDev() {
  const dir = stateDir();
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [join(cliDist, "bin.js"), "--json", "dev", "--port", String(port), "--state", join(dir, "state")],
    {
      cwd: dir,
      env: {
        ...process.env,
        HOME: dir,
        ARCRUN_HOME: join(dir, "home"),
        ARCRUN_KEYS_DIR: join(dir, "keys"),
        WRANGLER_SEND_METRICS: "false",
      },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const started = await new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`acr dev exited ${code} before it started`)));
    createInterface(child.stdout).on("line", (line) => {
      if (line.startsWith("{")) resolve(JSON.parse(line));
    });
  });
  const { adminToken } = JSON.parse(readFileSync(started.keyFile, "utf8"));
  const pid = childrenNamed(child.pid, "workerd")[0];
  return {
    name: "acr dev",
    url: started.url,
    pid,
    adminToken,
    dispose: removingState(
      () =>
        new Promise((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGTERM");
        }),
      dir,
    ),
  };
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

/** The same bare worker through Miniflare (what the test platform's wrapper costs; `acr dev` ran on it until 2026-12-06). */
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
