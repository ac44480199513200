// Byte encodings: UTF-8, hex, base64 (RFC 4648 §4) and base64url (RFC 4648 §5, unpadded on output).
// Decoders return null on malformed input so the caller can name the field in its error.

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const HEX = "0123456789abcdef";

/** UTF-8 bytes of `s`. @example utf8("é").length // 2 */
export function utf8(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}

/** Decodes UTF-8 bytes (invalid sequences become U+FFFD). */
export function fromUtf8(b: Uint8Array): string {
  return String.UTF8.decodeUnsafe(b.dataStart, b.length);
}

/** Lowercase hex. @example toHex(utf8("hi")) // "6869" */
export function toHex(b: Uint8Array): string {
  let out = "";
  for (let i = 0; i < b.length; i++) {
    out += HEX.charAt(b[i] >> 4) + HEX.charAt(b[i] & 15);
  }
  return out;
}

function hexNibble(c: i32): i32 {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Parses hex (either case); null when the length is odd or a character is not hex. */
export function fromHex(s: string): Uint8Array | null {
  if (s.length % 2 != 0) return null;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexNibble(s.charCodeAt(i * 2));
    const lo = hexNibble(s.charCodeAt(i * 2 + 1));
    if (hi < 0 || lo < 0) return null;
    out[i] = u8((hi << 4) | lo);
  }
  return out;
}

/**
 * Base64 (standard alphabet, padded) or base64url (URL alphabet, no padding).
 * @example toBase64(utf8("hi"), false) // "aGk="
 */
export function toBase64(b: Uint8Array, url: bool): string {
  const alpha = url ? B64URL : B64;
  let out = "";
  let i = 0;
  for (; i + 2 < b.length; i += 3) {
    const n = (u32(b[i]) << 16) | (u32(b[i + 1]) << 8) | u32(b[i + 2]);
    out +=
      alpha.charAt((n >> 18) & 63) + alpha.charAt((n >> 12) & 63) + alpha.charAt((n >> 6) & 63) + alpha.charAt(n & 63);
  }
  const rest = b.length - i;
  if (rest == 1) {
    const n = u32(b[i]) << 16;
    out += alpha.charAt((n >> 18) & 63) + alpha.charAt((n >> 12) & 63);
    if (!url) out += "==";
  } else if (rest == 2) {
    const n = (u32(b[i]) << 16) | (u32(b[i + 1]) << 8);
    out += alpha.charAt((n >> 18) & 63) + alpha.charAt((n >> 12) & 63) + alpha.charAt((n >> 6) & 63);
    if (!url) out += "=";
  }
  return out;
}

function b64Value(c: i32): i32 {
  if (c >= 65 && c <= 90) return c - 65;
  if (c >= 97 && c <= 122) return c - 71;
  if (c >= 48 && c <= 57) return c + 4;
  if (c == 43 || c == 45) return 62; // '+' or '-'
  if (c == 47 || c == 95) return 63; // '/' or '_'
  return -1;
}

/** Decodes base64 or base64url, padded or not; null when malformed. */
export function fromBase64(s: string): Uint8Array | null {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) == 61) end--;
  if (s.length - end > 2) return null;
  if (end % 4 == 1) return null;
  const out = new Uint8Array((end * 3) / 4);
  let acc: u32 = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < end; i++) {
    const v = b64Value(s.charCodeAt(i));
    if (v < 0) return null;
    acc = (acc << 6) | u32(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = u8(acc >> bits);
    }
  }
  return out.subarray(0, o);
}
