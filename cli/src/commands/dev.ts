import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import { ApiClient } from "../api/client.js";
import { type DevFile, devFilePath } from "../config/index.js";
import { type LocalPlatform, startLocalPlatform, startMinuteTicker } from "../platform/local.js";
import { localHome } from "../platform/paths.js";
import { loadOrCreateSecrets } from "../platform/secrets.js";
import { UserError } from "../ui/errors.js";
import { reloadOnSecretsChange } from "./credential-local.js";
import { afterStartHooks } from "./dev-hooks.js";

export interface DevOptions {
  port: number;
  host: string;
  state: string;
  verbose?: boolean;
  json?: boolean;
  /** Private hosts http_request may reach (`--allow-host`, repeatable): same meaning as `acr serve`'s. */
  allowHost?: string[];
}

/**
 * Starts the local platform, makes sure a dev API key exists, and writes `./.arcrun/dev.json`.
 * Returns the running platform and the dev file's contents.
 */
export async function startDev(opts: DevOptions): Promise<{ platform: LocalPlatform; dev: DevFile }> {
  const stateDir = resolve(opts.state);
  const secrets = loadOrCreateSecrets(join(stateDir, "secrets.json"));
  let platform: LocalPlatform;
  try {
    platform = await startLocalPlatform({
      stateDir,
      secrets,
      host: opts.host,
      port: opts.port,
      verbose: opts.verbose,
      allowHosts: opts.allowHost,
    });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (/EADDRINUSE|address already in use/i.test(msg)) {
      throw new UserError(
        `Port ${opts.port} on ${opts.host} is already in use`,
        "Stop the other process or pass --port",
      );
    }
    throw err;
  }
  const devFile = devFilePath();
  const dev = await ensureDevKey(platform.url, secrets.adminToken, devFile, stateDir);
  await afterStartHooks({ url: platform.url, apiKey: dev.apiKey, ns: dev.ns });
  // `acr credential rotate-key` edits secrets.json; the running platform follows it in place.
  const stopWatching = reloadOnSecretsChange(join(stateDir, "secrets.json"), platform);
  const running = platform;
  const dispose = () => {
    stopWatching();
    return running.dispose();
  };
  return { platform: { ...running, dispose }, dev };
}

/** Reuses the key in dev.json when this state still knows it; otherwise creates one. */
async function ensureDevKey(url: string, adminToken: string, file: string, stateDir: string): Promise<DevFile> {
  if (existsSync(file)) {
    const old = JSON.parse(readFileSync(file, "utf8")) as DevFile & { state?: string };
    try {
      await new ApiClient({ url, apiKey: old.apiKey }).request("GET", "/v1/whoami");
      const dev = { url, apiKey: old.apiKey, ns: old.ns };
      writeDevFile(file, { ...dev, state: stateDir });
      return dev;
    } catch {
      // The key belongs to another state folder: make a new one for this state.
    }
  }
  const admin = new ApiClient({ url, apiKey: adminToken });
  const created = await admin.request<{ api_key: string; tenant: { ns: string } }>("POST", "/v1/keys", {
    role: "admin",
    label: "local dev",
  });
  const dev = { url, apiKey: created.api_key, ns: created.tenant.ns };
  writeDevFile(file, { ...dev, state: stateDir });
  return dev;
}

function writeDevFile(file: string, content: DevFile & { state: string }): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
}

export function registerDev(program: Command): void {
  program
    .command("dev")
    .description("Run the whole platform locally on workerd (Miniflare), state persisted on disk")
    .option("-p, --port <port>", "port to listen on", (v) => Number.parseInt(v, 10), 8787)
    .option("--host <host>", "address to bind", "127.0.0.1")
    .option("--state <dir>", "where KV/R2 state is persisted", join(localHome(), "state"))
    .option("--verbose", "log every request")
    .option(
      "--allow-host <host>",
      "a private host http_request may reach, e.g. 127.0.0.1:3000 or localhost (repeatable)",
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .addHelpText(
      "after",
      "\nExamples:\n  $ acr dev --port 8787 --state ./.arcrun/state\n  $ acr dev --allow-host 127.0.0.1:3000   # let workflows call a service on this machine\n",
    )
    .action(async (o: DevOptions) => {
      const json = Boolean(program.opts().json);
      const { platform, dev } = await startDev(o);
      // Cron workflows and due waits: the scheduled handler, every minute, as on Cloudflare.
      const stopTicker = startMinuteTicker(platform);
      if (json) {
        console.log(JSON.stringify({ url: dev.url, apiKey: dev.apiKey, ns: dev.ns, devFile: devFilePath() }));
      } else {
        printBanner(dev);
      }
      await new Promise<void>((resolveStop) => {
        const stop = () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          if (!json) console.log("\nstopping arcrun …");
          stopTicker();
          platform.dispose().then(resolveStop, resolveStop);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
    });
}

function printBanner(dev: DevFile): void {
  const lines = [
    "",
    "  arcrun is running locally (workerd via Miniflare)",
    "",
    `  URL      ${dev.url}`,
    `  API key  ${dev.apiKey}`,
    `  ns       ${dev.ns}`,
    `  saved in ${devFilePath()}`,
    "",
    "  Try it:",
    ...afterStartHooks.tryLines(dev).map((l) => `    ${l}`),
    "",
    "  Ctrl-C stops the platform; its data stays in the state folder.",
    "",
  ];
  console.log(lines.join("\n"));
}
