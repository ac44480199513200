import { existsSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { ApiClient } from "../api/client.js";
import { EXIT, UserError } from "../ui/errors.js";
import { requireConfig } from "./whoami.js";

type Primitive = "static_key" | "oauth2" | "service_account";

/**
 * A starting point for a new auth recipe: every field present, with what to put there.
 *
 * @example
 * scaffoldAuthRecipe("acme", "static_key").inject // { header: { Authorization: "Bearer {{secret.api_key}}" } }
 */
export function scaffoldAuthRecipe(service: string, primitive: Primitive): Record<string, unknown> {
  // Host names allow no underscores: my_service → my-service.
  const domain = service.replace(/_/g, "-");
  const base = {
    service,
    version: "1",
    display_name: service,
    primitive,
    base_url: `https://api.${domain}.com/v1`,
    required_secrets: [
      {
        key: "api_key",
        label: "API key",
        help: "Where in the service's dashboard the user creates this key",
        help_url: `https://${domain}.com/settings/api-keys`,
      },
    ],
    inject: { header: { Authorization: "Bearer {{secret.api_key}}" } },
    allowed_hosts: [`api.${domain}.com`],
    test: { method: "GET", path: "/me", expect_status: 200 },
  };
  if (primitive === "static_key") return base;
  if (primitive === "service_account") {
    return {
      ...base,
      required_secrets: [
        {
          key: "service_account",
          label: "Service account key (JSON)",
          help: "Create a service account and download a JSON key",
          help_url: "https://console.cloud.google.com/iam-admin/serviceaccounts",
          type: "json",
        },
      ],
      inject: { header: { Authorization: "Bearer {{runtime.access_token}}" } },
      service_account_kind: "google_jwt",
      token_exchange: {
        endpoint: "https://oauth2.googleapis.com/token",
        scopes: ["https://www.googleapis.com/auth/…"],
      },
      allowed_hosts: [`api.${domain}.com`, "oauth2.googleapis.com"],
    };
  }
  return {
    ...base,
    required_secrets: ["client_id", "client_secret", "refresh_token"].map((key) => ({
      key,
      label: key,
      help: `The OAuth ${key.replace("_", " ")} of your ${service} app`,
      help_url: `https://${domain}.com/developers/apps`,
    })),
    inject: { header: { Authorization: "Bearer {{runtime.access_token}}" } },
    token_exchange: { endpoint: `https://${domain}.com/oauth/token`, scopes: [], grant_type: "refresh_token" },
  };
}

export function registerAuthRecipe(program: Command): void {
  const cmd = program.command("auth-recipe").description("Auth recipes: how the platform authenticates to a service");
  const json = () => Boolean(program.opts().json);

  cmd
    .command("list")
    .description("The auth recipes you can use")
    .addHelpText("after", "\nExample:\n  $ acr auth-recipe list\n")
    .action(async () => {
      const r = await new ApiClient(requireConfig()).request<{
        auth_recipes: Array<{ service: string; primitive: string; display_name: string }>;
      }>("GET", "/v1/auth-recipes");
      if (json()) return console.log(JSON.stringify(r.auth_recipes));
      for (const a of r.auth_recipes)
        console.log(`${a.service.padEnd(16)} ${a.primitive.padEnd(16)} ${a.display_name}`);
    });

  cmd
    .command("scaffold <service>")
    .description("Write a new auth recipe to fill in, then `acr recipe push` it")
    .option("--primitive <kind>", "static_key | oauth2 | service_account", "static_key")
    .option("-o, --out <file>", "output file (default ./<service>.auth.json)")
    .option("--force", "overwrite an existing file")
    .addHelpText(
      "after",
      "\nExample:\n  $ acr auth-recipe scaffold acme --primitive static_key\n  $ acr recipe push acme.auth.json --credential acme_key\n",
    )
    .action((service: string, o: { primitive: string; out?: string; force?: boolean }) => {
      if (!/^[a-z][a-z0-9_]*$/.test(service)) {
        throw new UserError(`"${service}" is not a valid service name`, "Use snake_case, e.g. my_service", EXIT.usage);
      }
      if (!["static_key", "oauth2", "service_account"].includes(o.primitive)) {
        throw new UserError(
          `Unknown primitive "${o.primitive}"`,
          "Use static_key, oauth2 or service_account",
          EXIT.usage,
        );
      }
      const file = o.out ?? `${service}.auth.json`;
      if (existsSync(file) && !o.force)
        throw new UserError(`${file} already exists`, "Pass --force to overwrite, or -o another file");
      writeFileSync(file, `${JSON.stringify(scaffoldAuthRecipe(service, o.primitive as Primitive), null, 2)}\n`);
      if (json()) console.log(JSON.stringify({ file }));
      else
        console.log(
          `wrote ${file}: fill in base_url, the secrets' help_url, inject and test, then \`acr recipe push ${file}\``,
        );
    });
}
