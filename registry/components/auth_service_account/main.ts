// auth_service_account: a Google service-account access token. Builds the JWT (RS256) claims,
// has the host sign them with crypto_sign_rs256 using the service-account key BY REFERENCE (the
// private key never enters this memory), exchanges the assertion at token_exchange.endpoint, and
// caches the token under the caller's own `oauth2:*` KV keys with its TTL.
import { cryptoSignRs256Raw, fail, JSON, jsonString, nowMs, readInput } from "../../sdk/assemblyscript";
import { answerFromCache, exchangeAndCache, hostBody } from "../../sdk/assemblyscript/token";
import { isArray, isObject, isString, optString, textOf } from "../../sdk/assemblyscript/value";

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** base64url (no padding) of a string's UTF-8 bytes. */
function b64url(s: string): string {
  const bytes = Uint8Array.wrap(String.UTF8.encode(s));
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((<u32>bytes[i]) << 16) | ((<u32>bytes[i + 1]) << 8) | <u32>bytes[i + 2];
    out += B64.charAt((n >> 18) & 63) + B64.charAt((n >> 12) & 63) + B64.charAt((n >> 6) & 63) + B64.charAt(n & 63);
  }
  const rest = bytes.length - i;
  if (rest == 1) {
    const n = (<u32>bytes[i]) << 16;
    out += B64.charAt((n >> 18) & 63) + B64.charAt((n >> 12) & 63);
  } else if (rest == 2) {
    const n = ((<u32>bytes[i]) << 16) | ((<u32>bytes[i + 1]) << 8);
    out += B64.charAt((n >> 18) & 63) + B64.charAt((n >> 12) & 63) + B64.charAt((n >> 6) & 63);
  }
  return out;
}

function credentialName(input: JSON.Obj): string {
  const creds = input.get("credentials");
  if (isObject(creds)) {
    const m = creds!.get<JSON.Obj>();
    if (m.has("service_account") && isString(m.get("service_account"))) return m.get("service_account")!.get<string>();
  }
  const one = optString(input, "credential", "");
  if (one.length == 0)
    fail("CREDENTIAL_REQUIRED", "the service-account key needs a credential: set 'credentials.service_account'");
  return one;
}

function main(): void {
  const input = readInput<JSON.Obj>();
  const rv = input.get("auth_recipe");
  if (!isObject(rv)) fail("MISSING_FIELD", "field 'auth_recipe' is required (a service_account auth recipe)");
  const r = rv!.get<JSON.Obj>();
  if (optString(r, "primitive", "") != "service_account" || optString(r, "service_account_kind", "") != "google_jwt") {
    fail("WRONG_PRIMITIVE", "auth_service_account needs a service_account recipe with service_account_kind google_jwt");
  }
  const tev = r.get("token_exchange");
  if (!isObject(tev)) fail("MISSING_FIELD", "field 'auth_recipe.token_exchange' is required");
  const te = tev!.get<JSON.Obj>();
  const endpoint = optString(te, "endpoint", "");
  let scope = "";
  const scopes = te.get("scopes");
  if (isArray(scopes)) {
    const a = scopes!.get<JSON.Arr>();
    for (let i = 0; i < a.length; i++) scope += (i > 0 ? " " : "") + textOf(a[i]);
  }
  const email = optString(input, "client_email", "");
  if (email.length == 0)
    fail("MISSING_FIELD", "field 'client_email' is required (the service account's email, from its JSON key)");
  const subject = optString(input, "subject", "");
  const cred = credentialName(input);
  const key = "oauth2:" + optString(r, "service", "google") + ":" + cred + ":" + email + ":" + subject;

  if (answerFromCache(key)) return;

  const iat = nowMs() / 1000;
  let claims = '{"iss":' + jsonString(email) + ',"scope":' + jsonString(scope) + ',"aud":' + jsonString(endpoint);
  claims += ',"iat":' + iat.toString() + ',"exp":' + (iat + 3600).toString();
  if (subject.length > 0) claims += ',"sub":' + jsonString(subject);
  const unsigned = b64url('{"alg":"RS256","typ":"JWT"}') + "." + b64url(claims + "}");
  const sr = cryptoSignRs256Raw('{"data":' + jsonString(unsigned) + ',"credential":' + jsonString(cred) + "}");
  const sig = optString(hostBody(sr.body, sr.ok), "signature", "");
  const form = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" + unsigned + "." + sig;

  exchangeAndCache(endpoint, form, key);
}

main();
