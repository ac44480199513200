import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ApiCallError, ApiClient } from "../api/client.js";

/** The local platform's own tenant: its API key and namespace, kept inside its state folder. */
export interface LocalIdentity {
  apiKey: string;
  ns: string;
}

/** `{state}/identity.json`: the identity travels with the data it owns. */
export function identityFile(stateDir: string): string {
  return join(stateDir, "identity.json");
}

/** The identity stored in a state folder, or null when there is none (or it is unreadable). */
export function readIdentity(stateDir: string): LocalIdentity | null {
  const file = identityFile(stateDir);
  if (!existsSync(file)) return null;
  try {
    const d = JSON.parse(readFileSync(file, "utf8")) as Partial<LocalIdentity>;
    return typeof d.apiKey === "string" && typeof d.ns === "string" ? { apiKey: d.apiKey, ns: d.ns } : null;
  } catch {
    return null;
  }
}

function writeIdentity(stateDir: string, id: LocalIdentity): void {
  const file = identityFile(stateDir);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(id, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/**
 * The state folder's tenant: reused when the running platform still knows its key, else created with the
 * operator token and saved beside the data. `legacy` is a key from an older dev.json (which used to hold
 * it) that is adopted when this state knows it, so upgrading keeps the tenant.
 *
 * @example
 * const id = await ensureLocalIdentity({ url, adminToken, stateDir, label: "local dev" });
 */
export async function ensureLocalIdentity(o: {
  url: string;
  adminToken: string;
  stateDir: string;
  label: string;
  legacy?: Partial<LocalIdentity>;
}): Promise<LocalIdentity & { created: boolean }> {
  const candidates = [readIdentity(o.stateDir), o.legacy];
  for (const c of candidates) {
    if (!c?.apiKey || !c.ns) continue;
    try {
      await new ApiClient({ url: o.url, apiKey: c.apiKey }).request("GET", "/v1/whoami");
      const id = { apiKey: c.apiKey, ns: c.ns };
      if (c !== candidates[0]) writeIdentity(o.stateDir, id);
      return { ...id, created: false };
    } catch (err) {
      // 401: the key belongs to another state folder. Anything else is a real failure, not a reason to
      // mint a new tenant that would hide this state's data.
      if (!(err instanceof ApiCallError) || err.status !== 401) throw err;
    }
  }
  const created = await new ApiClient({ url: o.url, apiKey: o.adminToken }).request<{
    api_key: string;
    tenant: { ns: string };
  }>("POST", "/v1/keys", { role: "admin", label: o.label });
  const id = { apiKey: created.api_key, ns: created.tenant.ns };
  writeIdentity(o.stateDir, id);
  return { ...id, created: true };
}

/**
 * How a start banner shows the API key: in full only right after it was created (so it is printed once),
 * afterwards only its first characters and where it is kept, so logs of later starts never hold it.
 *
 * @example
 * shownKey({ apiKey: "acr_1a2b…", created: false }, "/s/identity.json"); // "acr_1a2b… (in /s/identity.json)"
 */
export function shownKey(id: { apiKey: string; created: boolean }, file: string): string {
  return id.created ? id.apiKey : `${id.apiKey.slice(0, 8)}… (in ${file})`;
}

/** `./.arcrun/dev.json`: only where the running platform is and which state folder it serves. */
export interface DevPointer {
  url: string;
  state: string;
  mode?: "dev" | "serve";
}

/** Writes the pointer (mode 0600: older versions of this file held a key). */
export function writeDevPointer(file: string, pointer: DevPointer): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(pointer, null, 2)}\n`, { mode: 0o600 });
}

/** The key and ns an older dev.json held, to adopt on upgrade. */
export function legacyIdentity(devFile: string): Partial<LocalIdentity> | undefined {
  if (!existsSync(devFile)) return undefined;
  try {
    const d = JSON.parse(readFileSync(devFile, "utf8")) as Partial<LocalIdentity> & { state?: string };
    return d.apiKey ? { apiKey: d.apiKey, ns: d.ns } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What `acr dev` and `acr serve` do once the platform answers: make sure the state folder's tenant exists (adopting
 * the key an older dev.json held) and point `./.arcrun/dev.json` at the running platform.
 *
 * @example
 * const { created, ...id } = await adoptPlatform({ url, adminToken, stateDir, label: "acr serve", mode: "serve" }, devFile);
 */
export async function adoptPlatform(
  o: { url: string; adminToken: string; stateDir: string; label: string; mode: "dev" | "serve" },
  devFile: string,
): Promise<LocalIdentity & { created: boolean }> {
  const id = await ensureLocalIdentity({ ...o, legacy: legacyIdentity(devFile) });
  writeDevPointer(devFile, { url: o.url, state: o.stateDir, mode: o.mode });
  return id;
}
