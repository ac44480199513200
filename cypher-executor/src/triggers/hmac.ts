import type { Tenant } from "../auth/api-keys";
import { CredentialError, decryptCredential } from "../credentials/index";
import type { Env } from "../env";
import { ApiError } from "../http/errors";
import { timingSafeEqual, toHex } from "../utils/crypto";

/**
 * Verifies `X-Arcrun-Signature: sha256=<hex>`: HMAC-SHA256 of the raw body with the secret stored as
 * the tenant's credential `secretName`. This is the one place the executor decrypts a credential
 * outside a host function: verifying a signature needs the secret, and it never leaves this function.
 *
 * @example
 * await verifyHmac(env, tenant, "github_hook", rawBody, req.headers.get("x-arcrun-signature"));
 */
export async function verifyHmac(
  env: Env,
  tenant: Tenant,
  secretName: string | undefined,
  body: ArrayBuffer,
  header: string | null,
): Promise<void> {
  if (!secretName) {
    throw misconfigured(tenant, "HMAC_SECRET_MISSING", "the trigger uses hmac but names no secret credential");
  }
  const m = /^sha256=([0-9a-fA-F]{64})$/.exec(header?.trim() ?? "");
  if (!m?.[1]) {
    throw new ApiError(401, "SIGNATURE_REQUIRED", "Send X-Arcrun-Signature: sha256=<hex HMAC-SHA256 of the raw body>", {
      header: "X-Arcrun-Signature",
    });
  }
  const secret = await webhookSecret(env, tenant, secretName);
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const expected = toHex(new Uint8Array(await crypto.subtle.sign("HMAC", key, body)));
  if (!timingSafeEqual(expected, m[1].toLowerCase())) {
    throw new ApiError(401, "SIGNATURE_MISMATCH", "X-Arcrun-Signature does not match the body", {
      header: "X-Arcrun-Signature",
    });
  }
}

/**
 * The decrypted signing secret of a webhook. A missing or unusable credential answers the anonymous
 * caller only that the webhook is misconfigured, never which credential or why; the owner finds the
 * cause in the platform log (`acr logs`), keyed by tenant.
 *
 * @example
 * const secret = await webhookSecret(env, tenant, "github_hook");
 */
export async function webhookSecret(env: Env, tenant: Tenant, secretName: string | undefined): Promise<string> {
  if (!secretName) {
    throw misconfigured(
      tenant,
      "HMAC_SECRET_MISSING",
      "the workflow's trigger uses hmac but names no secret credential",
    );
  }
  try {
    return await decryptCredential(env, tenant, secretName);
  } catch (err) {
    if (err instanceof CredentialError) {
      throw misconfigured(
        tenant,
        "HMAC_SECRET_UNAVAILABLE",
        `secret credential "${secretName}" is unusable: ${err.code}`,
      );
    }
    throw err;
  }
}

function misconfigured(tenant: Tenant, code: string, detail: string): ApiError {
  console.warn(JSON.stringify({ level: "warn", event: "webhook_misconfigured", ns: tenant.ns, code, detail }));
  return new ApiError(
    500,
    "WEBHOOK_MISCONFIGURED",
    "This webhook cannot verify signatures; its owner must fix its trigger",
  );
}
