import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { userConfigPath } from "../config/index.js";

/**
 * What an installation owns in the Cloudflare account, and which steps have finished.
 * Written after every step, so a run cut off halfway resumes where it stopped.
 */
export interface InstallState {
  version: 1;
  accountId: string;
  prefix: string;
  /** Binding → KV namespace id. Once recorded, an id is never silently replaced. */
  kv: Record<string, string>;
  r2?: string;
  subdomain?: string;
  url?: string;
  /** Step name → ISO time it finished. */
  steps: Record<string, string>;
}

/** `~/.arcrun/install/{account}-{prefix}.json` (under ARCRUN_HOME when set). */
export function statePath(accountId: string, prefix: string): string {
  return join(dirname(userConfigPath()), "install", `${accountId}-${prefix}.json`);
}

/** The deploy folder with the generated wrangler configs and bundles. */
export function deployDir(prefix: string): string {
  return join(dirname(userConfigPath()), "deploy", prefix);
}

export function loadState(accountId: string, prefix: string): InstallState {
  const file = statePath(accountId, prefix);
  if (!existsSync(file)) return { version: 1, accountId, prefix, kv: {}, steps: {} };
  const s = JSON.parse(readFileSync(file, "utf8")) as InstallState;
  return { ...s, kv: s.kv ?? {}, steps: s.steps ?? {} };
}

/** Atomic write (temp file + rename): a crash never leaves half a state file. */
export function saveState(state: InstallState): void {
  const file = statePath(state.accountId, state.prefix);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}
