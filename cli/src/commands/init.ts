import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { isCancel, password, text } from "@clack/prompts";
import type { Command } from "commander";
import { devFilePath, readUserConfig } from "../config/index.js";
import { createProgress, type InstallResult, runInstall } from "../installer/index.js";
import type { DeployVia } from "../installer/workers.js";
import { localHome } from "../platform/paths.js";
import { openStateSecrets } from "../platform/secrets-store.js";
import { color } from "../ui/color.js";
import { EXIT, UserError } from "../ui/errors.js";

/** Options shared by `init --self-hosted`, `update` and `deploy`. */
export interface CloudflareFlags {
  accountId?: string;
  apiToken?: string;
  prefix?: string;
  dryRun?: boolean;
  deployVia?: DeployVia;
  skipBuild?: boolean;
  executorUrl?: string;
  components?: string;
  corsOrigin?: string[];
}

/** Adds the Cloudflare flags to a command. */
export function cloudflareOptions(cmd: Command): Command {
  return cmd
    .option("--account-id <id>", "Cloudflare account id (env CLOUDFLARE_ACCOUNT_ID)")
    .option("--api-token <token>", "Cloudflare API token (env CLOUDFLARE_API_TOKEN; prefer the env)")
    .option("--prefix <name>", "prefix of every resource and Worker name", undefined)
    .option("--dry-run", "print every API call and deploy as a plan; change nothing")
    .option(
      "--deploy-via <how>",
      "wrangler (default) or api: bundle with wrangler, upload over the REST API",
      "wrangler",
    )
    .option("--skip-build", "use the components already in .component-builds")
    .option("--executor-url <url>", "the executor's URL when not {prefix}-cypher-executor.{subdomain}.workers.dev")
    .option("--components <ids>", "deploy only these component workers, comma-separated (default: every built one)")
    .option(
      "--cors-origin <origin>",
      "a browser origin allowed to call the API (repeatable; default: CORS off)",
      collect,
    );
}

function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

/**
 * Resolves account id and token from flags, env, the config, or (on a TTY) a prompt.
 *
 * @example
 * const creds = await cloudflareCredentials({ accountId: "abc" });
 */
export async function cloudflareCredentials(
  o: CloudflareFlags,
): Promise<{ accountId: string; apiToken: string; prefix: string }> {
  const cfg = readUserConfig();
  let accountId = o.accountId ?? process.env.CLOUDFLARE_ACCOUNT_ID ?? cfg.account_id;
  let apiToken = o.apiToken ?? process.env.CLOUDFLARE_API_TOKEN;
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  if (!accountId && interactive) {
    const v = await text({ message: "Cloudflare account id (dashboard → Workers & Pages → Account ID)" });
    if (isCancel(v)) throw new UserError("Cancelled", undefined, EXIT.usage);
    accountId = String(v).trim();
  }
  if (!apiToken && interactive) {
    const v = await password({ message: "Cloudflare API token (see docs/install.md for its permissions)" });
    if (isCancel(v)) throw new UserError("Cancelled", undefined, EXIT.usage);
    apiToken = String(v).trim();
  }
  if (!accountId || !/^[0-9a-f]{32}$/i.test(accountId)) {
    throw new UserError(
      accountId
        ? `"${accountId}" is not a Cloudflare account id (32 hex characters)`
        : "No Cloudflare account id given",
      "Pass --account-id or set CLOUDFLARE_ACCOUNT_ID",
      EXIT.usage,
    );
  }
  if (!apiToken)
    throw new UserError("No Cloudflare API token given", "Set CLOUDFLARE_API_TOKEN (or pass --api-token)", EXIT.usage);
  const prefix = o.prefix ?? cfg.prefix ?? "arcrun";
  if (!/^[a-z][a-z0-9-]{0,30}$/.test(prefix)) {
    throw new UserError(`--prefix "${prefix}" must be lower-case letters, digits and dashes`, undefined, EXIT.usage);
  }
  return { accountId, apiToken, prefix };
}

