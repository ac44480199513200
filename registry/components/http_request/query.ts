// encodeURIComponent's meaning over UTF-8, except that `{{ credential.NAME }}` placeholders pass
// through untouched: the host must still find them in the URL to put the secret in.

const HEX = "0123456789ABCDEF";

function unreserved(c: i32): bool {
  return (
    (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 45 || c == 46 || c == 95 || c == 126
  );
}

function encodePlain(s: string): string {
  const bytes = Uint8Array.wrap(String.UTF8.encode(s));
  let out = "";
  for (let i = 0; i < bytes.length; i++) {
    const b = <i32>bytes[i];
    if (unreserved(b)) out += String.fromCharCode(b);
    else out += "%" + HEX.charAt(b >> 4) + HEX.charAt(b & 15);
  }
  return out;
}

/** @example encodeQueryValue("a b {{ credential.k }}") // "a%20b%20{{ credential.k }}" */
export function encodeQueryValue(s: string): string {
  let out = "";
  let i = 0;
  while (i < s.length) {
    const open = s.indexOf("{{", i);
    if (open < 0) break;
    const close = s.indexOf("}}", open + 2);
    if (close < 0) break;
    const inner = s.substring(open + 2, close).trim();
    if (!inner.startsWith("credential.") && !inner.startsWith("credential:")) {
      out += encodePlain(s.substring(i, close + 2));
    } else {
      out += encodePlain(s.substring(i, open)) + s.substring(open, close + 2);
    }
    i = close + 2;
  }
  return out + encodePlain(s.substring(i));
}
