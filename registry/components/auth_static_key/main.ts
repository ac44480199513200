// auth_static_key: applies a static_key auth recipe to a request, by reference. Every `{{secret.K}}`
// of the recipe becomes a `{{ credential.NAME }}` placeholder, which only the http_request host
// function replaces; the output is an http_request input, and no secret ever enters this memory.
import { fail, JSON, jsonString, readInput, writeOutputRaw } from "../../sdk/assemblyscript";
import { isArray, isNull, isObject, isString, optString, stringify, textOf } from "../../sdk/assemblyscript/value";

/** The placeholder for secret `key`: from `credentials.key`, or a JSON `credential` field, or the one `credential`. */
function placeholderFor(key: string, input: JSON.Obj, secretCount: i32): string {
  const creds = input.get("credentials");
  if (isObject(creds)) {
    const m = creds!.get<JSON.Obj>();
    if (m.has(key) && isString(m.get(key))) return "{{ credential." + m.get(key)!.get<string>() + " }}";
  }
  const one = optString(input, "credential", "");
  // One credential covers a recipe with one secret; several secrets need one credential each.
  if (one.length > 0 && secretCount == 1) return "{{ credential." + one + " }}";
  fail("CREDENTIAL_REQUIRED", "secret '" + key + "' needs a credential: set 'credential' or 'credentials." + key + "'");
  return "";
}

/** Replaces `{{secret.K}}` (spaces allowed) in `text` by the secret's placeholder. */
function expand(text: string, input: JSON.Obj, secretCount: i32): string {
  let out = "";
  let i = 0;
  while (true) {
    const open = text.indexOf("{{", i);
    if (open < 0) break;
    const close = text.indexOf("}}", open + 2);
    if (close < 0) break;
    const expr = text.substring(open + 2, close).trim();
    out += text.substring(i, open);
    if (expr.startsWith("secret.")) out += placeholderFor(expr.substring(7), input, secretCount);
    else if (expr.startsWith("runtime."))
      fail("UNSUPPORTED_TEMPLATE", "{{" + expr + "}} needs a token component (auth_oauth2 / auth_service_account)");
    else out += text.substring(open, close + 2);
    i = close + 2;
  }
  return out + text.substring(i);
}

function objectOf(parent: JSON.Obj, key: string, where: string): JSON.Obj | null {
  const v = parent.get(key);
  if (isNull(v)) return null;
  if (!isObject(v)) fail("INVALID_FIELD", "field '" + where + "' must be an object");
  return v!.get<JSON.Obj>();
}

/** Adds `extra`'s entries (templates expanded) to the JSON object text being built in `out`. */
function mergeInto(target: Map<string, string>, extra: JSON.Obj | null, input: JSON.Obj, n: i32, lower: bool): void {
  if (extra === null) return;
  const keys = extra.keys();
  for (let i = 0; i < keys.length; i++) {
    const k = lower ? keys[i].toLowerCase() : keys[i];
    target.set(k, expand(textOf(extra.get(keys[i])), input, n));
  }
}

function mapJson(m: Map<string, string>): string {
  const keys = m.keys();
  let out = "{";
  for (let i = 0; i < keys.length; i++) {
    if (i > 0) out += ",";
    out += jsonString(keys[i]) + ":" + jsonString(m.get(keys[i]));
  }
  return out + "}";
}

function main(): void {
  const input = readInput<JSON.Obj>();
  const recipe = objectOf(input, "auth_recipe", "auth_recipe");
  if (recipe === null) fail("MISSING_FIELD", "field 'auth_recipe' is required (the service's auth recipe)");
  const r = recipe!;
  const primitive = optString(r, "primitive", "");
  if (primitive != "static_key")
    fail("WRONG_PRIMITIVE", "auth_static_key applies static_key recipes, got '" + primitive + "'");
  const inject = objectOf(r, "inject", "auth_recipe.inject");
  if (inject === null) fail("MISSING_FIELD", "field 'auth_recipe.inject' is required");
  if (inject!.has("basic"))
    fail("UNSUPPORTED_INJECT", "Basic auth is applied by the platform's recipe step, not by this component");
  const secrets = r.get("required_secrets");
  const n = isArray(secrets) ? secrets!.get<JSON.Arr>().length : 0;
  const request = objectOf(input, "request", "request");
  if (request === null)
    fail("MISSING_FIELD", "field 'request' is required ({ method, path | url, headers?, query?, body? })");
  const req = request!;

  // URL: an absolute url as given, or base_url + inject.path + path.
  let url = optString(req, "url", "");
  if (url.length == 0) {
    let base = expand(optString(r, "base_url", ""), input, n);
    while (base.endsWith("/")) base = base.substring(0, base.length - 1);
    url = base + expand(optString(inject!, "path", ""), input, n) + optString(req, "path", "/");
  }

  const headers = new Map<string, string>();
  mergeInto(headers, objectOf(r, "headers", "auth_recipe.headers"), input, n, true);
  mergeInto(headers, objectOf(req, "headers", "request.headers"), input, n, true);
  mergeInto(headers, objectOf(inject!, "header", "auth_recipe.inject.header"), input, n, true);
  const query = new Map<string, string>();
  mergeInto(query, objectOf(req, "query", "request.query"), input, n, false);
  mergeInto(query, objectOf(inject!, "query", "auth_recipe.inject.query"), input, n, false);

  let out = '{"method":' + jsonString(optString(req, "method", "GET").toUpperCase()) + ',"url":' + jsonString(url);
  out += ',"headers":' + mapJson(headers);
  if (query.size > 0) out += ',"query":' + mapJson(query);
  const bodyInject = objectOf(inject!, "body", "auth_recipe.inject.body");
  const body = req.get("body");
  if (bodyInject !== null) {
    const merged = new Map<string, string>();
    mergeInto(merged, bodyInject, input, n, false);
    // The auth fields go first; the request body's own fields are copied as JSON after them.
    let b = "{";
    const keys = merged.keys();
    for (let i = 0; i < keys.length; i++)
      b += (i > 0 ? "," : "") + jsonString(keys[i]) + ":" + jsonString(merged.get(keys[i]));
    if (isObject(body)) {
      const own = body!.get<JSON.Obj>();
      const ok = own.keys();
      for (let i = 0; i < ok.length; i++) {
        if (merged.has(ok[i])) continue;
        b += (b.length > 1 ? "," : "") + jsonString(ok[i]) + ":" + stringify(own.get(ok[i]));
      }
    }
    out += ',"body_json":' + b + "}";
  } else if (!isNull(body)) {
    out += (isString(body) ? ',"body":' : ',"body_json":') + stringify(body);
  }
  writeOutputRaw(out + "}");
}

main();
