import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import type { Config } from "miniflare";
import { componentBuilds, consoleWorker, executorDist } from "../paths.js";
import type { LocalSecrets } from "../secrets.js";
import { buildServeConfig } from "./config.js";
import { killedWithParent } from "./parent-death.js";

export { buildServeConfig, listComponentWorkers } from "./config.js";

export interface ServePlatformOptions {
  /** Persisted KV/R2 state (created if missing). */
  stateDir: string;
  secrets: LocalSecrets;
  /** `host:port`; port 0 picks a free one. */
  address: string;
  /** Project root holding cypher-executor/dist and .component-builds. */
  root?: string;
  allowHosts?: string[];
  /** Browser origins allowed to call the API (CORS); none = off. */
  corsOrigins?: string[];
  /** Forward workerd's stdout (worker `console.log`) too, not only its errors. */
  verbose?: boolean;
  /** `host:port` for workerd's V8 inspector (CPU profiles of the executor); off by default. */
  inspectorAddress?: string;
  /** Which KV implementation backs the bindings (see `ServeConfigOptions.kv`). */
  kv?: "arcrun" | "miniflare";
  /** Last word on the generated config (the benchmarks add storage-op counters this way). */
  transformConfig?: (config: Config) => Config;
}

export interface ServePlatform {
  url: string;
  /** The workerd process id (for RSS measurements). */
  pid: number;
  /** The port of every socket in the config, by socket name (`http` is the API). */
  ports: Record<string, number>;
  /** Resolves when workerd exits on its own (crash); never after `dispose()`. */
  exited: Promise<number | null>;
  dispose(): Promise<void>;
}

/**
 * Runs the platform on plain `workerd serve` (no Miniflare in the request path), with KV/R2
 * persisted under `stateDir`. The config goes to workerd on stdin, so secrets never touch disk
 * beyond `secrets.json`.
 *
 * @example
 * const p = await startServePlatform({ stateDir: ".arcrun/serve-state", secrets, address: "127.0.0.1:8787" });
 * await fetch(`${p.url}/health`);
 * await p.dispose();
 */
export async function startServePlatform(opts: ServePlatformOptions): Promise<ServePlatform> {
  const executorDir = opts.root ? join(opts.root, "cypher-executor", "dist") : executorDist();
  if (!existsSync(join(executorDir, "index.js"))) {
    throw new Error(`the executor is not built (${join(executorDir, "index.js")} is missing): run \`npm run build\``);
  }
  const { host } = splitAddress(opts.address);
  mkdirSync(opts.stateDir, { recursive: true });
  const generated = await buildServeConfig({
    stateDir: opts.stateDir,
    secrets: opts.secrets,
    address: opts.address,
    executorDir,
    componentsDir: componentBuilds(opts.root),
    consoleWorker: opts.root ? consoleWorker(opts.root) : consoleWorker(),
    allowHosts: opts.allowHosts,
    corsOrigins: opts.corsOrigins,
    kv: opts.kv,
  });
  const config = opts.transformConfig ? opts.transformConfig(generated) : generated;

  const args = ["serve", "--binary", "--experimental", "--control-fd=3"];
  if (opts.inspectorAddress) args.push(`--inspector-addr=${opts.inspectorAddress}`);
  const child = spawn(...killedWithParent(workerdBinary(), [...args, "-"]), {
    stdio: ["pipe", "pipe", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    // Its own process group: a terminal's Ctrl-C (SIGINT to the whole foreground group) must reach only this
    // process, which drains the executor before it stops workerd; workerd itself would stop at once.
    detached: true,
  });
  // Whatever ends this process (an error, a second Ctrl-C, process.exit) also ends workerd: it is not in our
  // process group any more, so nothing else would.
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  process.on("exit", killOnExit);
  child.once("exit", () => process.off("exit", killOnExit));
  const stderrTail: string[] = [];
  createInterface(child.stderr as Readable).on("line", (line) => {
    stderrTail.push(line);
    if (stderrTail.length > 20) stderrTail.shift();
    process.stderr.write(`[workerd] ${line}\n`);
  });
  createInterface(child.stdout as Readable).on("line", (line) => {
    if (opts.verbose) process.stdout.write(`[workerd] ${line}\n`);
  });
  const { serializeConfig } = await import("miniflare");
  child.stdin?.end(serializeConfig(config));

  let disposing = false;
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      if (!disposing) resolve(code);
    });
  });
  const sockets = (config.sockets ?? []).map((sk) => sk.name ?? "");
  const ports = await waitForListen(child, stderrTail, sockets);
  const port = ports.http;
  const stopCron = tickCron(ports.cron);
  // Executions a crash left running are resumed now, not at the next minute (no cron workflow fires).
  void fetch(`http://127.0.0.1:${ports.cron}/?cron=${encodeURIComponent(RECOVER_CRON)}&time=${Date.now()}`)
    .then((r) => r.arrayBuffer())
    .catch(() => undefined);
  const shownHost = host === "0.0.0.0" || host === "*" ? "127.0.0.1" : host;
  return {
    url: `http://${shownHost.includes(":") ? `[${shownHost}]` : shownHost}:${port}`,
    pid: child.pid ?? -1,
    ports,
    exited,
    dispose: async () => {
      disposing = true;
      stopCron();
      // workerd has no drain mode and drops waitUntil() work on SIGTERM: the executor drains itself first
      // (new requests 503, in-flight ones and their background work finish, records are durable).
      await drainExecutor(ports.cron);
      await stop(child);
    },
  };
}

