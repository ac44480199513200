/**
 * The token-cache half of the auth components (auth_oauth2, auth_service_account): answer from the
 * caller's own `oauth2:*` cache, or exchange a form at the token endpoint and cache what comes back.
 *
 * @example
 * if (answerFromCache(key)) return;
 * exchangeAndCache(endpoint, form, key);
 */
import { fail, httpRequestRaw, JSON, jsonString, kvGetRaw, kvPutRaw, writeOutputRaw } from "./index";
import { isString, optNumber, optString } from "./value";

/** A host call's JSON answer; fails the node with the host's own code when the call was refused. */
export function hostBody(raw: string, ok: bool): JSON.Obj {
  const v = JSON.parse<JSON.Obj>(raw.length > 0 ? raw : "{}");
  if (!ok) fail(optString(v, "code", "HOST_ERROR"), optString(v, "message", "host call failed"));
  return v;
}

function answer(token: string, expires: i32, cached: bool): void {
  let out = '{"access_token":' + jsonString(token) + ',"token_type":"Bearer"';
  if (!cached) out += ',"expires_in":' + expires.toString();
  writeOutputRaw(out + ',"cached":' + (cached ? "true" : "false") + "}");
}

/** Answers with the cached token under `key` (the caller's own `oauth2:*`) if there is one. */
export function answerFromCache(key: string): bool {
  const hit = hostBody(kvGetRaw('{"key":' + jsonString(key) + "}").body, true).get("value");
  if (!isString(hit)) return false;
  answer(hit!.get<string>(), 0, true);
  return true;
}

/**
 * POSTs `form` (credentials inside as `{{ credential.NAME }}` placeholders, substituted by the host) to
 * the token endpoint, caches the access token for its lifetime less a minute, and answers with it.
 */
export function exchangeAndCache(endpoint: string, form: string, key: string): void {
  const hr = httpRequestRaw(
    '{"method":"POST","url":' +
      jsonString(endpoint) +
      ',"headers":{"content-type":"application/x-www-form-urlencoded","accept":"application/json"},"body":' +
      jsonString(form) +
      "}",
  );
  const res = hostBody(hr.body, hr.ok);
  const status = <i32>optNumber(res, "status", 0);
  const text = optString(res, "body", "");
  if (!text.startsWith("{")) {
    fail("TOKEN_EXCHANGE_FAILED", "token endpoint answered HTTP " + status.toString() + " without JSON");
  }
  const j = JSON.parse<JSON.Obj>(text);
  const token = optString(j, "access_token", "");
  if (status != 200 || token.length == 0) {
    fail(
      "TOKEN_EXCHANGE_FAILED",
      "token endpoint answered HTTP " + status.toString() + " " + optString(j, "error", ""),
    );
  }
  const expires = <i32>optNumber(j, "expires_in", 3600);
  const ttl = expires - 60 < 60 ? 60 : expires - 60;
  const put = kvPutRaw(
    '{"key":' + jsonString(key) + ',"value":' + jsonString(token) + ',"ttl":' + ttl.toString() + "}",
  );
  hostBody(put.body, put.ok);
  answer(token, expires, false);
}
