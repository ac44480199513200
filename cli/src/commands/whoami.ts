import type { Command } from "commander";
import { ApiClient } from "../api/client.js";
import { resolveConfig } from "../config/index.js";
import { UserError } from "../ui/errors.js";

/** Resolves the config or explains how to get one. */
export function requireConfig() {
  const cfg = resolveConfig();
  if (!cfg) {
    throw new UserError(
      "No arcrun platform configured",
      "Run `acr dev` here, or `acr init --self-hosted`, or set ARCRUN_URL and ARCRUN_API_KEY",
    );
  }
  return cfg;
}

export function registerWhoami(program: Command): void {
  program
    .command("whoami")
    .description("Show which platform and key acr uses, and where that setting comes from")
    .addHelpText("after", "\nExample:\n  $ acr whoami --json\n")
    .action(async () => {
      const cfg = requireConfig();
      const me = await new ApiClient(cfg).request<{ ns: string; role: string; label: string }>("GET", "/v1/whoami");
      const out = {
        url: cfg.url,
        ns: me.ns,
        role: me.role,
        label: me.label,
        source: cfg.source,
        file: cfg.file ?? null,
        profile: cfg.profile ?? null,
        // Whether client-side encryption (credential set) can work here; never the key itself.
        encryptionKey: Boolean(cfg.encryptionKey),
      };
      if (program.opts().json) console.log(JSON.stringify(out));
      else
        console.log(
          [
            out.url,
            `  ns              ${out.ns}`,
            `  role            ${out.role}${out.label ? ` (${out.label})` : ""}`,
            `  from            ${sourceLabel(out.source)}${out.profile ? ` profile "${out.profile}"` : ""}${out.file ? ` (${out.file})` : ""}`,
            `  encryption key  ${out.encryptionKey ? "present" : "missing: `acr credential set` cannot encrypt"}`,
          ].join("\n"),
        );
    });
}

function sourceLabel(source: string): string {
  if (source === "env") return "env ARCRUN_URL / ARCRUN_API_KEY";
  if (source === "dev.json") return "local platform file";
  return "user config";
}
