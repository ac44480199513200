import type { Command } from "commander";
import { type CloudflareFlags, cloudflareOptions, runCloudflareCommand } from "./init.js";

export function registerDeploy(program: Command): void {
  const cmd = program
    .command("deploy [workers...]")
    .description("Deploy already-built Workers (the executor and/or components) to an existing installation");
  cloudflareOptions(cmd)
    .addHelpText(
      "after",
      `
Without names every Worker is deployed; names may omit the prefix (cypher-executor, http-request).
No build, no recipe seeding, no new key: use \`acr update\` for the full redeploy.

Examples:
  $ acr deploy
  $ acr deploy cypher-executor --dry-run
`,
    )
    .action(async (workers: string[], o: CloudflareFlags) => {
      await runCloudflareCommand(program, "deploy", { ...o, skipBuild: true }, workers);
    });
}