/** The executor's drain: the same loopback-only socket as the cron tick, with the drain's cron string. */
async function drainExecutor(port: number | undefined): Promise<void> {
  if (port === undefined) return;
  const started = Date.now();
  try {
    const r = await fetch(`http://127.0.0.1:${port}/?cron=${encodeURIComponent(DRAIN_CRON)}&time=${Date.now()}`, {
      signal: AbortSignal.timeout(DRAIN_LIMIT_MS),
    });
    await r.arrayBuffer();
  } catch (err) {
    process.stderr.write(`[arcrun] drain did not finish after ${Date.now() - started} ms: ${(err as Error).message}\n`);
  }
}

/** Matches the executor's `DRAIN_CRON` (cypher-executor/src/durability/drain.ts). */
const DRAIN_CRON = "@arcrun-drain";
/** Matches the executor's `RECOVER_CRON`. */
const RECOVER_CRON = "@arcrun-recover";
/** The executor gives up waiting at 25 s; a little more here. */
const DRAIN_LIMIT_MS = 30_000;

/** Fires the executor's `* * * * *` cron at the start of every minute; returns the stop function. */
function tickCron(port: number | undefined): () => void {
  if (port === undefined) return () => {};
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    timer = setTimeout(fire, 60_000 - (Date.now() % 60_000));
    timer.unref();
  };
  const fire = () => {
    const minute = Date.now() - (Date.now() % 60_000);
    fetch(`http://127.0.0.1:${port}/?cron=${encodeURIComponent("* * * * *")}&time=${minute}`)
      .then((r) => {
        if (!r.ok) process.stderr.write(`[arcrun] the scheduled() handler failed (HTTP ${r.status})\n`);
        return r.arrayBuffer();
      })
      .catch(() => undefined)
      .finally(schedule);
  };
  schedule();
  return () => clearTimeout(timer);
}

/** Splits `host:port` (`[::1]:8787` for IPv6); throws a clear error otherwise. */
export function splitAddress(address: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(address);
  const port = m ? Number(m[2]) : Number.NaN;
  if (!m || port > 65535) {
    throw new Error(`--address must be host:port (e.g. 127.0.0.1:8787), got "${address}"`);
  }
  return { host: (m[1] ?? "").replace(/^\[|\]$/g, ""), port };
}

/** workerd announces each socket on the control fd as `{"event":"listen","socket":"http","port":N}`. */
function waitForListen(child: ChildProcess, stderrTail: string[], sockets: string[]): Promise<Record<string, number>> {
  const ports: Record<string, number> = {};
  return new Promise((resolve, reject) => {
    const control = child.stdio[3] as Readable;
    const lines = createInterface(control);
    const onExit = (code: number | null) => {
      const detail = stderrTail.join("\n");
      if (/address already in use|EADDRINUSE/i.test(detail)) reject(new Error("EADDRINUSE: address already in use"));
      else reject(new Error(`workerd exited (code ${code}) before listening${detail ? `:\n${detail}` : ""}`));
    };
    child.once("exit", onExit);
    lines.on("line", (line) => {
      try {
        const msg = JSON.parse(line) as { event?: string; socket?: string; port?: number };
        if (msg.event === "listen" && typeof msg.socket === "string" && typeof msg.port === "number") {
          ports[msg.socket] = msg.port;
          if (sockets.every((name) => name in ports)) {
            child.off("exit", onExit);
            resolve(ports);
          }
        }
      } catch {
        // Not JSON: ignore, workerd only writes JSON here.
      }
    });
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await gone;
  clearTimeout(timer);
}

/** The workerd binary Miniflare depends on (pinned with it); `ARCRUN_WORKERD_PATH` overrides. */
function workerdBinary(): string {
  if (process.env.ARCRUN_WORKERD_PATH) return process.env.ARCRUN_WORKERD_PATH;
  const fromMiniflare = createRequire(createRequire(import.meta.url).resolve("miniflare"));
  return (fromMiniflare("workerd") as { default: string }).default;
}
