/**
 * What an execution may be given: request bodies and nesting are refused before anything runs (a step
 * that ran and whose record cannot be stored is a side effect without a trace), and a record too large
 * for one KV value is stored truncated with a marker instead of not at all.
 */
import { ApiError } from "../http/errors";

/** Largest request body a run or trigger accepts (bytes of the body text). */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Deepest nesting of arrays/objects a body may have. */
export const MAX_DEPTH = 64;
/**
 * Largest stored record (bytes of its JSON). Cloudflare KV takes 25 MiB per value, `acr serve`'s KV
 * ~2 MiB: one limit below both, so a record that fits on one deployment fits on all.
 */
export const MAX_RECORD_BYTES = 2_000_000;

/**
 * Refuses a body over {@link MAX_BODY_BYTES} with 413, before it is parsed.
 *
 * @example
 * checkBodySize(await c.req.text()); // throws ApiError 413 BODY_TOO_LARGE
 */
export function checkBodySize(text: string): void {
  // A UTF-16 length over the limit may still be fewer UTF-8 bytes only when it is under it: count only near it.
  if (text.length * 3 <= MAX_BODY_BYTES) return;
  const bytes = text.length > MAX_BODY_BYTES ? text.length : new TextEncoder().encode(text).byteLength;
  if (bytes > MAX_BODY_BYTES) {
    throw new ApiError(413, "BODY_TOO_LARGE", `The request body is ${bytes} bytes; the limit is ${MAX_BODY_BYTES}`, {
      field: "body",
      limit: MAX_BODY_BYTES,
      bytes,
    });
  }
}

/**
 * Refuses JSON text nested deeper than {@link MAX_DEPTH} with 400, scanning the text (strings skipped).
 * A body shorter than the limit cannot be deeper than it, so the common small body costs one comparison.
 *
 * @example
 * checkDepth('{"a":[[[1]]]}'); // ok
 */
export function checkDepth(text: string): void {
  if (text.length <= MAX_DEPTH) return;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > MAX_DEPTH) {
        throw new ApiError(400, "BODY_TOO_DEEP", `The request body nests deeper than ${MAX_DEPTH} levels`, {
          field: "body",
          limit: MAX_DEPTH,
        });
      }
    } else if (c === 125 || c === 93) depth--;
  }
}

/** What replaces a value cut from a stored record. */
export interface TruncatedMarker {
  truncated: true;
  bytes: number;
  /** The first characters of the value's JSON. */
  preview: string;
}

/**
 * The record's JSON, under {@link MAX_RECORD_BYTES}: if it is over, the largest values (input, output,
 * node inputs/data) are replaced by a {@link TruncatedMarker} one by one, largest first, and the record
 * says `truncated: true`. Never drops the record.
 *
 * @example
 * const json = boundedRecordJson(rec); // JSON.stringify(rec) in the common case
 */
export function boundedRecordJson(rec: object, limit = MAX_RECORD_BYTES): string {
  const json = JSON.stringify(rec);
  if (json.length * 3 <= limit || utf8Length(json) <= limit) return json;
  const copy = structuredClone(rec) as Record<string, unknown> & { nodes?: Record<string, Record<string, unknown>> };
  const slots: Array<{ holder: Record<string, unknown>; field: string; size: number }> = [];
  const add = (holder: Record<string, unknown>, field: string) => {
    if (holder[field] === undefined) return;
    slots.push({ holder, field, size: utf8Length(JSON.stringify(holder[field]) ?? "") });
  };
  add(copy, "input");
  add(copy, "output");
  for (const node of Object.values(copy.nodes ?? {})) {
    add(node, "input");
    add(node, "data");
  }
  slots.sort((a, b) => b.size - a.size);
  let total = utf8Length(json);
  copy.truncated = true;
  for (const s of slots) {
    // 32 bytes for the record's own `"truncated":true`; a value shorter than its marker stays.
    if (total <= limit - 32 || s.size <= 256) break;
    const text = JSON.stringify(s.holder[s.field]) ?? "";
    const marker: TruncatedMarker = { truncated: true, bytes: s.size, preview: text.slice(0, 200) };
    s.holder[s.field] = marker;
    total -= s.size - utf8Length(JSON.stringify(marker));
  }
  return JSON.stringify(copy);
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).byteLength;
}
