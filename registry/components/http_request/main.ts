// http_request: one HTTP call through the u6u.http_request host function.
// Credentials travel by reference: a `{{ credential.NAME }}` placeholder in the URL, a header or the
// body is replaced by the host just before the fetch, so the secret never enters this memory.
import {
  fail,
  failWithDetails,
  httpRequestRaw,
  JSON,
  jsonString,
  readInput,
  writeOutputRaw,
} from "../../sdk/assemblyscript";
import {
  isArray,
  isNull,
  isObject,
  isString,
  optBool,
  optInt,
  optNumber,
  optString,
  stringify,
  textOf,
} from "../../sdk/assemblyscript/value";
import { isJson } from "./json-check";
import { encodeQueryValue } from "./query";

const METHODS = "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS";
/** Characters of a failed response's body kept on the error. */
const MAX_ERROR_BODY = 4096;

/** The host request, built by hand: the typed SDK classes would add ~25 KB of serializers. */
class Request {
  method: string = "GET";
  url: string = "";
  headers: Map<string, string> = new Map<string, string>();
  body: string | null = null;
  body_base64: string | null = null;
  timeout_ms: i32 = 0;

  toJson(): string {
    let out = '{"method":' + jsonString(this.method) + ',"url":' + jsonString(this.url) + ',"headers":{';
    const names = this.headers.keys();
    for (let i = 0; i < names.length; i++) {
      if (i > 0) out += ",";
      out += jsonString(names[i]) + ":" + jsonString(this.headers.get(names[i]));
    }
    out += "}";
    if (this.body !== null) out += ',"body":' + jsonString(this.body!);
    if (this.body_base64 !== null) out += ',"body_base64":' + jsonString(this.body_base64!);
    if (this.timeout_ms > 0) out += ',"timeout_ms":' + this.timeout_ms.toString();
    return out + "}";
  }
}

function main(): void {
  const input = readInput<JSON.Obj>();
  const req = new Request();
  req.method = optString(input, "method", "GET").toUpperCase();
  if (!METHODS.includes(req.method)) fail("INVALID_FIELD", "field 'method' must be one of " + METHODS);

  if (isNull(input.get("url"))) fail("MISSING_FIELD", "field 'url' is required");
  let url = optString(input, "url", "");
  if (!url.startsWith("https://") && !url.startsWith("http://")) {
    fail("INVALID_URL", "field 'url' must start with https:// or http://, got " + jsonString(url));
  }
  url = withQuery(url, input.get("query"));
  req.url = url;

  const headers = input.get("headers");
  if (!isNull(headers)) {
    if (!isObject(headers)) fail("INVALID_FIELD", "field 'headers' must be an object of header names to values");
    const h = headers!.get<JSON.Obj>();
    const names = h.keys();
    for (let i = 0; i < names.length; i++) req.headers.set(names[i].toLowerCase(), textOf(h.get(names[i])));
  }

  const bodyJson = input.get("body_json");
  const body = input.get("body");
  if (!isNull(bodyJson) && !isNull(body)) fail("INVALID_INPUT", "give either 'body' or 'body_json', not both");
  if (!isNull(bodyJson) || (!isNull(body) && !isString(body))) {
    req.body = stringify(!isNull(bodyJson) ? bodyJson : body);
    if (!req.headers.has("content-type")) req.headers.set("content-type", "application/json");
  } else if (!isNull(body)) {
    req.body = body!.get<string>();
  }
  const form = input.get("body_form");
  if (!isNull(form)) {
    if (!isObject(form)) fail("INVALID_FIELD", "field 'body_form' must be an object of field names to values");
    if (req.body !== null) fail("INVALID_INPUT", "give only one of 'body', 'body_json', 'body_form', 'body_base64'");
    req.body = formBody(form!.get<JSON.Obj>());
    if (!req.headers.has("content-type")) req.headers.set("content-type", "application/x-www-form-urlencoded");
  }
  const b64 = optString(input, "body_base64", "");
  if (b64.length > 0) {
    if (req.body !== null) fail("INVALID_INPUT", "give only one of 'body', 'body_json', 'body_form', 'body_base64'");
    req.body_base64 = b64;
  }
  req.timeout_ms = optInt(input, "timeout_ms", 0, 0, 300000);
  // Like n8n's HTTP node: a status >= 400 fails the node (so retry and ON_FAIL apply) unless opted out.
  const failOnStatus = optBool(input, "fail_on_status", true);

  const r = httpRequestRaw(req.toJson());
  const res = JSON.parse<JSON.Obj>(r.body);
  if (!r.ok) fail(optString(res, "code", "HOST_ERROR"), optString(res, "message", "http_request failed"));
  const status = <i32>optNumber(res, "status", 0);
  const resHeaders = res.get("headers");
  const headersJson = isObject(resHeaders) ? stringify(resHeaders) : "{}";
  if (failOnStatus && (status < 200 || status >= 400)) {
    // The response rides on the error (body bounded) so ON_FAIL, templates and the retry policy see it.
    let body = optString(res, "body", "");
    if (body.length > MAX_ERROR_BODY) body = body.slice(0, MAX_ERROR_BODY);
    failWithDetails(
      "HTTP_STATUS",
      req.method + " " + url + " answered " + status.toString(),
      '{"status":' + status.toString() + ',"headers":' + headersJson + ',"body":' + jsonString(body) + "}",
    );
  }
  let out = '{"status":' + status.toString();
  out += ',"ok":' + (status >= 200 && status < 300 ? "true" : "false");
  out += ',"headers":' + headersJson;
  const text = optString(res, "body", "");
  if (!isNull(res.get("body"))) {
    out += ',"body":' + jsonString(text);
    let type = "";
    if (isObject(resHeaders)) type = textOf(resHeaders!.get<JSON.Obj>().get("content-type"));
    // The parsed body is spliced in as raw text once checked: no parse/serialize round trip.
    if (type.includes("json") && isJson(text)) out += ',"json":' + text;
  } else if (!isNull(res.get("body_base64"))) {
    out += ',"body_base64":' + jsonString(optString(res, "body_base64", ""));
  }
  writeOutputRaw(out + "}");
}

/** `{ a: 1, tag: ["x", "y"] }` → `a=1&tag=x&tag=y` (a list repeats its name; null fields are left out). */
function formBody(form: JSON.Obj): string {
  const names = form.keys();
  let out = "";
  for (let i = 0; i < names.length; i++) {
    const v = form.get(names[i]);
    if (isNull(v)) continue;
    if (isArray(v)) {
      const items = v!.get<JSON.Arr>();
      for (let j = 0; j < items.length; j++) {
        const item = items.at(j);
        if (isNull(item)) continue;
        out += (out.length > 0 ? "&" : "") + encodeQueryValue(names[i]) + "=" + encodeQueryValue(textOf(item));
      }
    } else out += (out.length > 0 ? "&" : "") + encodeQueryValue(names[i]) + "=" + encodeQueryValue(textOf(v));
  }
  return out;
}

/** Appends `query` (an object) to the URL, percent-encoding values but keeping credential placeholders. */
function withQuery(url: string, query: JSON.Value | null): string {
  if (isNull(query)) return url;
  if (!isObject(query)) fail("INVALID_FIELD", "field 'query' must be an object of parameter names to values");
  const q = query!.get<JSON.Obj>();
  const names = q.keys();
  let out = url;
  for (let i = 0; i < names.length; i++) {
    const v = q.get(names[i]);
    if (isNull(v)) continue;
    out += (out.includes("?") ? "&" : "?") + encodeQueryValue(names[i]) + "=" + encodeQueryValue(textOf(v));
  }
  return out;
}

main();