/** Runs the installer in one of its modes with the shared flags, and prints the result. */
export async function runCloudflareCommand(
  program: Command,
  mode: "init" | "update" | "deploy",
  o: CloudflareFlags,
  only?: string[],
): Promise<InstallResult> {
  const json = Boolean(program.opts().json);
  if (o.deployVia !== "wrangler" && o.deployVia !== "api") {
    throw new UserError(`--deploy-via must be "wrangler" or "api", not "${o.deployVia}"`, undefined, EXIT.usage);
  }
  const { accountId, apiToken, prefix } = await cloudflareCredentials(o);
  const progress = createProgress({ json });
  if (o.dryRun)
    progress.info(
      `Plan for acr ${mode === "init" ? "init --self-hosted" : mode} (dry run: reads only, nothing changes):`,
    );
  const result = await runInstall({
    mode,
    accountId,
    apiToken,
    apiBaseUrl: process.env.CLOUDFLARE_API_BASE_URL,
    prefix,
    dryRun: Boolean(o.dryRun),
    deployVia: o.deployVia,
    skipBuild: Boolean(o.skipBuild || process.env.ARCRUN_SKIP_BUILD),
    executorUrl: o.executorUrl,
    components: o.components
      ?.split(",")
      .map((c) => c.trim())
      .filter(Boolean),
    only,
    corsOrigins: o.corsOrigin,
    progress,
  });
  if (json) {
    const { apiKey, ...rest } = result;
    console.log(JSON.stringify({ ...rest, apiKey: apiKey ?? null, dryRun: Boolean(o.dryRun) }));
  } else printSummary(result, Boolean(o.dryRun), mode);
  return result;
}

function printSummary(r: InstallResult, dryRun: boolean, mode: "init" | "update" | "deploy"): void {
  if (dryRun) {
    console.log(`\n${r.actions.length} change(s) to the account planned. Run again without --dry-run to apply them.`);
    return;
  }
  const lines = [
    "",
    color.bold(
      mode === "init"
        ? "  arcrun is installed in your Cloudflare account"
        : `  arcrun is ${mode === "update" ? "updated" : "deployed"}`,
    ),
    "",
    `  URL      ${r.url}`,
    ...(r.apiKey ? [`  API key  ${r.apiKey}   (shown here and kept in ${r.configFile})`] : []),
    ...(r.ns ? [`  ns       ${r.ns}`] : []),
    `  state    ${r.stateFile}`,
    "",
    ...(r.apiKey
      ? [
          "  Try it:",
          `    curl -H "Authorization: Bearer ${r.apiKey}" ${r.url}/v1/whoami`,
          "    acr whoami",
          "    acr parts",
          "",
        ]
      : []),
    ...r.notes.map((n) => `  ${color.yellow("note")} ${n}`),
    ...(r.encryptionKeyCreated
      ? [
          `  ${color.yellow("Back up encryption_key from")} ${r.configFile}${color.yellow(": losing it loses every stored credential.")}`,
        ]
      : []),
    "",
  ];
  console.log(lines.join("\n"));
}

/** `acr init --local`: the local platform's state folder, secrets and dev file, without starting it. */
function initLocal(json: boolean): void {
  const home = localHome();
  const stateDir = join(home, "state");
  mkdirSync(stateDir, { recursive: true });
  const keys = openStateSecrets(stateDir);
  const secrets = keys.created ? "created" : keys.migratedFrom ? "moved" : "kept";
  const out = { home, state: resolve(stateDir), secrets, keyFile: keys.file, devFile: devFilePath() };
  if (json) console.log(JSON.stringify(out));
  else
    console.log(
      `Local platform prepared in ${home} (secrets ${out.secrets}: ${out.keyFile}; back this file up apart from the state folder).\nStart it with \`acr dev\`: the first start creates the dev API key and ${out.devFile}.`,
    );
}

export function registerInit(program: Command): void {
  const cmd = program
    .command("init")
    .description("Set up arcrun: locally (--local) or in your own Cloudflare account (--self-hosted)")
    .option("--local", "prepare the local platform (state folder and secrets) without starting it")
    .option("--self-hosted", "install into your Cloudflare account: storage, Workers, secrets, first API key");
  cloudflareOptions(cmd)
    .addHelpText(
      "after",
      `
Re-running is safe: existing namespaces, bucket, encryption key and API key are reused; a run cut off
halfway resumes. The state of each step is kept in ~/.arcrun/install/{account}-{prefix}.json.

Examples:
  $ acr init --local
  $ CLOUDFLARE_ACCOUNT_ID=… CLOUDFLARE_API_TOKEN=… acr init --self-hosted
  $ acr init --self-hosted --dry-run          # print the plan, change nothing
`,
    )
    .action(async (o: CloudflareFlags & { local?: boolean; selfHosted?: boolean }) => {
      if (Boolean(o.local) === Boolean(o.selfHosted)) {
        throw new UserError("Choose one of --local or --self-hosted", "Example: acr init --self-hosted", EXIT.usage);
      }
      if (o.local) return initLocal(Boolean(program.opts().json));
      await runCloudflareCommand(program, "init", o);
    });
}
