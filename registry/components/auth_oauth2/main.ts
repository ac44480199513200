// auth_oauth2: gets an OAuth 2.0 access token for an oauth2 auth recipe (refresh_token or
// client_credentials grant) and caches it with kv_put under the caller's own `oauth2:*` keys.
// The client secret and refresh token travel as `{{ credential.NAME }}` placeholders: the
// http_request host substitutes them, so they never enter this memory.
import { fail, JSON, readInput } from "../../sdk/assemblyscript";
import { answerFromCache, exchangeAndCache } from "../../sdk/assemblyscript/token";
import { isArray, isObject, isString, optString, textOf } from "../../sdk/assemblyscript/value";

function placeholderFor(key: string, input: JSON.Obj): string {
  const creds = input.get("credentials");
  if (isObject(creds)) {
    const m = creds!.get<JSON.Obj>();
    if (m.has(key) && isString(m.get(key))) return "{{ credential." + m.get(key)!.get<string>() + " }}";
  }
  fail("CREDENTIAL_REQUIRED", "secret '" + key + "' needs a credential: set 'credentials." + key + "' to its name");
  return "";
}

/** A cache key naming the credentials used, never their values. */
function cacheKey(service: string, parts: string[]): string {
  let k = "oauth2:" + service;
  for (let i = 0; i < parts.length; i++) k += ":" + parts[i].replace("{{ credential.", "").replace(" }}", "");
  return k;
}

function main(): void {
  const input = readInput<JSON.Obj>();
  const rv = input.get("auth_recipe");
  if (!isObject(rv)) fail("MISSING_FIELD", "field 'auth_recipe' is required (an oauth2 auth recipe)");
  const r = rv!.get<JSON.Obj>();
  if (optString(r, "primitive", "") != "oauth2") fail("WRONG_PRIMITIVE", "auth_oauth2 needs an oauth2 auth recipe");
  const tev = r.get("token_exchange");
  if (!isObject(tev)) fail("MISSING_FIELD", "field 'auth_recipe.token_exchange' is required");
  const te = tev!.get<JSON.Obj>();
  const endpoint = optString(te, "endpoint", "");
  const grant = optString(te, "grant_type", "refresh_token");
  let scope = "";
  const scopes = te.get("scopes");
  if (isArray(scopes)) {
    const a = scopes!.get<JSON.Arr>();
    for (let i = 0; i < a.length; i++) scope += (i > 0 ? " " : "") + textOf(a[i]);
  }
  const service = optString(r, "service", "oauth2");

  const clientId = placeholderFor("client_id", input);
  const clientSecret = placeholderFor("client_secret", input);
  let form = "grant_type=" + grant + "&client_id=" + clientId + "&client_secret=" + clientSecret;
  const parts = [clientId, clientSecret];
  if (grant == "refresh_token") {
    const refresh = placeholderFor("refresh_token", input);
    form += "&refresh_token=" + refresh;
    parts.push(refresh);
  } else if (grant != "client_credentials") {
    fail("INVALID_FIELD", "token_exchange.grant_type must be refresh_token or client_credentials");
  }
  if (scope.length > 0) form += "&scope=" + scope.replaceAll(" ", "%20").replaceAll(":", "%3A").replaceAll("/", "%2F");
  const key = cacheKey(service, parts);

  if (answerFromCache(key)) return;
  exchangeAndCache(endpoint, form, key);
}

main();
