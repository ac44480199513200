import { join, resolve } from "node:path";
import type { Command } from "commander";
import { type DevFile, devFilePath } from "../config/index.js";
import { adoptPlatform, identityFile, shownKey } from "../platform/identity.js";
import { localHome } from "../platform/paths.js";
import { assertPortFree } from "../platform/port.js";
import { openStateSecrets, type StateSecrets } from "../platform/secrets-store.js";
import { startServePlatform } from "../platform/serve/index.js";
import { type KvMigration, migrateDevKv } from "../platform/serve/kv-migration.js";
import { type ReloadableServe, reloadableServe } from "../platform/serve/reload.js";
import { UserError } from "../ui/errors.js";
import { reloadOnSecretsChange } from "./credential-local.js";
import { afterStartHooks } from "./dev-hooks.js";
import { keyFileLines, startError, startedJson } from "./start-output.js";
import { untilStopped } from "./until-stopped.js";

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
 * Starts the local platform on serve's engine (plain workerd, serve's KV store: `acr dev` and `acr serve` run the
 * same workers the same way), makes sure a dev API key exists, and writes `./.arcrun/dev.json`. A state folder
 * written by an `acr dev` on Miniflare (`{state}/kv`) is copied into serve's store first, once.
 */
export async function startDev(opts: DevOptions): Promise<{
  platform: ReloadableServe;
  dev: DevFile;
  keyCreated: boolean;
  keys: StateSecrets;
  stateDir: string;
  migrated: KvMigration | null;
}> {
  const stateDir = resolve(opts.state);
  await assertPortFree(opts.host, opts.port, "--port");
  const keys = openStateSecrets(stateDir);
  const secrets = keys.secrets;
  const host = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
  const launch = (s: typeof secrets, port: number) =>
    startServePlatform({
      stateDir,
      secrets: s,
      address: `${host}:${port}`,
      allowHosts: opts.allowHost,
      corsOrigins: opts.corsOrigin,
      verbose: opts.verbose,
    });
  let platform: ReloadableServe;
  let migrated: KvMigration | null;
  try {
    migrated = await migrateDevKv(stateDir, secrets).catch((err: Error) => {
      throw new UserError(
        err.message,
        `Nothing was changed in ${join(stateDir, "kv")}; \`acr serve --kv miniflare --state ${stateDir}\` serves it as it is`,
      );
    });
    const first = await launch(secrets, opts.port);
    // `acr credential rotate-key` rewrites the key file: workerd restarts on the port it got.
    platform = reloadableServe(first, (s) => launch(s, first.ports.http ?? opts.port));
  } catch (err) {
    throw startError(err, { address: `Port ${opts.port} on ${opts.host}`, option: "--port" });
  }
  try {
    const devFile = devFilePath();
    // The tenant belongs to the state folder; dev.json only points at the running platform and its state.
    const { created: keyCreated, ...id } = await adoptPlatform(
      { url: platform.url, adminToken: secrets.adminToken, stateDir, label: "local dev", mode: "dev" },
      devFile,
    );
    const dev: DevFile = { url: platform.url, ...id };
    await afterStartHooks({ url: platform.url, apiKey: dev.apiKey, ns: dev.ns }, stateDir);
    return { platform, dev, keyCreated, keys, stateDir, migrated };
  } catch (err) {
    await platform.dispose();
    throw err;
  }
}

export function registerDev(program: Command): void {
  program
    .command("dev")
    .description("Run the whole platform locally on workerd, seeded with the examples, state persisted on disk")
    .option(
      "-p, --port <port>",
      "port to listen on (env ARCRUN_PORT)",
      (v) => Number.parseInt(v, 10),
      Number.parseInt(process.env.ARCRUN_PORT || "8787", 10),
    )
    .option("--host <host>", "address to bind", "127.0.0.1")
    .option("--state <dir>", "where KV/R2 state is persisted", join(localHome(), "state"))
    .option("--verbose", "forward the workers' console output")
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
      const { platform, dev, keyCreated, keys, stateDir, migrated } = await startDev(o);
      // `acr credential rotate-key` edits the key file; the running platform follows it (workerd restarts).
      const stopWatching = reloadOnSecretsChange(keys.file, platform);
      if (json) {
        console.log(
          JSON.stringify({
            ...startedJson(dev, keyCreated, keys, stateDir),
            pid: platform.pid,
            ...(migrated ? { migrated } : {}),
          }),
        );
      } else {
        printBanner(dev, keyCreated, identityFile(stateDir), keys, migrated);
      }
      const code = await untilStopped(platform, { quiet: json, onStop: stopWatching });
      process.exitCode = code;
    });
}

function printBanner(
  dev: DevFile,
  keyCreated: boolean,
  identity: string,
  keys: StateSecrets,
  migrated: KvMigration | null,
): void {
  const copied = migrated ? Object.values(migrated.copied).reduce((a, b) => a + b, 0) : 0;
  const lines = [
    "",
    "  arcrun is running locally (workerd)",
    "",
    `  URL      ${dev.url}`,
    `  console  ${dev.url}/console/  (sign in with the API key)`,
    `  API key  ${shownKey({ apiKey: dev.apiKey, created: keyCreated }, identity)}`,
    `  ns       ${dev.ns}`,
    `  saved in ${devFilePath()}`,
    ...keyFileLines(keys),
    ...(migrated ? [`  moved    ${copied} stored keys of this state folder into the new store (kv/ → kv-serve/)`] : []),
    "",
    "  Try it:",
    ...afterStartHooks.tryLines(dev, keyCreated ? undefined : identity).map((l) => `    ${l}`),
    "",
    "  Ctrl-C stops the platform; its data stays in the state folder.",
    "",
  ];
  console.log(lines.join("\n"));
}
