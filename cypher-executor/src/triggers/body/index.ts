/**
 * A webhook delivery's body as the workflow's `input`, by its content type: JSON as its value, an HTML
 * form / Twilio / Slack command (`application/x-www-form-urlencoded`) as an object, `multipart/form-data`
 * as an object (files as base64), `text/*` and XML as a string, anything else as
 * `{ content_type, size, body_base64 }`. The signature check has already read the raw bytes.
 */
import { MAX_BODY_BYTES } from "../../durability/index";
import { parseInput } from "../../engine/http";
import { ApiError } from "../../http/errors";

const utf8 = new TextDecoder();

/**
 * Reads the raw body of a webhook delivery as the workflow input (docs/workflow-format.md, "Webhook bodies").
 * Over 1 MiB is a 413 before anything is parsed.
 *
 * @example
 * await webhookInput(new TextEncoder().encode("name=Ada&tag=a&tag=b").buffer, "application/x-www-form-urlencoded")
 * // { name: "Ada", tag: ["a", "b"] }
 */
export async function webhookInput(raw: ArrayBuffer, contentType: string | null): Promise<unknown> {
  if (raw.byteLength > MAX_BODY_BYTES) {
    throw new ApiError(
      413,
      "BODY_TOO_LARGE",
      `The request body is ${raw.byteLength} bytes; the limit is ${MAX_BODY_BYTES}`,
      {
        field: "body",
        limit: MAX_BODY_BYTES,
        bytes: raw.byteLength,
      },
    );
  }
  const type = mediaType(contentType);
  if (type === "" || type === "application/json" || type.endsWith("+json")) {
    return parseInput(utf8.decode(raw), contentType);
  }
  if (raw.byteLength === 0) return {};
  if (type === "application/x-www-form-urlencoded") {
    const text = utf8.decode(raw);
    // `curl -d '{"a":1}'` sends JSON under this type: JSON text is read as JSON, as before.
    return looksJson(text) ? parseInput(text, contentType) : formObject(new URLSearchParams(text));
  }
  if (type === "multipart/form-data") return multipart(raw, contentType ?? "");
  if (isText(type)) {
    const text = utf8.decode(raw);
    // text/plain carrying JSON (a no-cors fetch, sendBeacon) stays JSON, as it always was.
    return type === "text/plain" && looksJson(text) ? parseInput(text, contentType) : text;
  }
  return { content_type: type, size: raw.byteLength, body_base64: toBase64(new Uint8Array(raw)) };
}

/** `Application/JSON; charset=utf-8` → `application/json`. */
function mediaType(contentType: string | null): string {
  if (!contentType) return "";
  const semi = contentType.indexOf(";");
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

function isText(type: string): boolean {
  return type.startsWith("text/") || type === "application/xml" || type.endsWith("+xml");
}

function looksJson(text: string): boolean {
  const t = text.trimStart();
  if (t[0] !== "{" && t[0] !== "[") return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Fields by name; a name given more than once (`tag=a&tag=b`, checkboxes) becomes a list. */
export function formObject(entries: Iterable<[string, unknown]>): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const [k, v] of entries) {
    if (k === "__proto__" || k === "constructor" || k === "prototype") continue;
    const had = out[k];
    if (had === undefined) out[k] = v;
    else if (Array.isArray(had)) had.push(v);
    else out[k] = [had, v];
  }
  return { ...out };
}

async function multipart(raw: ArrayBuffer, contentType: string): Promise<Record<string, unknown>> {
  let form: FormData;
  try {
    form = await new Response(raw, { headers: { "content-type": contentType } }).formData();
  } catch (err) {
    throw new ApiError(400, "INVALID_BODY", `The multipart/form-data body cannot be read: ${(err as Error).message}`, {
      field: "body",
    });
  }
  const entries: Array<[string, unknown]> = [];
  for (const [k, v] of form.entries()) {
    if (typeof v === "string") entries.push([k, v]);
    else {
      const file = v as File;
      const bytes = new Uint8Array(await file.arrayBuffer());
      entries.push([
        k,
        {
          filename: file.name,
          content_type: file.type || "application/octet-stream",
          size: bytes.byteLength,
          body_base64: toBase64(bytes),
        },
      ]);
    }
  }
  return formObject(entries);
}

function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
