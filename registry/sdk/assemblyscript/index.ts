/**
 * The arcrun AssemblyScript SDK: the face of the component ABI (docs/component-abi.md).
 *
 * @example
 * import { readInput, writeOutput } from "../../sdk/assemblyscript";
 * const input = readInput<JSON.Obj>();
 * writeOutput<JSON.Obj>(input);
 */
import { JSON } from "json-as";
import { cryptoDecryptRaw, cryptoSignRs256Raw, HostResult, httpRequestRaw, kvGetRaw, kvPutRaw } from "./host";
import { proc_exit, readStdin, writeString } from "./wasi";

export { abortToStderr, nowMs, randomHex, seedFromWasi } from "./wasi";
export { cryptoDecryptRaw, cryptoSignRs256Raw, HostResult, httpRequestRaw, JSON, kvGetRaw, kvPutRaw };

/** The whole input JSON (stdin) as a string. */
export function readInputRaw(): string {
  return String.UTF8.decode(readStdin());
}

/** The input parsed into `T` (a `@json` class, `JSON.Obj`, `JSON.Value`, …). */
export function readInput<T>(): T {
  return JSON.parse<T>(readInputRaw());
}

/** Writes the node's output: any JSON text. Call once. */
export function writeOutputRaw(json: string): void {
  writeString(1, json);
}

/** Serializes `value` with json-as and writes it as the node's output. */
export function writeOutput<T>(value: T): void {
  writeString(1, JSON.stringify<T>(value));
}

/** A JSON string literal for `s` (quotes and escapes), for hand-built JSON. */
export function jsonString(s: string): string {
  return JSON.stringify<string>(s);
}

/**
 * Fails the node: writes `{"error":{"code","message"}}` and exits with code 1. Never returns.
 *
 * @example
 * if (!input.has("url")) fail("MISSING_FIELD", "url is required");
 */
export function fail(code: string, message: string): void {
  writeString(1, '{"error":{"code":' + jsonString(code) + ',"message":' + jsonString(message) + "}}");
  proc_exit(1);
  unreachable();
}

/**
 * Ends the component with an error that carries `detailsJson` (a JSON object, already serialized)
 * as `error.details`, e.g. the HTTP response of a failed call, so ON_FAIL and templates can read it.
 */
export function failWithDetails(code: string, message: string, detailsJson: string): void {
  writeString(
    1,
    '{"error":{"code":' + jsonString(code) + ',"message":' + jsonString(message) + ',"details":' + detailsJson + "}}",
  );
  proc_exit(1);
  unreachable();
}

/** A log line on stderr (kept, bounded, in the execution's logs). */
export function log(message: string): void {
  writeString(2, message + "\n");
}

/** Ends the node as pending (e.g. `wait`): the engine resumes it later. `resumeAt` is ISO-8601. */
export function pending(taskId: string, resumeAt: string | null = null): void {
  let out = '{"pending":true,"task_id":' + jsonString(taskId);
  if (resumeAt !== null) out += ',"resume_at":' + jsonString(resumeAt);
  writeString(1, out + "}");
}

/** Fails the node with the host's own error (e.g. SSRF_BLOCKED) when a host call did not succeed. */
function orFail(r: HostResult): string {
  if (!r.ok) {
    const err = JSON.parse<HostError>(r.body);
    fail(err.code, err.message);
  }
  return r.body;
}

@json
class HostError {
  code: string = "HOST_ERROR";
  message: string = "";
}

/** `http_request` request. `body` is text; `body_base64` carries bytes. */
@json
export class HttpRequest {
  method: string = "GET";
  url: string = "";
  headers: Map<string, string> = new Map<string, string>();
  @omitnull()
  body: string | null = null;
  @omitnull()
  body_base64: string | null = null;
  @omitif((self: HttpRequest) => self.timeout_ms == 0)
  timeout_ms: i32 = 0;
}

/** `http_request` response. Text bodies come as `body`, others as `body_base64`. */
@json
export class HttpResponse {
  status: i32 = 0;
  @optional
  headers: Map<string, string> = new Map<string, string>();
  @optional
  body: string | null = null;
  @optional
  body_base64: string | null = null;
}

/**
 * Sends an HTTP request through the host. `{{ credential.NAME }}` in the URL, a header or the body
 * is replaced by the host with the caller's secret; the component never sees it. Fails the node
 * with the host's error code (SSRF_BLOCKED, HOST_NOT_ALLOWED, …) if the request is refused.
 */
export function httpRequest(req: HttpRequest): HttpResponse {
  return JSON.parse<HttpResponse>(orFail(httpRequestRaw(JSON.stringify<HttpRequest>(req))));
}

@json
class KvValue {
  @optional
  value: string | null = null;
}

/** Reads a KV key the caller may read (see the routing table in the ABI); null when absent. */
export function kvGet(key: string): string | null {
  return JSON.parse<KvValue>(orFail(kvGetRaw('{"key":' + jsonString(key) + "}"))).value;
}

/** Writes the caller's own token cache `oauth2:…` with a TTL in seconds (≥ 60). */
export function kvPut(key: string, value: string, ttlSeconds: i32): void {
  orFail(
    kvPutRaw('{"key":' + jsonString(key) + ',"value":' + jsonString(value) + ',"ttl":' + ttlSeconds.toString() + "}"),
  );
}

@json
class Plaintext {
  plaintext: string = "";
}

/** Decrypts the caller's credential `name`. Prefer `{{ credential.NAME }}` in httpRequest. */
export function cryptoDecrypt(name: string): string {
  return JSON.parse<Plaintext>(orFail(cryptoDecryptRaw('{"name":' + jsonString(name) + "}"))).plaintext;
}

@json
class Signature {
  signature: string = "";
}

/**
 * RS256 signature (base64url) of `data` with the PKCS#8 private key stored as credential
 * `credential`: the key stays in the host.
 */
export function cryptoSignRs256(data: string, credential: string): string {
  const req = '{"data":' + jsonString(data) + ',"credential":' + jsonString(credential) + "}";
  return JSON.parse<Signature>(orFail(cryptoSignRs256Raw(req))).signature;
}

/** RS256 signature (base64url) of `data` with a PKCS#8 PEM passed in the request. */
export function cryptoSignRs256WithKey(data: string, pkcs8Pem: string): string {
  const req = '{"data":' + jsonString(data) + ',"pkcs8":' + jsonString(pkcs8Pem) + "}";
  return JSON.parse<Signature>(orFail(cryptoSignRs256Raw(req))).signature;
}
