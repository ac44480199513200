/**
 * `@arcrun/sdk`: the arcrun API from JavaScript, typed from the platform's OpenAPI document, with
 * credentials encrypted on the client. No runtime dependencies.
 *
 * @example
 * import { ArcrunClient } from "@arcrun/sdk";
 * const arc = new ArcrunClient({ url, apiKey, encryptionKey });
 * await arc.credentials.set("github", token);
 */
export { ArcrunClient, type ArcrunClientOptions, OPERATIONS } from "./client.js";
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
export type { components, operations, paths } from "./generated/openapi.js";
export {
  ArcrunError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
  UnprocessableError,
} from "./http/errors.js";
export { type CallOptions, parseRetryAfter, type TransportOptions } from "./http/transport.js";
export { type TriggerOptions, webhooks } from "./resources/webhooks.js";
export type { RunOptions } from "./resources/workflows.js";
export type * from "./types.js";
