import { CredentialError, decryptCredential } from "../../credentials";
import { HostError } from "../../lib/wasi-shim";
import type { CallContext } from "../types";

/** Maps a credential failure to the component-facing error (codes from credentials/index.ts). */
export function credentialFailure(err: unknown): HostError {
  if (err instanceof CredentialError) return new HostError(err.code, err.message);
  return new HostError("CREDENTIAL_UNAVAILABLE", "the credential could not be read");
}

/**
 * `crypto_decrypt({ name })` → `{ plaintext }`: the caller's own `{keyHash}:cred:{name}`, opened
 * with ENCRYPTION_KEY inside this function only.
 */
export function cryptoDecryptHost(ctx: CallContext) {
  return async (request: unknown): Promise<unknown> => {
    const name = (request as { name?: unknown } | null)?.name;
    if (typeof name !== "string" || !/^[A-Za-z0-9_.-]{1,128}$/.test(name)) {
      throw new HostError("BAD_HOST_REQUEST", "crypto_decrypt needs { name } with letters, digits, _ . -");
    }
    try {
      return { plaintext: await decryptCredential(ctx.env, ctx.tenant, name) };
    } catch (err) {
      throw credentialFailure(err);
    }
  };
}

/**
 * `crypto_sign_rs256({ data | data_base64, credential | pkcs8 })` → `{ signature }` (base64url).
 * With `credential`, the PKCS#8 key (PEM, or a JSON service-account file with `private_key`) never
 * leaves the host.
 */
export function cryptoSignHost(ctx: CallContext) {
  return async (request: unknown): Promise<unknown> => {
    const r = (request ?? {}) as { data?: unknown; data_base64?: unknown; credential?: unknown; pkcs8?: unknown };
    let data: Uint8Array;
    if (typeof r.data === "string") data = new TextEncoder().encode(r.data);
    else if (typeof r.data_base64 === "string") data = base64ToBytes(r.data_base64);
    else throw new HostError("BAD_HOST_REQUEST", "crypto_sign_rs256 needs data (text) or data_base64");
    let pem: string;
    if (typeof r.credential === "string") {
      try {
        pem = await decryptCredential(ctx.env, ctx.tenant, r.credential);
      } catch (err) {
        throw credentialFailure(err);
      }
    } else if (typeof r.pkcs8 === "string") {
      pem = r.pkcs8;
    } else {
      throw new HostError("BAD_HOST_REQUEST", "crypto_sign_rs256 needs credential (a name) or pkcs8 (a PEM)");
    }
    let key: CryptoKey;
    try {
      key = await crypto.subtle.importKey(
        "pkcs8",
        pkcs8Der(pem),
        { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
        false,
        ["sign"],
      );
    } catch {
      throw new HostError("INVALID_PRIVATE_KEY", "the key is not an RSA private key in PKCS#8 (BEGIN PRIVATE KEY)");
    }
    const sig = new Uint8Array(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", key, data));
    return { signature: toBase64Url(sig) };
  };
}

/** DER bytes of a PKCS#8 key given as PEM, bare base64, or a service-account JSON with `private_key`. */
function pkcs8Der(text: string): Uint8Array {
  let pem = text.trim();
  if (pem.startsWith("{")) {
    try {
      pem = String((JSON.parse(pem) as { private_key?: unknown }).private_key ?? "");
    } catch {
      // not JSON after all: treated as PEM below
    }
  }
  const body = pem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, "").replace(/\\n|\s/g, "");
  return base64ToBytes(body);
}

function base64ToBytes(s: string): Uint8Array {
  try {
    return Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  } catch {
    throw new HostError("BAD_HOST_REQUEST", "invalid base64");
  }
}

function toBase64Url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
