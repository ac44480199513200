import { UserError } from "../ui/errors.js";
import { type CloudflareApi, CloudflareApiError } from "./api.js";

export { type CallObserver, CloudflareApi, CloudflareApiError, type CloudflareApiOptions } from "./api.js";

export interface KvNamespace {
  id: string;
  title: string;
}

export interface R2Bucket {
  name: string;
  creation_date?: string;
}

/** A permission the installer needs, as the Cloudflare dashboard names it, and the read that proves it. */
export const REQUIRED_PERMISSIONS = [
  { permission: "Account Settings: Read", probe: "" },
  { permission: "Workers KV Storage: Edit", probe: "/storage/kv/namespaces?page=1&per_page=5" },
  { permission: "Workers R2 Storage: Edit", probe: "/r2/buckets?per_page=1" },
  { permission: "Workers Scripts: Edit", probe: "/workers/scripts" },
] as const;

/**
 * Checks that the token is valid (user- or account-owned) and can read what the installer will
 * write. Throws one {@link UserError} naming every missing permission.
 *
 * @example
 * await verifyToken(new CloudflareApi({ accountId, apiToken }));
 */
export async function verifyToken(cf: CloudflareApi): Promise<{ tokenId: string }> {
  let tokenId: string | undefined;
  let lastError: unknown;
  for (const path of ["/user/tokens/verify", cf.account("/tokens/verify")]) {
    try {
      const r = await cf.get<{ id: string; status: string }>(path);
      if (r.status !== "active") {
        throw new UserError(`The Cloudflare API token is ${r.status}`, "Create an active token (docs/install.md)");
      }
      tokenId = r.id;
      break;
    } catch (err) {
      if (!(err instanceof CloudflareApiError)) throw err;
      lastError = err;
    }
  }
  if (!tokenId) {
    const detail = lastError instanceof CloudflareApiError ? lastError.errors.map((e) => e.message).join("; ") : "";
    throw new UserError(
      `The Cloudflare API token was rejected${detail ? ` (${detail})` : ""}`,
      "Set CLOUDFLARE_API_TOKEN (or --api-token) to a valid token for this account",
    );
  }
  const missing: string[] = [];
  for (const { permission, probe } of REQUIRED_PERMISSIONS) {
    try {
      await cf.call("GET", cf.account(probe));
    } catch (err) {
      if (err instanceof CloudflareApiError && err.isAuth) missing.push(permission);
      else if (err instanceof CloudflareApiError && err.status === 404 && probe === "") {
        throw new UserError(
          `Cloudflare account ${cf.opts.accountId} was not found for this token`,
          "Check CLOUDFLARE_ACCOUNT_ID (dashboard → Workers & Pages → Account ID)",
        );
      } else throw err;
    }
  }
  if (missing.length > 0) {
    throw new UserError(
      `The Cloudflare API token lacks ${missing.length === 1 ? "the permission" : "the permissions"} ${missing.map((m) => `"${m}"`).join(", ")}`,
      `Edit the token in the dashboard (My Profile → API Tokens) and add: ${missing.join(", ")}`,
    );
  }
  return { tokenId };
}

/** All KV namespaces of the account, every page. */
export function listKvNamespaces(cf: CloudflareApi): Promise<KvNamespace[]> {
  return cf.listAll<KvNamespace>(cf.account("/storage/kv/namespaces"), 100);
}

export async function createKvNamespace(cf: CloudflareApi, title: string): Promise<KvNamespace> {
  return (await cf.call<KvNamespace>("POST", cf.account("/storage/kv/namespaces"), { title })).result;
}

/** All R2 buckets of the account, following the cursor. */
export async function listR2Buckets(cf: CloudflareApi): Promise<R2Bucket[]> {
  const out: R2Bucket[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 1000; i++) {
    const q = `?per_page=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const env = await cf.call<{ buckets: R2Bucket[] }>("GET", cf.account(`/r2/buckets${q}`));
    out.push(...(env.result?.buckets ?? []));
    cursor = env.result_info?.cursor;
    if (!cursor || (env.result?.buckets ?? []).length === 0) break;
  }
  return out;
}

export async function createR2Bucket(cf: CloudflareApi, name: string): Promise<R2Bucket> {
  return (await cf.call<R2Bucket>("POST", cf.account("/r2/buckets"), { name })).result;
}

/** The account's `{subdomain}.workers.dev`, or null when none is registered yet. */
export async function getWorkersSubdomain(cf: CloudflareApi): Promise<string | null> {
  try {
    return (await cf.get<{ subdomain: string }>(cf.account("/workers/subdomain"))).subdomain || null;
  } catch (err) {
    if (err instanceof CloudflareApiError && err.status === 404) return null;
    throw err;
  }
}

export async function listWorkerScripts(cf: CloudflareApi): Promise<string[]> {
  return (await cf.get<{ id: string }[]>(cf.account("/workers/scripts"))).map((s) => s.id);
}

/** Names of a Worker's secrets; null when the Worker does not exist. */
export async function listSecretNames(cf: CloudflareApi, script: string): Promise<string[] | null> {
  try {
    return (await cf.get<{ name: string }[]>(cf.account(`/workers/scripts/${script}/secrets`))).map((s) => s.name);
  } catch (err) {
    if (err instanceof CloudflareApiError && (err.status === 404 || err.hasCode(10007))) return null;
    throw err;
  }
}

/** `PUT …/secrets`: the same call `wrangler secret put` makes. */
export async function putSecret(cf: CloudflareApi, script: string, name: string, text: string): Promise<void> {
  await cf.call("PUT", cf.account(`/workers/scripts/${script}/secrets`), { name, text, type: "secret_text" });
}
