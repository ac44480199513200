/**
 * The credential envelope, one wire format for every client (CLI, JS SDK, Python SDK):
 * `{ name, encrypted, iv, kid? }`, AES-GCM-256, iv = 12 random bytes, both base64 (standard, padded),
 * `encrypted` = ciphertext followed by the 16-byte tag, additional authenticated data = the UTF-8
 * bytes of `arcrun:cred:v1:` + name (so a ciphertext cannot be moved to another name).
 * `kid` = first 8 hex chars of SHA-256 of the raw key, so rotation can tell keys apart.
 * The normative description is docs/credentials.md.
 */
export interface CredentialEnvelope {
  name: string;
  encrypted: string;
  iv: string;
  kid?: string;
}

export const AAD_PREFIX = "arcrun:cred:v1:";

const enc = new TextEncoder();
const dec = new TextDecoder();

export function b64decode(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function b64encode(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** Imports a base64 32-byte key for AES-GCM; throws a clear error when it is not 32 bytes. */
export async function importKey(base64Key: string): Promise<CryptoKey> {
  const raw = b64decode(base64Key.trim());
  if (raw.length !== 32) throw new Error(`encryption key must be 32 bytes of base64, got ${raw.length} bytes`);
  return crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
}

/** `kid` of a base64 key: first 8 hex chars of SHA-256 of the raw bytes. */
export async function keyId(base64Key: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", b64decode(base64Key.trim())));
  return [...digest.slice(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Encrypts a secret into an envelope (clients do this; the server never needs to). */
export async function sealCredential(
  base64Key: string,
  name: string,
  plaintext: string,
  iv?: Uint8Array,
): Promise<CredentialEnvelope> {
  const key = await importKey(base64Key);
  const nonce = iv ?? crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv: nonce, additionalData: enc.encode(AAD_PREFIX + name) },
    key,
    enc.encode(plaintext),
  );
  return { name, encrypted: b64encode(new Uint8Array(ct)), iv: b64encode(nonce), kid: await keyId(base64Key) };
}

/** Decrypts an envelope; throws when the key or the name does not match. */
export async function openCredential(base64Key: string, env: CredentialEnvelope): Promise<string> {
  const key = await importKey(base64Key);
  const pt = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: b64decode(env.iv), additionalData: enc.encode(AAD_PREFIX + env.name) },
    key,
    b64decode(env.encrypted),
  );
  return dec.decode(pt);
}
