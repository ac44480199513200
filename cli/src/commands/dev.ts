import { join, resolve } from "node:path";
import type { Command } from "commander";
import { type DevFile, devFilePath } from "../config/index.js";
import { ensureLocalIdentity, identityFile, legacyIdentity, shownKey, writeDevPointer } from "../platform/identity.js";
import { type LocalPlatform, startLocalPlatform, startMinuteTicker } from "../platform/local.js";
import { localHome } from "../platform/paths.js";
import { assertPortFree } from "../platform/port.js";
import { openStateSecrets, type StateSecrets } from "../platform/secrets-store.js";
import { UserError } from "../ui/errors.js";
import { reloadOnSecretsChange } from "./credential-local.js";
import { afterStartHooks } from "./dev-hooks.js";
import { keyFileLines, startedJson } from "./start-output.js";

export interface DevOptions {
  port: number;
  host: string;
  state: string;
  verbose?: boolean;
  json?: boolean;
  /** Browser origins allowed to call the API (CORS); none = off. */
  corsOrigin?: string[];
  /** Private hosts http_request may reach (`--allow-host`, repeatable): same meaning as `acr serve`'s. */
  allowHost?: string[];
}

/**
 * Starts the local platform, makes sure a dev API key exists, and writes `./.arcrun/dev.json`.
 * Returns the running platform and the dev file's contents.
 */
export async function startDev(
  opts: DevOptions,
): Promise<{ platform: LocalPlatform; dev: DevFile; keyCreated: boolean; keys: StateSecrets; stateDir: string }> {
  const stateDir = resolve(opts.state);
  await assertPortFree(opts.host, opts.port, "--port");
  const keys = openStateSecrets(stateDir);
  const secrets = keys.secrets;
  let platform: LocalPlatform;
  try {
    platform = await startLocalPlatform({
      stateDir,
      secrets,
      host: opts.host,
      port: opts.port,
      verbose: opts.verbose,
      corsOrigins: opts.corsOrigin,
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
  // The tenant belongs to the state folder; dev.json only points at the running platform and its state.
  const { created: keyCreated, ...id } = await ensureLocalIdentity({
    url: platform.url,
    adminToken: secrets.adminToken,
    stateDir,
    label: "local dev",
    legacy: legacyIdentity(devFile),
  });
  writeDevPointer(devFile, { url: platform.url, state: stateDir, mode: "dev" });
  const dev: DevFile = { url: platform.url, ...id };
  await afterStartHooks({ url: platform.url, apiKey: dev.apiKey, ns: dev.ns }, stateDir);
  // `acr credential rotate-key` edits the key file; the running platform follows it in place.
  const stopWatching = reloadOnSecretsChange(keys.file, platform);
  const running = platform;
  const dispose = () => {
    stopWatching();
    return running.dispose();
  };
  return { platform: { ...running, dispose }, dev, keyCreated, keys, stateDir };
}

export function registerDev(program: Command): void {
  program
    .command("dev")
    .description("Run the whole platform locally on workerd (Miniflare), state persisted on disk")
    .option(
      "-p, --port <port>",
      "port to listen on (env ARCRUN_PORT)",
      (v) => Number.parseInt(v, 10),
      Number.parseInt(process.env.ARCRUN_PORT || "8787", 10),
    )
    .option("--host <host>", "address to bind", "127.0.0.1")
    .option("--state <dir>", "where KV/R2 state is persisted", join(localHome(), "state"))
    .option("--verbose", "log every request")
    .option(
      "--cors-origin <origin>",
      "a browser origin allowed to call the API, e.g. http://localhost:5173 (repeatable; default: CORS off)",
      (v: string, prev: string[] = []) => [...prev, v],
    )
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
      const { platform, dev, keyCreated, keys, stateDir } = await startDev(o);
      // Cron workflows and due waits: the scheduled handler, every minute, as on Cloudflare.
      const stopTicker = startMinuteTicker(platform);
      if (json) {
        console.log(JSON.stringify(startedJson(dev, keyCreated, keys, stateDir)));
      } else {
        printBanner(dev, keyCreated, identityFile(stateDir), keys);
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

function printBanner(dev: DevFile, keyCreated: boolean, identity: string, keys: StateSecrets): void {
  const lines = [
    "",
    "  arcrun is running locally (workerd via Miniflare)",
    "",
    `  URL      ${dev.url}`,
    `  console  ${dev.url}/console/  (sign in with the API key)`,
    `  API key  ${shownKey({ apiKey: dev.apiKey, created: keyCreated }, identity)}`,
    `  ns       ${dev.ns}`,
    `  saved in ${devFilePath()}`,
    ...keyFileLines(keys),
    "",
    "  Try it:",
    ...afterStartHooks.tryLines(dev, keyCreated ? undefined : identity).map((l) => `    ${l}`),
    "",
    "  Ctrl-C stops the platform; its data stays in the state folder.",
    "",
  ];
  console.log(lines.join("\n"));
}
