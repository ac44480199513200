/**
 * Masks a secret in every encoding an upstream can cheaply echo it in: as is, JSON `\u` escapes (any
 * mix of escaped and plain characters), URL encoding (any mix of percent-encoded and plain characters,
 * either hex case, `+` for spaces), base64 and
 * base64url at each of the 3 byte alignments, and hex (either case). Runs on every http_request
 * answer and recipe response before it reaches a component, a record or storage.
 *
 * @example
 * maskSecrets('{"echo":"\\u0073\\u0033cret"}', ["s3cret"]); // '{"echo":"***"}'
 */
export function maskSecrets(text: string, secrets: Iterable<string>, mask = "***"): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret) continue;
    for (const form of encodings(secret)) if (out.includes(form)) out = out.split(form).join(mask);
    if (out.includes("\\")) out = out.replace(jsonEscapedPattern(secret), mask);
    if (out.includes("%")) out = out.replace(percentPattern(secret), mask);
  }
  return out;
}

// Base64 fragments shorter than this match too much unrelated text: such a secret is masked in its
// other forms only (a 6-byte secret still yields an 8-character fragment).
const MIN_FRAGMENT = 6;

/** The literal spellings of one secret, longest first so a longer form is masked before its parts. */
export function encodings(secret: string): string[] {
  const bytes = new TextEncoder().encode(secret);
  const forms = new Set<string>([secret]);
  const uri = encodeURIComponent(secret);
  forms.add(uri);
  forms.add(uri.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
  forms.add(uri.replace(/%20/g, "+"));
  forms.add(escape(secret));
  let hex = "";
  for (const b of bytes) hex += b.toString(16).padStart(2, "0");
  forms.add(hex);
  forms.add(hex.toUpperCase());
  for (let k = 0; k < 3; k++) {
    const padded = new Uint8Array(k + bytes.length);
    padded.set(bytes, k);
    const std = base64(padded).replace(/=+$/, "");
    // Characters wholly made of the secret's bits: skip those touching the prefix, cut the last partial one.
    const start = k === 0 ? 0 : k === 1 ? 2 : 3;
    const end = Math.floor(((k + bytes.length) * 8) / 6);
    const frag = std.slice(start, end);
    if (frag.length >= MIN_FRAGMENT) {
      forms.add(frag);
      forms.add(frag.replace(/\+/g, "-").replace(/\//g, "_"));
    }
  }
  return [...forms].filter((f) => f.length > 0).sort((a, b) => b.length - a.length);
}

const patternCache = new Map<string, RegExp>();

/** Each character of the secret either plain or as a JSON `\uXXXX` escape (and `\/` for `/`). */
function jsonEscapedPattern(secret: string): RegExp {
  let re = patternCache.get(secret);
  if (re) return re;
  let source = "";
  for (const ch of secret) {
    const units = [...ch].length === 1 && ch.length === 2 ? [ch.charCodeAt(0), ch.charCodeAt(1)] : [ch.charCodeAt(0)];
    const escaped = units
      .map((u) => `\\\\[uU]${u.toString(16).padStart(4, "0").split("").map(hexClass).join("")}`)
      .join("");
    const plain = ch.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    const extra = ch === "/" ? "|\\\\/" : ch === '"' ? '|\\\\"' : ch === "\\" ? "|\\\\\\\\" : "";
    source += `(?:${plain}|${escaped}${extra})`;
  }
  re = new RegExp(source, "g");
  if (patternCache.size > 256) patternCache.clear();
  patternCache.set(secret, re);
  return re;
}

const percentCache = new Map<string, RegExp>();

/** Each character of the secret either plain or percent-encoded (its UTF-8 bytes, either hex case). */
function percentPattern(secret: string): RegExp {
  let re = percentCache.get(secret);
  if (re) return re;
  const encoder = new TextEncoder();
  let source = "";
  for (const ch of secret) {
    const bytes = [...encoder.encode(ch)]
      .map((b) => `%${b.toString(16).padStart(2, "0").split("").map(hexClass).join("")}`)
      .join("");
    const plain = ch.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    source += `(?:${plain}|${bytes}${ch === " " ? "|\\+" : ""})`;
  }
  re = new RegExp(source, "g");
  if (percentCache.size > 256) percentCache.clear();
  percentCache.set(secret, re);
  return re;
}

function hexClass(d: string): string {
  return /[a-f]/.test(d) ? `[${d}${d.toUpperCase()}]` : d;
}

function base64(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}
