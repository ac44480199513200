/**
 * The credential envelope, byte-for-byte the format of docs/credentials.md: AES-GCM-256, 12-byte random iv,
 * AAD = UTF-8 of `arcrun:cred:v1:` + name, `encrypted` = ciphertext || 16-byte tag, base64 standard padded,
 * `kid` = first 8 hex chars of SHA-256 of the raw 32-byte key. Web Crypto only: Node ≥ 20, browsers, workers.
 */
export interface CredentialEnvelope {
  name: string;
  encrypted: string;
  iv: string;
  kid?: string;
}

export const AAD_PREFIX = "arcrun:cred:v1:";

const utf8 = new TextEncoder();

/** Standard padded base64 of bytes (no Buffer: runs in browsers and workers too). */
export function toBase64(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** Bytes of standard base64; throws on anything else. */
export function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Thrown when a key or an envelope is unusable; `code` matches the platform's error codes. */
export class CredentialCryptoError extends Error {
  constructor(
    readonly code: "INVALID_ENCRYPTION_KEY" | "CREDENTIAL_KEY_MISMATCH" | "INVALID_ENVELOPE",
    message: string,
  ) {
    super(message);
    this.name = "CredentialCryptoError";
  }
}

function rawKey(base64Key: string): Uint8Array {
  let raw: Uint8Array;
  try {
    raw = fromBase64(base64Key.trim());
  } catch {
    throw new CredentialCryptoError("INVALID_ENCRYPTION_KEY", "The encryption key is not base64");
  }
  if (raw.length !== 32) {
    throw new CredentialCryptoError(
      "INVALID_ENCRYPTION_KEY",
      `The encryption key must be 32 bytes in base64, got ${raw.length} bytes`,
    );
  }
  return raw;
}

async function aesKey(base64Key: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", rawKey(base64Key) as BufferSource, "AES-GCM", false, ["encrypt", "decrypt"]);
}

/**
 * The key id (`kid`) of a base64 key: first 8 hex characters of SHA-256 of the raw bytes.
 *
 * @example
 * await keyId(process.env.ARCRUN_ENCRYPTION_KEY!) // "630dcd29"
 */
export async function keyId(base64Key: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", rawKey(base64Key) as BufferSource));
  return [...digest.slice(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * A fresh random 32-byte key, base64: what `ARCRUN_ENCRYPTION_KEY` and the Worker's `ENCRYPTION_KEY` hold.
 *
 * @example
 * const key = generateKey();
 */
export function generateKey(): string {
  return toBase64(crypto.getRandomValues(new Uint8Array(32)));
}

/**
 * Encrypts a secret for credential `name` on the client. `iv` is for test vectors only.
 *
 * @example
 * const envelope = await encryptCredential(key, "github", "ghp_…");
 * await fetch(`${url}/v1/credentials/github`, { method: "PUT", body: JSON.stringify(envelope), headers });
 */
export async function encryptCredential(
  base64Key: string,
  name: string,
  plaintext: string,
  opts: { iv?: Uint8Array } = {},
): Promise<CredentialEnvelope> {
  const iv = opts.iv ?? crypto.getRandomValues(new Uint8Array(12));
  if (iv.length !== 12) throw new CredentialCryptoError("INVALID_ENVELOPE", "iv must be 12 bytes");
  const ct = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv: iv as BufferSource, additionalData: utf8.encode(AAD_PREFIX + name) },
    await aesKey(base64Key),
    utf8.encode(plaintext),
  );
  return { name, encrypted: toBase64(new Uint8Array(ct)), iv: toBase64(iv), kid: await keyId(base64Key) };
}

/**
 * Decrypts an envelope (tools, tests, key rotation). Fails with CREDENTIAL_KEY_MISMATCH, naming the
 * credential, when the key, the name or any byte is wrong.
 *
 * @example
 * const secret = await decryptCredential(key, envelope);
 */
export async function decryptCredential(base64Key: string, envelope: CredentialEnvelope): Promise<string> {
  const key = await aesKey(base64Key);
  let iv: Uint8Array;
  let data: Uint8Array;
  try {
    iv = fromBase64(envelope.iv);
    data = fromBase64(envelope.encrypted);
  } catch {
    throw new CredentialCryptoError("INVALID_ENVELOPE", `Credential "${envelope.name}": iv or encrypted is not base64`);
  }
  if (envelope.kid && envelope.kid !== (await keyId(base64Key))) {
    throw new CredentialCryptoError(
      "CREDENTIAL_KEY_MISMATCH",
      `Credential "${envelope.name}" was encrypted with key ${envelope.kid}, not with key ${await keyId(base64Key)}`,
    );
  }
  try {
    const pt = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: iv as BufferSource, additionalData: utf8.encode(AAD_PREFIX + envelope.name) },
      key,
      data as BufferSource,
    );
    return new TextDecoder().decode(pt);
  } catch {
    throw new CredentialCryptoError(
      "CREDENTIAL_KEY_MISMATCH",
      `Credential "${envelope.name}" cannot be decrypted with key ${await keyId(base64Key)} (another key, another name, or tampered)`,
    );
  }
}
