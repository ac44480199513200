import type { Command } from "commander";
import { type CloudflareFlags, cloudflareOptions, runCloudflareCommand } from "./init.js";

export function registerUpdate(program: Command): void {
  const cmd = program
    .command("update")
    .description("Rebuild and redeploy arcrun over the same namespaces, bucket and keys (never creates storage)");
  cloudflareOptions(cmd)
    .addHelpText(
      "after",
      `
update refuses to run when a namespace recorded in the state file is missing, or when storage would
have to be created: that means a wrong account, prefix or state file, and creating fresh empty storage
would hide your workflows and logins.

Examples:
  $ acr update
  $ acr update --dry-run
`,
    )
    .action(async (o: CloudflareFlags) => {
      await runCloudflareCommand(program, "update", o);
    });
}
