import { readFileSync } from "node:fs";
import { ArcrunClient, ArcrunError, CredentialCryptoError, encryptCredential, keyId } from "@arcrun/sdk";
import { type Command, Option } from "commander";
import { ApiCallError } from "../api/client.js";
import { CloudflareApi } from "../cloudflare/index.js";
import { type ClientConfig, readUserConfig } from "../config/index.js";
import { EXIT, UserError } from "../ui/errors.js";
import { assertNotCommittable } from "./credential-gitguard.js";
import { parseCredentialsYaml, readSecret } from "./credential-input.js";
import { cloudflareKeyInstaller, type KeyInstaller, localKeyInstaller, rotateKey } from "./credential-rotate.js";
import { cloudflareCredentials } from "./init.js";
import { requireConfig } from "./whoami.js";

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** The platform's errors keep their code (CREDENTIAL_KEY_MISMATCH, …) on the CLI's error path. */
function cliError(err: unknown): unknown {
  if (err instanceof ArcrunError && err.code === "UNREACHABLE") {
    return new UserError(err.message, "Start it with `acr dev` (local), or set ARCRUN_URL to your deployment");
  }
  if (err instanceof ArcrunError) {
    return new ApiCallError(err.status, err.code, err.message, { error: { code: err.code, ...err.details } });
  }
  if (err instanceof CredentialCryptoError) {
    return new UserError(err.message, "Check ARCRUN_ENCRYPTION_KEY: 32 bytes, base64");
  }
  return err;
}

async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw cliError(err);
  }
}

function clientOf(cfg: ClientConfig): ArcrunClient {
  return new ArcrunClient({
    url: cfg.url,
    apiKey: cfg.apiKey,
    ...(cfg.encryptionKey ? { encryptionKey: cfg.encryptionKey } : {}),
  });
}

function requireKey(cfg: ClientConfig): string {
  if (!cfg.encryptionKey) {
    throw new UserError(
      "No encryption key to encrypt credentials with",
      "Set ARCRUN_ENCRYPTION_KEY (32 bytes, base64; the platform's ENCRYPTION_KEY), or run `acr dev` here",
    );
  }
  return cfg.encryptionKey;
}

/**
 * Refuses to upload anything when the local key is not one the platform holds, naming the credentials:
 * a lost or wrong key is a clear CREDENTIAL_KEY_MISMATCH, never a later decryption failure.
 */
async function assertKeyMatches(client: ArcrunClient, key: string, names: string[]): Promise<string> {
  const [mine, platform] = await Promise.all([keyId(key), client.platformKey()]);
  if (mine !== platform.kid && mine !== platform.next_kid) {
    throw new ApiCallError(
      409,
      "CREDENTIAL_KEY_MISMATCH",
      `Credential ${names.map((n) => `"${n}"`).join(", ")} not uploaded: your local encryption key is ${mine}, the platform's is ${platform.kid ?? "not set"}`,
      { error: { code: "CREDENTIAL_KEY_MISMATCH", credentials: names, kid: mine, platform_kid: platform.kid } },
    );
  }
  return mine;
}

function print(program: Command, json: unknown, text: string): void {
  if (program.opts().json) console.log(JSON.stringify(json));
  else console.log(text);
}

/**
 * `acr credential set|list|rm|key|push|rotate-key` (alias `acr creds`). Secrets are encrypted here with
 * the platform's key before upload, and are read from a hidden prompt, stdin or a file: never argv.
 */
