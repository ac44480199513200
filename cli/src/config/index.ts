import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parse, stringify } from "yaml";
import { readIdentity } from "../platform/identity.js";
import { localHome } from "../platform/paths.js";
import { stateSecretsFile } from "../platform/secrets-store.js";
import { EXIT, UserError } from "../ui/errors.js";

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
  /** The named profile of config.yaml in use, if any. */
  profile?: string;
}

/** The local platform as `acr dev` reports it (the key itself lives in the state folder). */
export interface DevFile {
  url: string;
  apiKey: string;
  ns: string;
}

/** Where `acr dev` / `acr serve` started from `cwd` write their pointer: in {@link localHome}. */
export function devFilePath(cwd = process.cwd()): string {
  return join(localHome(cwd), "dev.json");
}

/**
 * The nearest `.arcrun/dev.json` from `cwd` upwards (as wrangler finds its config), or null. A run
 * from `examples/` finds the platform started at the checkout's root.
 */
export function findDevFile(cwd = process.cwd()): string | null {
  let dir = resolve(cwd);
  for (;;) {
    const file = join(dir, ".arcrun", "dev.json");
    if (existsSync(file)) return file;
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

export function userConfigPath(): string {
  return join(process.env.ARCRUN_HOME ?? join(homedir(), ".arcrun"), "config.yaml");
}

/** The named profile in use (`--profile` sets ARCRUN_PROFILE), or undefined for the default one. */
export function activeProfile(): string | undefined {
  return process.env.ARCRUN_PROFILE || undefined;
}

/**
 * Resolves the client config, first match wins: `ARCRUN_URL`/`ARCRUN_API_KEY` env; the named profile
 * (`--profile`/`ARCRUN_PROFILE`) of `~/.arcrun/config.yaml`; the nearest `.arcrun/dev.json` from `cwd`
 * upwards (its state folder holds the key); the config file's default profile. Null when none is set.
 *
 * @example
 * const cfg = resolveConfig(); // { url, apiKey, ns, source: "dev.json", file: "/repo/.arcrun/dev.json" }
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
  const profile = activeProfile();
  if (profile) return fromUserConfig(requireProfile(profile), profile);
  const dev = findDevFile(cwd);
  if (dev) {
    const d = JSON.parse(readFileSync(dev, "utf8")) as Partial<DevFile> & { encryptionKey?: string; state?: string };
    // dev.json is a pointer: the key lives with the state it belongs to (older files held it themselves).
    const id = (d.state ? readIdentity(d.state) : null) ?? (d.apiKey && d.ns ? { apiKey: d.apiKey, ns: d.ns } : null);
    const localSecretsFile = d.state ? localSecretsOf(d.state) : undefined;
    if (d.url && id) {
      return {
        url: trimSlash(env.ARCRUN_URL || d.url),
        apiKey: env.ARCRUN_API_KEY || id.apiKey,
        ns: id.ns,
        encryptionKey: env.ARCRUN_ENCRYPTION_KEY || d.encryptionKey || localEncryptionKey(localSecretsFile),
        source: "dev.json",
        file: dev,
        ...(localSecretsFile ? { localSecretsFile } : {}),
      };
    }
  }
  const user = userConfigPath();
  return existsSync(user) ? fromUserConfig(readUserConfig(user)) : null;
}

function fromUserConfig(u: Record<string, string | undefined>, profile?: string): ClientConfig | null {
  const env = process.env;
  // `||`: an empty ARCRUN_URL / ARCRUN_API_KEY means "not set", not "empty".
  const url = env.ARCRUN_URL || u.url;
  const apiKey = env.ARCRUN_API_KEY || u.api_key;
  if (!url || !apiKey) return null;
  return {
    url: trimSlash(url),
    apiKey,
    ns: u.ns,
    encryptionKey: env.ARCRUN_ENCRYPTION_KEY || u.encryption_key,
    source: "config.yaml",
    file: userConfigPath(),
    ...(profile ? { profile } : {}),
  };
}

/** The named profile's settings; an unknown name is a usage error naming the ones that exist. */
function requireProfile(name: string): Record<string, string | undefined> {
  const profiles = readProfiles();
  const p = profiles[name];
  if (!p) {
    const known = Object.keys(profiles);
    throw new UserError(
      `No profile "${name}" in ${userConfigPath()}`,
      known.length
        ? `Use one of: ${known.join(", ")}; or create it with \`acr init --self-hosted --profile ${name}\``
        : `Create it with \`acr init --self-hosted --profile ${name}\` (or add profiles.${name} with url and api_key)`,
      EXIT.usage,
    );
  }
  return p;
}

function readProfiles(file = userConfigPath()): Record<string, Record<string, string | undefined>> {
  const raw = readRawUserConfig(file).profiles;
  return raw && typeof raw === "object" ? (raw as Record<string, Record<string, string | undefined>>) : {};
}

/** The state's key file (outside the state folder since the key moved out), or none when unreadable. */
function localSecretsOf(state: string): string | undefined {
  try {
    return stateSecretsFile(state);
  } catch {
    return undefined;
  }
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

function readRawUserConfig(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  return ((parse(readFileSync(file, "utf8")) ?? {}) as Record<string, unknown>) ?? {};
}

/**
 * The settings of the active profile in `~/.arcrun/config.yaml` (snake_case keys): the top level, or
 * `profiles.{name}` under `--profile`/`ARCRUN_PROFILE`. An empty object when absent.
 */
export function readUserConfig(file = userConfigPath()): Record<string, string | undefined> {
  const profile = activeProfile();
  if (profile) return readProfiles(file)[profile] ?? {};
  const { profiles: _profiles, ...top } = readRawUserConfig(file);
  return top as Record<string, string | undefined>;
}

/**
 * Merges `patch` into the active profile of `~/.arcrun/config.yaml`, written with mode 0600 (it holds
 * the encryption key). Other profiles are kept as they are.
 *
 * @example
 * writeUserConfig({ url: "https://arcrun-cypher-executor.me.workers.dev", api_key: "acr_…" });
 */
export function writeUserConfig(patch: Record<string, string | undefined>, file = userConfigPath()): void {
  const raw = readRawUserConfig(file);
  const profile = activeProfile();
  const section = { ...readUserConfig(file), ...patch };
  for (const k of Object.keys(section)) if (section[k] === undefined) delete section[k];
  const next = profile
    ? { ...raw, profiles: { ...((raw.profiles as object) ?? {}), [profile]: section } }
    : { ...section, ...(raw.profiles ? { profiles: raw.profiles } : {}) };
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const header =
    "# arcrun CLI config, written by `acr init`. Keep encryption_key backed up: without it\n# stored credentials cannot be decrypted.\n";
  writeFileSync(file, header + stringify(next), { mode: 0o600 });
  chmodSync(file, 0o600);
}
