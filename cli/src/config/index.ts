import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { parse, stringify } from "yaml";
import { localHome } from "../platform/paths.js";

/** Where `acr` talks to, and with which key. */
export interface ClientConfig {
  url: string;
  apiKey: string;
  ns?: string;
  encryptionKey?: string;
  /** Which source won: env, the local dev file, or the user config. */
  source: "env" | "dev.json" | "config.yaml";
  file?: string;
  /** Under `acr dev`: the local platform's secrets file (its ENCRYPTION_KEY is the client's key too). */
  localSecretsFile?: string;
}

/** The file `acr dev` writes on first start. */
export interface DevFile {
  url: string;
  apiKey: string;
  ns: string;
}

export function devFilePath(cwd = process.cwd()): string {
  return join(localHome(cwd), "dev.json");
}

export function userConfigPath(): string {
  return join(process.env.ARCRUN_HOME ?? join(homedir(), ".arcrun"), "config.yaml");
}

/**
 * Resolves the client config: `ARCRUN_URL`/`ARCRUN_API_KEY` env, else `./.arcrun/dev.json`,
 * else `~/.arcrun/config.yaml`. Returns null when none is set.
 */
export function resolveConfig(cwd = process.cwd()): ClientConfig | null {
  const env = process.env;
  if (env.ARCRUN_URL && env.ARCRUN_API_KEY) {
    return {
      url: trimSlash(env.ARCRUN_URL),
      apiKey: env.ARCRUN_API_KEY,
      encryptionKey: env.ARCRUN_ENCRYPTION_KEY,
      source: "env",
    };
  }
  const dev = devFilePath(cwd);
  if (existsSync(dev)) {
    const d = JSON.parse(readFileSync(dev, "utf8")) as DevFile & { encryptionKey?: string; state?: string };
    const localSecretsFile = d.state ? join(d.state, "secrets.json") : undefined;
    return {
      url: trimSlash(env.ARCRUN_URL || d.url),
      apiKey: env.ARCRUN_API_KEY || d.apiKey,
      ns: d.ns,
      encryptionKey: env.ARCRUN_ENCRYPTION_KEY || d.encryptionKey || localEncryptionKey(localSecretsFile),
      source: "dev.json",
      file: dev,
      ...(localSecretsFile ? { localSecretsFile } : {}),
    };
  }
  const user = userConfigPath();
  if (existsSync(user)) {
    const u = (parse(readFileSync(user, "utf8")) ?? {}) as Record<string, string | undefined>;
    // `||`: an empty ARCRUN_URL / ARCRUN_API_KEY means "not set", not "empty".
    const url = env.ARCRUN_URL || u.url;
    const apiKey = env.ARCRUN_API_KEY || u.api_key;
    if (url && apiKey) {
      return {
        url: trimSlash(url),
        apiKey,
        ns: u.ns,
        encryptionKey: env.ARCRUN_ENCRYPTION_KEY || u.encryption_key,
        source: "config.yaml",
        file: user,
      };
    }
  }
  return null;
}

/** The local platform's ENCRYPTION_KEY from its secrets file (written by `acr dev`), if readable. */
function localEncryptionKey(file: string | undefined): string | undefined {
  if (!file || !existsSync(file)) return undefined;
  try {
    const s = JSON.parse(readFileSync(file, "utf8")) as { encryptionKey?: unknown };
    return typeof s.encryptionKey === "string" ? s.encryptionKey : undefined;
  } catch {
    return undefined;
  }
}

function trimSlash(u: string): string {
  return u.replace(/\/+$/, "");
}

/** The raw `~/.arcrun/config.yaml` (snake_case keys), or an empty object when absent. */
export function readUserConfig(file = userConfigPath()): Record<string, string | undefined> {
  if (!existsSync(file)) return {};
  return ((parse(readFileSync(file, "utf8")) ?? {}) as Record<string, string | undefined>) ?? {};
}

/**
 * Merges `patch` into `~/.arcrun/config.yaml`, written with mode 0600 (it holds the encryption key).
 *
 * @example
 * writeUserConfig({ url: "https://arcrun-cypher-executor.me.workers.dev", api_key: "acr_…" });
 */
export function writeUserConfig(patch: Record<string, string | undefined>, file = userConfigPath()): void {
  const next = { ...readUserConfig(file), ...patch };
  for (const k of Object.keys(next)) if (next[k] === undefined) delete next[k];
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const header =
    "# arcrun CLI config, written by `acr init`. Keep encryption_key backed up: without it\n# stored credentials cannot be decrypted.\n";
  writeFileSync(file, header + stringify(next), { mode: 0o600 });
  chmodSync(file, 0o600);
}
