/**
 * `@arcrun/sdk`: the arcrun API from JavaScript, with credentials encrypted on the client.
 *
 * @example
 * import { ArcrunClient } from "@arcrun/sdk";
 * const arc = new ArcrunClient({ url, apiKey, encryptionKey });
 * await arc.credentials.put("github", token);
 */
export { ArcrunClient, type ArcrunClientOptions, ArcrunError, type CredentialInfo, type Whoami } from "./client.js";
export {
  AAD_PREFIX,
  CredentialCryptoError,
  type CredentialEnvelope,
  decryptCredential,
  encryptCredential,
  fromBase64,
  generateKey,
  keyId,
  toBase64,
} from "./envelope.js";