export function registerCredential(program: Command): void {
  const cred = program
    .command("credential")
    .alias("creds")
    .description("Manage credentials: encrypted on this machine, decrypted only inside the platform's host functions")
    .addHelpText(
      "after",
      "\nExamples:\n  $ acr credential set github              # hidden prompt\n  $ gh auth token | acr credential set github\n  $ acr credential set gcp --from-file key.json\n  $ acr creds push credentials.yaml\n  $ acr credential rotate-key\n",
    );

  cred
    .command("set <name>")
    .description("Encrypt a secret locally and store it as credential <name>")
    .option("--stdin", "read the secret from stdin (the default when stdin is not a terminal)")
    .option("--from-file <path>", "read the secret from a file (one trailing newline is dropped)")
    .addOption(new Option("--value <secret>").hideHelp())
    .action(async (name: string, o: { stdin?: boolean; fromFile?: string; value?: string }) => {
      if (o.value !== undefined) {
        throw new UserError(
          "Refusing --value: a secret on the command line lands in shell history and the process list",
          `Pipe it (… | acr credential set ${name}), use --from-file, or type it at the hidden prompt; and rotate that secret`,
          EXIT.usage,
        );
      }
      if (!NAME.test(name) || name === "key") {
        throw new UserError(
          `"${name}" is not a valid credential name`,
          "Use [A-Za-z0-9_.-]{1,64}; `key` is reserved",
          EXIT.usage,
        );
      }
      const cfg = requireConfig();
      const key = requireKey(cfg);
      await guarded(async () => {
        const client = clientOf(cfg);
        await assertKeyMatches(client, key, [name]);
        const secret = await readSecret(name, o);
        const info = await client.credentials.putEnvelope(await encryptCredential(key, name, secret));
        print(program, info, `✓ credential ${info.name} stored, encrypted with key ${info.kid}`);
      });
    });

  cred
    .command("push [file]")
    .description("Encrypt and store every credential of a YAML map name → secret (default credentials.yaml)")
    .action(async (file = "credentials.yaml") => {
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch {
        throw new UserError(`Cannot read ${file}`, "Pass the path of a YAML map: `github: ghp_…`", EXIT.usage);
      }
      assertNotCommittable(file);
      const entries = parseCredentialsYaml(text, file);
      if (entries.length === 0) throw new UserError(`${file} holds no credentials`, "Add lines like `github: ghp_…`");
      const cfg = requireConfig();
      const key = requireKey(cfg);
      await guarded(async () => {
        const client = clientOf(cfg);
        const kid = await assertKeyMatches(
          client,
          key,
          entries.map((e) => e.name),
        );
        const stored: string[] = [];
        for (const e of entries) {
          try {
            await client.credentials.putEnvelope(await encryptCredential(key, e.name, e.value));
          } catch (err) {
            const msg = err instanceof Error ? err.message : String(err);
            throw new UserError(`${file}:${e.line}:${e.column}: credential "${e.name}" was not stored: ${msg}`);
          }
          stored.push(e.name);
        }
        print(
          program,
          { stored, kid },
          `${stored.map((n) => `✓ ${n}`).join("\n")}\n${stored.length} credential(s) stored, key ${kid}`,
        );
      });
    });

  cred
    .command("list")
    .alias("ls")
    .description("List credential names, key ids and dates (never secrets)")
    .action(async () => {
      const cfg = requireConfig();
      await guarded(async () => {
        const list = await clientOf(cfg).credentials.list();
        const rows = list.map((c) => `${c.name.padEnd(24)} ${(c.kid ?? "-").padEnd(9)} ${c.updated_at}`);
        print(
          program,
          { credentials: list },
          list.length ? [`${"NAME".padEnd(24)} KID       UPDATED`, ...rows].join("\n") : "no credentials",
        );
      });
    });

  cred
    .command("rm <name>")
    .alias("delete")
    .description("Delete a credential")
    .action(async (name: string) => {
      const cfg = requireConfig();
      await guarded(async () => {
        await clientOf(cfg).credentials.delete(name);
        print(program, { deleted: true, name }, `✓ credential ${name} deleted`);
      });
    });

  cred
    .command("key")
    .description("Compare your local encryption key's id with the platform's (no key is shown)")
    .action(async () => {
      const cfg = requireConfig();
      await guarded(async () => {
        const platform = await clientOf(cfg).platformKey();
        const local = cfg.encryptionKey ? await keyId(cfg.encryptionKey) : null;
        const match = local !== null && (local === platform.kid || local === platform.next_kid);
        print(
          program,
          { local_kid: local, kid: platform.kid, next_kid: platform.next_kid, match },
          `local key     ${local ?? "none (set ARCRUN_ENCRYPTION_KEY)"}\nplatform key  ${platform.kid ?? "none"}${platform.next_kid ? `\nnext key      ${platform.next_kid} (rotation in progress)` : ""}\n${match ? "✓ match" : "✗ MISMATCH: credentials you set would be refused"}`,
        );
        if (!match) process.exitCode = EXIT.failure;
      });
    });

  cred
    .command("rotate-key")
    .description("Rotate the platform's encryption key; credentials keep decrypting at every step")
    .option("--force", "promote even if credentials of other API keys still use the old key")
    .option("--account-id <id>", "Cloudflare account id (env CLOUDFLARE_ACCOUNT_ID)")
    .option("--api-token <token>", "Cloudflare API token (env CLOUDFLARE_API_TOKEN; prefer the env)")
    .option("--prefix <name>", "the installation's prefix (default from ~/.arcrun/config.yaml, else arcrun)")
    .action(async (o: { force?: boolean; accountId?: string; apiToken?: string; prefix?: string }) => {
      const cfg = requireConfig();
      const oldKey = requireKey(cfg);
      let installer: KeyInstaller;
      if (cfg.localSecretsFile) {
        installer = localKeyInstaller(cfg.localSecretsFile);
      } else if (readUserConfig().account_id || o.accountId || process.env.CLOUDFLARE_ACCOUNT_ID) {
        const { accountId, apiToken, prefix } = await cloudflareCredentials(o);
        const cf = new CloudflareApi({
          accountId,
          apiToken,
          ...(process.env.CLOUDFLARE_API_BASE_URL ? { baseUrl: process.env.CLOUDFLARE_API_BASE_URL } : {}),
        });
        installer = cloudflareKeyInstaller(cf, `${prefix}-cypher-executor`);
      } else {
        throw new UserError(
          "Cannot tell where the platform's keys live",
          "Run it in the folder of `acr dev`, or after `acr init --self-hosted` (which records the Cloudflare account)",
        );
      }
      const json = Boolean(program.opts().json);
      await guarded(async () => {
        const report = await rotateKey({
          client: clientOf(cfg),
          oldKey,
          installer,
          force: Boolean(o.force),
          onStep: (m) => {
            if (!json) console.log(`  ${m}`);
          },
        });
        print(
          program,
          report,
          `✓ key rotated ${report.oldKid} → ${report.newKid}; ${report.reencrypted.length} credential(s) re-encrypted` +
            (cfg.source === "env"
              ? "\n  Update ARCRUN_ENCRYPTION_KEY to the new key (now in your config); the old one is retired"
              : ""),
        );
      });
    });
}
