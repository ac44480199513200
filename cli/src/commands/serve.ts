import { join, resolve } from "node:path";
import { type Command, Option } from "commander";
import { type DevFile, devFilePath } from "../config/index.js";
import { adoptPlatform, identityFile, shownKey } from "../platform/identity.js";
import { localHome } from "../platform/paths.js";
import { assertPortFree } from "../platform/port.js";
import { openStateSecrets, type StateSecrets } from "../platform/secrets-store.js";
import { type ServePlatform, splitAddress, startServePlatform } from "../platform/serve/index.js";
import { type ReloadableServe, reloadableServe } from "../platform/serve/reload.js";
import { UserError } from "../ui/errors.js";
import { reloadOnSecretsChange } from "./credential-local.js";
import { keyFileLines, startError, startedJson } from "./start-output.js";
import { untilStopped } from "./until-stopped.js";

export interface ServeOptions {
  address: string;
  state: string;
  kv?: "arcrun" | "miniflare";
  allowHost?: string[];
  corsOrigin?: string[];
  verbose?: boolean;
}

/** What `acr serve` writes to `./.arcrun/dev.json`, so every other `acr` command talks to it. */
export interface ServeFile extends DevFile {
  mode: "serve";
  state: string;
}

/**
 * Starts the platform on plain workerd, makes sure an admin API key exists for this state,
 * and writes `./.arcrun/dev.json`.
 *
 * @example
 * const { platform, file } = await startServe({ address: "127.0.0.1:8787", state: ".arcrun/serve-state" });
 */
export async function startServe(
  opts: ServeOptions,
): Promise<{ platform: ServePlatform; file: ServeFile; keyCreated: boolean; keys: StateSecrets }> {
  let address: string;
  try {
    splitAddress(opts.address);
    address = opts.address;
  } catch (err) {
    throw new UserError((err as Error).message, "Pass --address 127.0.0.1:8787", 2);
  }
  const stateDir = resolve(opts.state);
  const bind = splitAddress(address);
  await assertPortFree(bind.host, bind.port, "--address");
  const keys = openStateSecrets(stateDir);
  const secrets = keys.secrets;
  let platform: ServePlatform;
  const launch = (s: typeof secrets, at: string) =>
    startServePlatform({
      stateDir,
      secrets: s,
      address: at,
      allowHosts: opts.allowHost,
      corsOrigins: opts.corsOrigin,
      verbose: opts.verbose,
      kv: opts.kv,
    });
  try {
    const first = await launch(secrets, address);
    // rotate-key rewrites the key file: restart workerd on the port it got (also when --address asked for :0).
    platform = reloadableServe(first, (s) => launch(s, `${bind.host}:${first.ports.http}`));
  } catch (err) {
    throw startError(err, { address: `Address ${address}`, option: "--address" });
  }
  try {
    const devFile = devFilePath();
    const { created: keyCreated, ...id } = await adoptPlatform(
      { url: platform.url, adminToken: secrets.adminToken, stateDir, label: "acr serve", mode: "serve" },
      devFile,
    );
    return { platform, file: { url: platform.url, ...id, mode: "serve", state: stateDir }, keyCreated, keys };
  } catch (err) {
    await platform.dispose();
    throw err;
  }
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("Run the platform in production mode on plain workerd (no Miniflare), state persisted on disk")
    .option("-a, --address <host:port>", "address to bind", "127.0.0.1:8787")
    .option("--state <dir>", "where KV/R2 state is persisted", join(localHome(), "serve-state"))
    .option(
      "--allow-host <host>",
      "a private host http_request may reach (repeatable)",
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option(
      "--cors-origin <origin>",
      "a browser origin allowed to call the API, e.g. https://app.example.com (repeatable; default: CORS off)",
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .addOption(
      new Option(
        "--kv <impl>",
        "KV storage: arcrun (fast, kv-serve/) or miniflare (the format acr dev wrote before it ran on serve's engine, kv/)",
      )
        .choices(["arcrun", "miniflare"])
        .default("arcrun"),
    )
    .option("--verbose", "forward the workers' console output")
    .addHelpText(
      "after",
      "\nExample:\n  $ acr serve --address 127.0.0.1:8787 --state ./.arcrun/serve-state\n\nPut a TLS-terminating proxy (Caddy, nginx) in front before exposing it beyond localhost.\n",
    )
    .action(async (o: ServeOptions) => {
      const json = Boolean(program.opts().json);
      const { platform, file, keyCreated, keys } = await startServe(o);
      const stopWatching =
        "setSecrets" in platform ? reloadOnSecretsChange(keys.file, platform as ReloadableServe) : () => {};
      if (json) {
        const { devFile: configFile, ...started } = startedJson(file, keyCreated, keys, file.state);
        console.log(JSON.stringify({ ...started, pid: platform.pid, configFile }));
      } else {
        printBanner(file, keyCreated, keys);
      }
      const code = await untilStopped(platform, { quiet: json, onStop: stopWatching });
      process.exitCode = code;
    });
}

function printBanner(file: ServeFile, keyCreated: boolean, keys: StateSecrets): void {
  const identity = identityFile(file.state);
  // Printed in full once, when created; later starts read it from the identity file (logs never keep it).
  const key = keyCreated ? file.apiKey : "$KEY";
  console.log(
    [
      "",
      "  arcrun is serving (plain workerd)",
      "",
      `  URL      ${file.url}`,
      `  console  ${file.url}/console/  (sign in with the API key)`,
      `  API key  ${shownKey({ apiKey: file.apiKey, created: keyCreated }, identity)}`,
      `  ns       ${file.ns}`,
      `  state    ${file.state}`,
      `  saved in ${devFilePath()}`,
      ...keyFileLines(keys),
      "",
      "  Try it:",
      ...(keyCreated ? [] : [`    KEY=$(node -p 'require(${JSON.stringify(identity)}).apiKey')`]),
      `    curl -s ${file.url}/health`,
      `    curl -s -H "Authorization: Bearer ${key}" ${file.url}/v1/whoami`,
      "",
      "  Ctrl-C (or SIGTERM) stops it; the data stays in the state folder.",
      "",
    ].join("\n"),
  );
}
