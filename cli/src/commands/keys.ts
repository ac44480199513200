import { type Command, Option } from "commander";
import { ApiClient } from "../api/client.js";
import { color } from "../ui/color.js";
import { requireConfig } from "./whoami.js";

/** One row of `GET /v1/keys`. */
interface KeyInfo {
  id: string;
  prefix: string | null;
  ns: string;
  role: string;
  label: string;
  created_at: string;
  last_used_at: string | null;
}

/**
 * `acr keys` (list), `acr keys create`, `acr keys revoke <id>`: API keys of the platform in use.
 *
 * @example
 * registerKeys(program); // acr keys revoke 9f2c41d0a1b2c3d4
 */
export function registerKeys(program: Command): void {
  const keys = program
    .command("keys")
    .description("List, create and revoke API keys (an admin key sees every key; a user key only itself)")
    .addHelpText(
      "after",
      "\nExample:\n  $ acr keys\n  $ acr keys create --role user --label ci\n  $ acr keys revoke 9f2c41d0\n",
    )
    .action(() => list(program));
  keys
    .command("list")
    .description("List API keys: id, prefix, role, label, created, last used (never the key itself)")
    .action(() => list(program));
  keys
    .command("create")
    .description("Create an API key (needs an admin key); its plaintext is printed once")
    .addOption(new Option("--role <role>", "role of the new key").choices(["user", "admin"]).default("user"))
    .option("--label <label>", "what the key is for", "")
    .action(async (o: { role: string; label: string }) => {
      const r = await new ApiClient(requireConfig()).request<{ api_key: string; tenant: { ns: string } }>(
        "POST",
        "/v1/keys",
        { role: o.role, label: o.label },
      );
      if (program.opts().json) return console.log(JSON.stringify(r));
      console.log(`${r.api_key}\n${color.dim(`ns ${r.tenant.ns}; shown once: store it now`)}`);
    });
  keys
    .command("revoke <id>")
    .description("Revoke a key by its id (from `acr keys`): refused at once by the instance that revoked it")
    .action(async (id: string) => {
      const r = await new ApiClient(requireConfig()).request<{ revoked: KeyInfo; propagation_seconds: number }>(
        "DELETE",
        `/v1/keys/${encodeURIComponent(id)}`,
      );
      if (program.opts().json) return console.log(JSON.stringify(r));
      console.log(
        `revoked ${r.revoked.prefix ?? r.revoked.id} (${r.revoked.role}${r.revoked.label ? `, ${r.revoked.label}` : ""}); ` +
          `other instances refuse it within ${r.propagation_seconds} s`,
      );
    });
}

async function list(program: Command): Promise<void> {
  const cfg = requireConfig();
  const r = await new ApiClient(cfg).request<{ keys: KeyInfo[] }>("GET", "/v1/keys");
  if (program.opts().json) return console.log(JSON.stringify(r.keys));
  console.log(color.dim("ID                PREFIX    ROLE   CREATED     LAST USED   LABEL"));
  for (const k of r.keys) {
    const current = cfg.ns === k.ns ? color.green(" (this key)") : "";
    console.log(
      `${k.id}  ${(k.prefix ?? "-").padEnd(8)}  ${k.role.padEnd(5)}  ${k.created_at.slice(0, 10)}  ${(k.last_used_at ?? "never").slice(0, 10).padEnd(10)}  ${k.label}${current}`,
    );
  }
}
