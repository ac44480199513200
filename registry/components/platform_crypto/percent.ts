// URL percent-encoding with encodeURIComponent's meaning: UTF-8 bytes, everything but
// A-Z a-z 0-9 - _ . ! ~ * ' ( ) escaped as %XX.
import { fromUtf8, utf8 } from "./encoding";

const HEX_UPPER = "0123456789ABCDEF";

function keep(c: u8): bool {
  return (
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    (c >= 48 && c <= 57) ||
    c == 45 ||
    c == 95 ||
    c == 46 ||
    c == 33 ||
    c == 126 ||
    c == 42 ||
    c == 39 ||
    c == 40 ||
    c == 41
  );
}

/** @example percentEncode("a b&c=d") // "a%20b%26c%3Dd" */
export function percentEncode(s: string): string {
  const b = utf8(s);
  let out = "";
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (keep(c)) out += String.fromCharCode(c);
    else out += "%" + HEX_UPPER.charAt(c >> 4) + HEX_UPPER.charAt(c & 15);
  }
  return out;
}

function hexVal(c: i32): i32 {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Decodes %XX escapes (UTF-8); null when an escape is malformed. */
export function percentDecode(s: string): string | null {
  const raw = utf8(s);
  const out = new Uint8Array(raw.length);
  let o = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c != 37) {
      out[o++] = c;
      continue;
    }
    if (i + 2 >= raw.length) return null;
    const hi = hexVal(raw[i + 1]);
    const lo = hexVal(raw[i + 2]);
    if (hi < 0 || lo < 0) return null;
    out[o++] = u8((hi << 4) | lo);
    i += 2;
  }
  return fromUtf8(out.subarray(0, o));
}
