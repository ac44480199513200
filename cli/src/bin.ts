#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { ApiCallError } from "./api/client.js";
import { registerAuthRecipe } from "./commands/auth-recipe.js";
import { registerCompletion } from "./commands/completion.js";
import { registerComponent } from "./commands/component.js";
import { registerCredential } from "./commands/credential.js";
import { registerDeploy } from "./commands/deploy.js";
import { registerDev } from "./commands/dev.js";
import { registerExecutions } from "./commands/executions.js";
import { registerInit } from "./commands/init.js";
import { registerKeys } from "./commands/keys.js";
import { registerMcp } from "./commands/mcp.js";
import { registerParts } from "./commands/parts.js";
import { registerRecipe } from "./commands/recipe.js";
import { registerRun } from "./commands/run.js";
import { registerServe } from "./commands/serve.js";
import { registerTail } from "./commands/tail.js";
import { registerUpdate } from "./commands/update.js";
import { registerValidate } from "./commands/validate.js";
import { registerWhoami } from "./commands/whoami.js";
import { registerWorkflow } from "./commands/workflow.js";
import { EXIT, UserError } from "./ui/errors.js";

const VERSION = "0.1.0";

process.env.WRANGLER_SEND_METRICS ??= "false";

// `acr --help | head`, `acr executions | head`: the reader left, so stop quietly as Unix tools do,
// instead of an unhandled EPIPE with a stack trace.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

const program = new Command("acr")
  .description("arcrun: workflows of sandboxed WASM components, on your own Cloudflare account or any Linux box")
  .option("--json", "machine-readable output")
  .option("--debug", "show stack traces on errors")
  .option("--profile <name>", "use this named profile of ~/.arcrun/config.yaml (env ARCRUN_PROFILE)")
  .addHelpText(
    "after",
    "\nacr --version prints the version. Exit codes: 0 ok, 1 failure, 2 usage error.\n\nExample:\n  $ acr dev          # start the local platform\n  $ acr whoami       # which platform and key are in use\n",
  )
  .exitOverride()
  .hook("preAction", (cmd) => {
    // One place decides the profile: every config read below sees it through the environment.
    const profile = cmd.opts().profile as string | undefined;
    if (profile) process.env.ARCRUN_PROFILE = profile;
  });

// `-V`/`--version` only as the first argument: commander's program-level --version would also swallow a
// subcommand's own `--version <n>` (`acr workflow show x --version 1` printed the CLI's version).
if (process.argv[2] === "-V" || process.argv[2] === "--version") {
  console.log(VERSION);
  process.exit(0);
}

registerDev(program);
registerServe(program);
registerWhoami(program);
registerInit(program);
registerUpdate(program);
registerDeploy(program);
registerParts(program);
registerComponent(program);
registerCredential(program);
registerWorkflow(program);
registerValidate(program);
registerRun(program);
registerExecutions(program);
registerKeys(program);
registerTail(program);
registerCompletion(program);
registerRecipe(program);
registerAuthRecipe(program);
registerMcp(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = report(err);
}

function report(err: unknown): number {
  if (err instanceof CommanderError) {
    return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  const debug = program.opts().debug || process.argv.includes("--debug");
  const json = program.opts().json || process.argv.includes("--json");
  if (err instanceof UserError) {
    if (json) {
      const code = err instanceof ApiCallError ? err.code : "ERROR";
      console.error(JSON.stringify({ error: { code, message: err.message, hint: err.hint } }));
    } else {
      console.error(`error: ${err.message}${err.hint ? `\n  fix: ${err.hint}` : ""}`);
    }
    if (debug) console.error(err.stack);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  console.error(`error: ${message}`);
  if (debug && err instanceof Error) console.error(err.stack);
  else console.error("  (run again with --debug for details)");
  return EXIT.failure;
}
